// "Resource Server B" of the seed tutorial: a small protected API that answers only
// to a valid bearer token from one issuer. The demo page calls it with the token it
// got from the authorization server, as "Resource Server A" would.
//
// Tokens are verified with jose's `jwtVerify` against the issuer's JWKS (signature,
// `iss`, `exp`/`nbf`, and `aud` when an audience is configured). Failures answer
// 401 with a `WWW-Authenticate: Bearer` challenge (RFC 6750 §3).
//
//   import { startResourceServer } from "./scripts/resource-server.mjs";
//   const api = await startResourceServer({ issuer, jwksUri, corsOrigins: ["http://localhost:8282"] });
//   ... fetch(api.url, { headers: { authorization: `Bearer ${token}` } }) ...
//   await api.close();
//
// Standalone: `node scripts/resource-server.mjs --issuer http://localhost:9191/realms/sivalabs
//   [--jwks-uri URL] [--port 8383] [--cors http://localhost:8282] [--audience account]`.

import * as http from "node:http";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from "jose";
import { listen } from "./net.mjs";

/** The protected collection the demo reads. Fixed, so the page and tests can show it. */
const ARCHIVES = [
  { id: "arc-2023-09", name: "September 2023 invoices", records: 1284, createdAt: "2023-10-01T02:00:00Z" },
  { id: "arc-2023-08", name: "August 2023 invoices", records: 1197, createdAt: "2023-09-01T02:00:00Z" },
  { id: "arc-2023-q2", name: "Q2 2023 audit logs", records: 58211, createdAt: "2023-07-01T03:30:00Z" },
];

/** The `realm` of the challenge (RFC 6750 §3): names the protection space, not the Keycloak realm. */
const CHALLENGE_REALM = "archives";

/** A quoted-string for an auth-param (RFC 9110 §5.6.4): no quotes, backslashes or control characters. */
function quoted(value) {
  return `"${String(value).replace(/[\\"]/g, "").replace(/[\x00-\x1f\x7f]/g, " ")}"`;
}

/**
 * Where the issuer publishes its keys: given, or from its OpenID discovery document
 * (OpenID Connect Discovery 1.0 §4), fetched on first use so the API can start before
 * a real Keycloak is up.
 */
function keyResolver(issuer, jwksUri) {
  let keySet = jwksUri ? createRemoteJWKSet(new URL(jwksUri)) : undefined;
  return async (protectedHeader, token) => {
    if (!keySet) {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
      if (!res.ok) throw new Error(`discovery at ${issuer} answered HTTP ${res.status}`);
      const { jwks_uri: uri } = await res.json();
      if (typeof uri !== "string") throw new Error(`discovery at ${issuer} has no jwks_uri`);
      keySet = createRemoteJWKSet(new URL(uri));
    }
    return keySet(protectedHeader, token);
  };
}

/** Errors that mean "this token is not acceptable", as opposed to "we could not check it". */
function isTokenError(err) {
  return (
    err instanceof joseErrors.JOSEError &&
    !(err instanceof joseErrors.JWKSTimeout) &&
    !(err instanceof joseErrors.JWKSInvalid)
  );
}

/**
 * Starts the API and resolves once it listens.
 *
 * @param {object} options
 * @param {string} options.issuer the only accepted `iss`.
 * @param {string} [options.jwksUri] the issuer's JWKS; default: from its discovery document.
 * @param {string|string[]} [options.audience] required `aud`, when set. Keycloak's default is `account`.
 * @param {number} [options.port=8383] 0 picks a free port.
 * @param {string} [options.host="127.0.0.1"]
 * @param {string} [options.publicHost="localhost"] host name in the returned URL.
 * @param {string[]} [options.corsOrigins=[]] browser origins allowed to call the API.
 */
