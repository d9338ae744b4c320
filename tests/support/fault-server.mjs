// Token endpoints that misbehave in ways a real authorization server will not, for the
// error-handling tests. One route per fault, each described by a small table entry.
//
//   const faults = await startFaultServer();
//   await fetchClientCredentialsToken({ tokenUrl: faults.url("/hang"), ... });
//   faults.hits("/ok"); // how many requests reached a path
//   await faults.close();

import * as http from "node:http";

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A well-formed (unsigned, never verified) JWT that the good routes hand out. */
export const OK_TOKEN = `${b64url({ alg: "RS256", typ: "JWT", kid: "fault" })}.${b64url({
  iss: "http://127.0.0.1/realms/faults",
  azp: "fault-client",
  client_id: "fault-client",
  exp: 4102444800,
})}.c2lnbmF0dXJl`;

/** The seed's Keycloak response shape, with its non-standard fields. */
export const OK_BODY = {
  access_token: OK_TOKEN,
  expires_in: 300,
  refresh_expires_in: 0,
  token_type: "Bearer",
  "not-before-policy": 0,
  scope: "email profile",
};

export const OAUTH_ERROR_BODY = {
  error: "invalid_scope",
  error_description: "Invalid scopes: archive:delete",
  error_uri: "https://auth.example.com/docs/errors#invalid_scope",
};

/** A large HTML error page, as a reverse proxy would send; its tail marks what an excerpt must cut. */
export const HTML_500 = `<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1>${"<p>upstream failed</p>".repeat(2000)}<p>END-OF-PAGE</p></body></html>`;

const json = (status, body, headers = {}) => ({ status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

/** path -> a canned response, or a function (req, res, requestBody) that answers itself. */
const ROUTES = {
  "/ok": json(200, OK_BODY),
  "/html500": { status: 500, headers: { "content-type": "text/html; charset=utf-8" }, body: HTML_500 },
  "/notjson": { status: 200, headers: { "content-type": "text/plain" }, body: "access_token=abc&token_type=bearer <not json>" },
  "/noaccesstoken": json(200, { token_type: "Bearer", expires_in: 300 }),
  "/emptytoken": json(200, { access_token: "", token_type: "Bearer", expires_in: 300 }),
  // A redirect whose body is itself a token response: following it, or reading it, would be wrong.
  "/redirect": json(302, OK_BODY, { location: "/ok" }),
  "/oauth-error": json(400, OAUTH_ERROR_BODY),
  "/expires-string": json(200, { ...OK_BODY, expires_in: "300" }),
  "/tokentype-lower": json(200, { ...OK_BODY, token_type: "bearer" }),
  // Answers with what it received, so tests can check how the request was built.
  "/echo": (req, res, body) => {
    const echo = { method: req.method, url: req.url, headers: req.headers, body, params: [...new URLSearchParams(body)] };
    send(res, json(200, { ...OK_BODY, echo }));
  },
  // A careless server that echoes the request (and so a client_secret sent in the body) into its error page.
  "/echo500": (req, res, body) => {
    send(res, { status: 500, headers: { "content-type": "text/plain" }, body: `bad request: ${req.headers.authorization ?? ""} ${body}` });
  },
  "/hang": () => {},
  "/slowbody": (_req, res) => {
    res.writeHead(200, { "content-type": "application/json", "content-length": "4096" });
    res.write('{"access_token":"');
  },
};

function send(res, { status, headers, body }) {
  res.writeHead(status, { "content-length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** Starts the server on a free loopback port. */
export async function startFaultServer() {
  const hits = new Map();
  const server = http.createServer((req, res) => {
    const path = req.url.split("?")[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      const route = ROUTES[path];
      if (!route) return send(res, json(404, { message: "no such fault" }));
      if (typeof route === "function") return route(req, res, Buffer.concat(chunks).toString("utf8"));
      return send(res, route);
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    hits: (path) => hits.get(path) ?? 0,
    close: () =>
      new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // /hang and /slowbody keep their sockets open forever.
        server.closeAllConnections();
      }),
  };
}
