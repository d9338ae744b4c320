// The servers every runtime test talks to, and the checks on what smoke.mjs prints.
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { startAuthServer } from "../../../scripts/dev-auth-server.mjs";
import { startSecuredApi } from "../../../examples/dev-servers.mjs";
import { FIXTURES } from "./harness.mjs";

/** The dev authorization server and the secured API, on loopback ports. */
export async function startServers({ corsOrigins = [] } = {}) {
  const as = await startAuthServer({ port: 0, corsOrigins });
  const api = await startSecuredApi({ issuer: as.issuer, jwksUri: as.jwksUri });
  const { clientId, clientSecret } = as.clients.basic;
  return {
    as,
    api,
    clientId,
    clientSecret,
    /** What smoke.mjs takes as its one argument. */
    smokeArgs: JSON.stringify({ tokenUrl: as.tokenUrl, clientId, clientSecret, apiUrl: api.url, issuer: as.issuer, jwksUri: as.jwksUri }),
    close: () => Promise.all([as.close(), api.close()]),
  };
}

/** Copies fixture files into a scratch project. */
export function copyFixtures(dir, ...names) {
  for (const name of names) copyFileSync(join(FIXTURES, name), join(dir, name));
}

/**
 * What every runtime must show: a real token from the auth server, decoded; one token
 * request for four uses of a TokenClient; an authorized call to the secured API; a
 * wrong secret as ERR_OAUTH; and the entry file the `exports` map chose.
 */
export function assertSmoke(out, servers, { entry, tokenRequests }) {
  assert.ok(String(out.entry).endsWith(`/node_modules/client-credentials/dist/${entry}`), `resolved ${out.entry}, expected dist/${entry}`);
  assert.equal(out.tokenType, "Bearer");
  assert.equal(out.scope, "openid profile");
  assert.equal(out.alg, "RS256");
  assert.equal(out.azp, servers.clientId);
  assert.equal(out.iss, servers.as.issuer);
  assert.equal(out.cached, true, "TokenClient reused its token");
  assert.equal(out.apiStatus, 200);
  assert.equal(out.apiBody.caller, servers.clientId);
  assert.deepEqual(out.wrongSecret, { name: "ClientCredentialsError", code: "ERR_OAUTH", error: "invalid_client", status: 401 });
  // verifyJwt with a JwksClient, and authorizeRequest's answers, in this runtime's WebCrypto.
  assert.deepEqual(out.verified, { alg: "RS256", azp: servers.clientId, roles: ["default-roles-sivalabs", "offline_access", "uma_authorization"] });
  assert.deepEqual(out.tampered, "ERR_JWT_SIGNATURE");
  assert.deepEqual(out.authorize, { ok: true, missing: 401, wrongRole: 403, challenge: 'Bearer error="insufficient_scope", error_description="a required realm role is missing"' });
  // fetchClientCredentialsToken, the TokenClient's one request, the wrong secret.
  assert.equal(tokenRequests, 3, "token requests");
}
