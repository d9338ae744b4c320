#!/usr/bin/env node
// The two servers the examples talk to, both on this machine:
//
//   the authorization server  http://127.0.0.1:9191/realms/sivalabs  (scripts/dev-auth-server.mjs:
//                             oidc-provider shaped like the seed's Keycloak realm, client
//                             `archival-service`, secret `bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a`)
//   "Resource Server B"       http://127.0.0.1:9292/api/archives  (answers only to a bearer token
//                             that the authorization server signed)
//
//   node examples/dev-servers.mjs      (from the repository root, after `npm ci`)
//
// The runtime tests start the same secured API with `startSecuredApi`.
import * as http from "node:http";
import { fileURLToPath } from "node:url";
import { JwksClient, authorizeRequest } from "client-credentials/verify";
import { startAuthServer } from "../scripts/dev-auth-server.mjs";

/**
 * A secured API: `GET /api/archives` answers 200 with a few archives and the caller's
 * client id when the bearer token verifies against the issuer's JWKS (this package's
 * `authorizeRequest`), else its refusal: 401 with a Bearer challenge (RFC 6750 §3), or
 * 400 for a malformed Authorization header. `requests` records each call's status and token id.
 */
export async function startSecuredApi({ issuer, jwksUri, port = 0, host = "127.0.0.1" }) {
  const jwks = new JwksClient({ jwksUri });
  const requests = [];
  const server = http.createServer(async (req, res) => {
    const send = (status, body, headers = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    // authorizeRequest reads a fetch API Request: only the Authorization header matters.
    const authorization = req.headers.authorization;
    const request = new Request(`http://${host}${req.url}`, { headers: authorization ? { authorization } : {} });
    const auth = await authorizeRequest(request, { jwks, issuer, audience: false });
    if (!auth.ok) {
      const challenge = auth.response.headers.get("www-authenticate");
      requests.push({ path: req.url, status: auth.status, error: challenge });
      send(auth.status, await auth.response.json(), challenge ? { "www-authenticate": challenge } : {});
      return;
    }
    const { payload } = auth;
    requests.push({ path: req.url, status: 200, jti: payload.jti, clientId: payload.client_id ?? payload.azp });
    send(200, {
      caller: payload.client_id ?? payload.azp,
      archives: [
        { id: 1, name: "2024 invoices" },
        { id: 2, name: "2025 invoices" },
      ],
    });
  });
  server.keepAliveTimeout = 1000;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://${host}:${actualPort}/api/archives`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          jwks.free();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // The browser example's dev server (5173) and preview (4173) may call the token endpoint.
  const as = await startAuthServer({ port: 9191, corsOrigins: ["http://localhost:5173", "http://localhost:4173"] });
  const api = await startSecuredApi({ issuer: as.issuer, jwksUri: as.jwksUri, port: 9292 });
  const { clientId, clientSecret } = as.clients.basic;
  console.log(`token URL   ${as.tokenUrl}`);
  console.log(`client      ${clientId} / ${clientSecret}`);
  console.log(`secured API ${api.url}`);
  const stop = () => Promise.all([as.close(), api.close()]).then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
