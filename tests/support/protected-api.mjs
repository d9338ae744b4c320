// A small protected API for the TokenClient tests: it answers only to a bearer
// token that jose verifies against the authorization server's JWKS, and it
// records every request it sees (path, method, Authorization, headers, body),
// so tests can check what `client.fetch` sent and how many times.
//
//   const api = await startProtectedApi({ issuer: as.issuer, jwksUri: as.jwksUri });
//   await client.fetch(api.url("/data"));
//   api.requests;                // every request, in order
//   api.revoke(token);           // that token now gets 401, as a revoked one would
//   api.rejectNext(1);           // the next protected request gets 401 whatever its token
//   await api.close();
//
// Routes (every one but /open needs a valid token, else 401 with a Bearer challenge):
//   /data          200 with what the request carried (method, body, x-trace, content-type, jti)
//   /always401     401 always, even to a valid token
//   /redirect?to=U 302 to U (absolute or relative), with no token check
//   /open          200 without any token check (a redirect target that records what it got)
//
// `startRecorder()` is a second origin that only records what reaches it.

import * as http from "node:http";
import { createRemoteJWKSet, jwtVerify } from "jose";

function listen(server, host) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}

function closer(server) {
  let closing;
  return () => {
    closing ??= new Promise((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      server.closeAllConnections();
    });
    return closing;
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The bearer token of a request, or undefined. */
export function bearerOf(req) {
  const match = /^Bearer +(\S+)$/i.exec(req.headers?.authorization ?? "");
  return match?.[1];
}

/**
 * Starts the API on a free loopback port.
 * @param {{ issuer: string, jwksUri: string, host?: string }} options
 */
export async function startProtectedApi({ issuer, jwksUri, host = "127.0.0.1" }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  const revoked = new Set();
  const requests = [];
  let rejections = 0;

  const server = http.createServer(async (req, res) => {
    try {
      const body = await readBody(req);
      const url = new URL(req.url, "http://api.invalid");
      const record = {
        path: url.pathname,
        method: req.method,
        authorization: req.headers.authorization,
        token: bearerOf(req),
        headers: { ...req.headers },
        body,
      };
      requests.push(record);

      if (url.pathname === "/redirect") {
        res.writeHead(302, { location: url.searchParams.get("to") ?? "/data", "content-length": "0" });
        res.end();
        return;
      }
      if (url.pathname === "/open") {
        send(res, 200, { open: true, sawAuthorization: req.headers.authorization !== undefined });
        return;
      }

      const challenge = (error) => ({ "www-authenticate": `Bearer realm="api"${error ? `, error="${error}"` : ""}` });
      if (!record.token) return send(res, 401, { error: "unauthorized" }, challenge());
      let payload;
      try {
        ({ payload } = await jwtVerify(record.token, jwks, { issuer }));
      } catch (err) {
        return send(res, 401, { error: "invalid_token", reason: err.code }, challenge("invalid_token"));
      }
      if (revoked.has(record.token)) return send(res, 401, { error: "invalid_token", reason: "revoked" }, challenge("invalid_token"));
      if (rejections > 0) {
        rejections -= 1;
        return send(res, 401, { error: "invalid_token", reason: "injected" }, challenge("invalid_token"));
      }
      if (url.pathname === "/always401") return send(res, 401, { error: "invalid_token", reason: "always" }, challenge("invalid_token"));
      if (url.pathname === "/data") {
        return send(res, 200, {
          ok: true,
          method: req.method,
          body,
          trace: req.headers["x-trace"],
          contentType: req.headers["content-type"],
          jti: payload.jti,
          clientId: payload.client_id,
        });
      }
      send(res, 404, { error: "not_found" });
    } catch (err) {
      if (!res.headersSent) send(res, 500, { error: "server_error", message: String(err?.message ?? err) });
      else res.destroy();
    }
  });
  server.keepAliveTimeout = 1000;
  const port = await listen(server, host);
  const origin = `http://${host}:${port}`;

  return {
    port,
    origin,
    url: (path) => `${origin}${path}`,
    /** Every request seen, in arrival order. */
    requests,
    /** Requests from index `from` on (take `api.requests.length` before acting). */
    since: (from) => requests.slice(from),
    /** That token is refused from now on, as a revoked one would be. */
    revoke: (token) => void revoked.add(token),
    /** The next `n` requests that carry a valid token get 401 anyway. */
    rejectNext: (n = 1) => void (rejections += n),
    close: closer(server),
  };
}

/** Another origin: answers 200 to anything and records what reached it. */
export async function startRecorder({ host = "127.0.0.1" } = {}) {
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    requests.push({ path: req.url, method: req.method, authorization: req.headers.authorization, body });
    send(res, 200, { recorder: true });
  });
  server.keepAliveTimeout = 1000;
  const port = await listen(server, host);
  const origin = `http://${host}:${port}`;
  return { port, origin, url: (path) => `${origin}${path}`, requests, close: closer(server) };
}
