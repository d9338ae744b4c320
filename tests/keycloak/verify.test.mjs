// The resource-server half against a real Keycloak (scripts/keycloak.mjs, realm `sivalabs`
// from tests/fixtures/keycloak/realm-sivalabs.json): Keycloak's access tokens verified
// through a JwksClient found from the issuer, its realm and client roles read, requests
// authorized with them, and a key rotation done through the admin REST API (a new `kid`:
// a refetch, then success).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { JwksClient, authorizeRequest, clientRoles, fetchClientCredentialsToken, realmRoles, scopes, verifyJwt } from "client-credentials";
import { startKeycloak, REALM_FILE } from "../../scripts/keycloak.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const SEED = { clientId: "archival-service", clientSecret: realm.clients.find((c) => c.clientId === "archival-service").secret };

let kc;
before(async () => {
  kc = await startKeycloak();
});
after(() => kc?.stop());

const token = async () => (await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED })).accessToken;
const bearer = (t) => new Request("https://archive.example/api/archives", { headers: { authorization: `Bearer ${t}` } });

describe("Keycloak's tokens", () => {
  test("verified through JwksClient({ issuer }); realmRoles and clientRoles", async () => {
    const jwks = new JwksClient({ issuer: kc.issuer });
    const { header, payload } = await verifyJwt(await token(), { jwks, issuer: kc.issuer, audience: "archive-api", authorizedParty: "archival-service", typ: "JWT" });
    assert.equal(header.alg, "RS256");
    assert.equal(jwks.jwksUri, `${kc.issuer}/protocol/openid-connect/certs`);
    assert.ok(realmRoles(payload).includes("archiver"));
    assert.ok(realmRoles(payload).includes("default-roles-sivalabs"));
    assert.deepEqual(clientRoles(payload, "archive-api").sort(), ["archives:read", "archives:write"]);
    assert.ok(scopes(payload).includes("profile"));
    await assert.rejects(verifyJwt(await token(), { jwks, issuer: kc.issuer.replace("127.0.0.1", "localhost"), audience: "archive-api" }), { code: "ERR_JWT_CLAIM", claim: "iss" });
  });

  test("authorizeRequest with Keycloak's roles: allowed, and 403 for a role it lacks", async () => {
    const jwks = new JwksClient({ issuer: kc.issuer });
    const options = { jwks, issuer: kc.issuer, audience: "archive-api" };
    const t = await token();
    const ok = await authorizeRequest(bearer(t), { ...options, realmRoles: ["archiver"], clientRoles: { "archive-api": ["archives:read"] } });
    assert.equal(ok.ok, true);
    assert.equal(ok.payload.preferred_username, "service-account-archival-service");
    const refused = await authorizeRequest(bearer(t), { ...options, clientRoles: { "archive-api": ["archives:admin"] } });
    assert.equal(refused.status, 403);
    assert.match(refused.response.headers.get("www-authenticate"), /error="insufficient_scope"/);
    assert.ok(!(await refused.response.text()).includes(t.split(".")[1]));
  });

  test("key rotation through the admin REST API: a new kid, one refetch, then success", { timeout: 60_000 }, async () => {
    const jwks = new JwksClient({ issuer: kc.issuer, cooldownSeconds: 0.5 });
    const options = { jwks, issuer: kc.issuer, audience: "archive-api" };
    const first = await token();
    const before = { ...(await verifyJwt(first, options)), token: first };
    const admin = { authorization: `Bearer ${await kc.adminToken()}`, "content-type": "application/json" };
    const { id: realmId } = await (await fetch(`${kc.url}/admin/realms/sivalabs`, { headers: admin })).json();
    const created = await fetch(`${kc.url}/admin/realms/sivalabs/components`, {
      method: "POST",
      headers: admin,
      body: JSON.stringify({
        name: "rotated-rsa",
        providerId: "rsa-generated",
        providerType: "org.keycloak.keys.KeyProvider",
        parentId: realmId,
        config: { priority: ["500"], keySize: ["2048"], active: ["true"], enabled: ["true"], algorithm: ["RS256"] },
      }),
    });
    assert.equal(created.status, 201, await created.text());
    try {
      await new Promise((r) => setTimeout(r, 600));
      const after = await verifyJwt(await token(), options);
      assert.notEqual(after.header.kid, before.header.kid, "Keycloak signs with the new key");
      assert.ok(realmRoles(after.payload).includes("archiver"));
      // The old key is still published: a token it signed still verifies.
      assert.ok(await verifyJwt(before.token, options));
    } finally {
      // The realm may be shared with other suites (npm test's KEYCLOAK_SHARED): put it back.
      await fetch(created.headers.get("location"), { method: "DELETE", headers: admin });
    }
  });
});
