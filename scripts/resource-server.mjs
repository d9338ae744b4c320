// "Resource Server B" of the seed tutorial: a small protected API that answers only
// to a valid bearer token from one issuer. The demo page calls it with the token it
// got from the authorization server, as "Resource Server A" would.
//
// Tokens are checked with this package's own `authorizeRequest` against the issuer's
// JWKS (a `JwksClient`: signature, `iss`, `exp`/`nbf`, and `aud` when an audience is
// configured). Failures answer 401 with a `WWW-Authenticate: Bearer` challenge
// (RFC 6750 §3). `GET /api/archives/manage` also needs the `manage-account` role of the
// `account` client (`resource_access.account.roles`, as Keycloak puts it), else 403.
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
import { JwksClient, authorizeRequest } from "client-credentials/verify";
import { listen } from "./net.mjs";

/** The protected collection the demo reads. Fixed, so the page and tests can show it. */
const ARCHIVES = [
  { id: "arc-2023-09", name: "September 2023 invoices", records: 1284, createdAt: "2023-10-01T02:00:00Z" },
  { id: "arc-2023-08", name: "August 2023 invoices", records: 1197, createdAt: "2023-09-01T02:00:00Z" },
  { id: "arc-2023-q2", name: "Q2 2023 audit logs", records: 58211, createdAt: "2023-07-01T03:30:00Z" },
];

/** The `realm` of the challenge (RFC 6750 §3): names the protection space, not the Keycloak realm. */
const CHALLENGE_REALM = "archives";

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
  // The issuer's keys: from `jwksUri`, or found by discovery from the issuer on first use,
  // so the API can start before a real Keycloak is up. Loopback http is allowed.
  const jwks = new JwksClient(jwksUri ? { jwksUri } : { issuer });
  const verifyOptions = { jwks, issuer, audience: audience ?? false, realm: CHALLENGE_REALM };
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
      send(req, res, 200, { endpoints: ["GET /api/archives (Bearer token required)", "GET /api/archives/manage (also the account client role manage-account)"], issuer });
      return;
    }
    const manage = path === "/api/archives/manage";
    if (path !== "/api/archives" && !manage) {
      send(req, res, 404, { error: "not_found" });
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(req, res, 405, { error: "method_not_allowed" }, { allow: "GET, HEAD, OPTIONS" });
      return;
    }

    // authorizeRequest reads a fetch API Request: the Authorization and DPoP headers, and the
    // method and URL a DPoP proof names (`htm`, `htu`: RFC 9449 §4.3), as the client sent them.
    const headers = {};
    for (const name of ["authorization", "dpop"]) if (req.headers[name] !== undefined) headers[name] = req.headers[name];
    const request = new Request(`http://${req.headers.host ?? `${publicHost}:${actualPort}`}${req.url}`, { method: req.method, headers });
    const auth = await authorizeRequest(request, manage ? { ...verifyOptions, clientRoles: { account: ["manage-account"] } } : verifyOptions);
    if (!auth.ok) {
      stats.rejected += 1;
      const challenge = auth.response.headers.get("www-authenticate");
      send(req, res, auth.status, await auth.response.json(), challenge ? { "www-authenticate": challenge } : {});
      return;
    }
    const { payload } = auth;

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
        jwks.free();
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
