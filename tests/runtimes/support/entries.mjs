// What every runtime must print for tests/runtimes/fixtures/entries.mjs: each entry's own
// exports (issue 19's lists), the token through all three, and one error class.
import assert from "node:assert/strict";

export const ENTRY_EXPORTS = {
  decode: ["ClientCredentialsError", "clientRoles", "decodeJwt", "realmRoles", "scopes"],
  verify: ["ClientCredentialsError", "JwksClient", "authorizeRequest", "cacheStore", "clientRoles", "decodeJwt", "introspectToken", "kvStore", "realmRoles", "redisStore", "scopes", "verifyJwt"],
  client: ["ClientCredentialsError", "TokenClient", "cacheStore", "clientRoles", "decodeJwt", "fetchClientCredentialsToken", "kvStore", "realmRoles", "redisStore", "scopes"],
};

export function assertEntries(out, servers) {
  assert.deepEqual(out.exports, ENTRY_EXPORTS);
  assert.equal(out.decodedAzp, servers.clientId);
  assert.equal(out.verifiedAzp, servers.clientId);
  assert.deepEqual(out.error, { code: "ERR_INVALID_JWT", name: "ClientCredentialsError", decode: true, verify: true, client: true, sameClass: true });
}