export async function startResourceServer({
  issuer,
  jwksUri,
  audience,
  port = 8383,
  host = "127.0.0.1",
  publicHost = "localhost",
  corsOrigins = [],
} = {}) {
  if (!issuer) throw new TypeError("startResourceServer: `issuer` is required");
  const keys = keyResolver(issuer, jwksUri);
  const allowedOrigins = new Set(corsOrigins);
  const stats = { requests: 0, accepted: 0, rejected: 0 };

  /** CORS headers for an allowed page origin (Fetch standard, CORS protocol). */
  function corsHeaders(req) {
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins.has(origin)) return {};
    return {
      "access-control-allow-origin": origin,
      // The page shows the challenge of a 401.
      "access-control-expose-headers": "WWW-Authenticate",
      vary: "Origin",
    };
  }

  function send(req, res, status, body, headers = {}) {
    const text = JSON.stringify(body, null, 2);
    res.writeHead(status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(text),
      "cache-control": "no-store",
      ...corsHeaders(req),
      ...headers,
    });
    res.end(text);
  }

  /** 401 with the RFC 6750 §3 challenge; `error` only when a token was presented (§3.1). */
  function unauthorized(req, res, error, description) {
    stats.rejected += 1;
    const params = [`realm=${quoted(CHALLENGE_REALM)}`];
    if (error) params.push(`error=${quoted(error)}`, `error_description=${quoted(description)}`);
    send(
      req,
      res,
      401,
      error ? { error, error_description: description } : { error: "unauthorized", error_description: description },
      { "www-authenticate": `Bearer ${params.join(", ")}` },
    );
  }

  async function handle(req, res) {
    stats.requests += 1;
    const path = req.url.split("?")[0];

    if (req.method === "OPTIONS") {
      // Preflight for the page's `Authorization` header.
      const cors = corsHeaders(req);
      res.writeHead(204, {
        ...cors,
        ...(cors["access-control-allow-origin"]
          ? {
              "access-control-allow-methods": "GET, OPTIONS",
              "access-control-allow-headers": "Authorization",
              "access-control-max-age": "600",
            }
          : {}),
      });
      res.end();
      return;
    }

    if (path === "/" || path === "/api") {
      send(req, res, 200, { endpoints: ["GET /api/archives (Bearer token required)"], issuer });
      return;
    }
    if (path !== "/api/archives") {
      send(req, res, 404, { error: "not_found" });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(req, res, 405, { error: "method_not_allowed" }, { allow: "GET, HEAD, OPTIONS" });
      return;
    }

    // RFC 6750 §2.1: `Authorization: Bearer <token>`; the scheme is case-insensitive.
    const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(req.headers.authorization ?? "");
    if (!match) {
      if (req.headers.authorization && /^Bearer\b/i.test(req.headers.authorization)) {
        unauthorized(req, res, "invalid_token", "The bearer token is malformed");
      } else {
        unauthorized(req, res, undefined, "A bearer token is required");
      }
      return;
    }

    let payload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, { issuer, ...(audience ? { audience } : {}) }));
    } catch (err) {
      if (isTokenError(err)) {
        unauthorized(req, res, "invalid_token", `${err.code}: ${err.message}`);
      } else {
        // We could not fetch the issuer's keys: our problem, not the caller's.
        send(req, res, 503, { error: "temporarily_unavailable", error_description: `cannot check tokens: ${err.message}` });
      }
      return;
    }

    stats.accepted += 1;
    send(req, res, 200, {
      archives: ARCHIVES,
      // What this API learned about its caller from the verified token.
      caller: {
        client: payload.azp ?? payload.client_id,
        subject: payload.sub,
        scope: payload.scope,
        expiresAt: typeof payload.exp === "number" ? new Date(payload.exp * 1000).toISOString() : undefined,
      },
    });
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error("resource-server:", err);
      if (!res.headersSent) send(req, res, 500, { error: "server_error" });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 1000;
  const actualPort = await listen(server, port, host);
  let closing;

  return {
    port: actualPort,
    url: `http://${publicHost}:${actualPort}/api/archives`,
    issuer,
    stats,
    /** Stops listening and drops every connection. Safe to call twice. */
    close() {
      closing ??= new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function parseArgs(argv) {
  const args = { corsOrigins: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") args.port = Number(value());
    else if (flag === "--host") args.host = value();
    else if (flag === "--issuer") args.issuer = value();
    else if (flag === "--jwks-uri") args.jwksUri = value();
    else if (flag === "--audience") args.audience = value();
    else if (flag === "--cors") args.corsOrigins.push(value());
    else {
      console.error(
        `unknown argument ${argv[i]}\nusage: node scripts/resource-server.mjs --issuer URL [--jwks-uri URL] [--audience AUD] [--port 8383] [--host 127.0.0.1] [--cors http://localhost:8282]`,
      );
      process.exit(2);
    }
  }
  return args;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  if (!args.issuer) {
    console.error("resource-server: --issuer is required");
    process.exit(2);
  }
  if (!args.corsOrigins.length) args.corsOrigins.push("http://localhost:8282");
  const api = await startResourceServer(args);
  console.log(`protected API: ${api.url} (tokens from ${api.issuer})`);
  const stop = () => api.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
