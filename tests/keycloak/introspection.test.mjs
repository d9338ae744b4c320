// Token introspection (RFC 7662) against Keycloak: a client with "Always use
// lightweight access token" (`client.use.lightweight.access.token.enabled`)
// gets tokens without roles or audience, and introspection gives them back;
// a token revoked at Keycloak's revocation endpoint (RFC 7009) is refused
// once the kept answer is older than cacheSeconds; a made-up token is
// inactive. The resource server introspects as `archive-api`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { authorizeRequest, decodeJwt, fetchClientCredentialsToken, introspectToken, JwksClient } from "client-credentials";
import { startKeycloak } from "../../scripts/keycloak.mjs";
import { createLightweightClient } from "../support/keycloak-clients.mjs";

const run = Math.random().toString(36).slice(2, 8);
const LIGHT = `lightweight-${run}`;
const SECRET = "kc-lightweight-7d2a";
const API = { clientId: "archive-api", clientSecret: "archive-api-secret" };

let kc, jwks;

const lightToken = async () => (await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: LIGHT, clientSecret: SECRET })).accessToken;
const req = (token) => new Request("http://127.0.0.1/archives", { headers: { authorization: `Bearer ${token}` } });

before(async () => {
  kc = await startKeycloak();
  await createLightweightClient(kc, LIGHT, SECRET);
  jwks = new JwksClient({ issuer: kc.issuer });
});

after(async () => {
  jwks?.free();
  await kc?.stop();
});

describe("Keycloak lightweight access tokens and introspection", () => {
  test("the token has no roles or aud; introspection gives them", async () => {
    const token = await lightToken();
    const { payload } = decodeJwt(token);
    assert.equal(payload.realm_access, undefined);
    assert.equal(payload.aud, undefined);
    const answer = await introspectToken(token, { issuer: kc.issuer, ...API });
    assert.equal(answer.active, true);
    assert.ok(answer.realm_access.roles.includes("archiver"));
    assert.deepEqual(answer.resource_access["archive-api"].roles, ["archives:read"]);
    assert.ok([answer.aud].flat().includes("archive-api"));
  });

  test("authorizeRequest: verified locally, the roles are missing (the audience too); with introspection.always, accepted with them", async () => {
    const token = await lightToken();
    const wanted = { issuer: kc.issuer, audience: "archive-api", jwks, realmRoles: ["archiver"], clientRoles: { "archive-api": ["archives:read"] } };
    const local = await authorizeRequest(req(token), wanted);
    assert.equal(local.status, 401);
    const result = await authorizeRequest(req(token), { ...wanted, introspection: { ...API, always: true } });
    assert.equal(result.ok, true, result.response && (await result.response.text()));
    assert.equal(result.payload.azp, LIGHT);
    assert.equal(result.active.active, true);
    const admin = await authorizeRequest(req(token), { ...wanted, clientRoles: { "archive-api": ["archives:admin"] }, introspection: { ...API, always: true } });
    assert.equal(admin.status, 403);
  });

  test("a revoked token is refused once the kept answer is older than cacheSeconds", async () => {
    const token = await lightToken();
    const options = { issuer: kc.issuer, audience: "archive-api", jwks, introspection: { ...API, always: true, cacheSeconds: 2 } };
    assert.equal((await authorizeRequest(req(token), options)).ok, true);
    const revoked = await fetch(`${kc.issuer}/protocol/openid-connect/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa(`${LIGHT}:${SECRET}`)}` },
      body: new URLSearchParams({ token, token_type_hint: "access_token" }),
    });
    assert.equal(revoked.status, 200);
    // Within cacheSeconds, the kept answer stands; that is the trade.
    assert.equal((await authorizeRequest(req(token), options)).ok, true);
    // Past it (by the injected clock), Keycloak is asked again.
    const refused = await authorizeRequest(req(token), { ...options, currentDate: new Date(Date.now() + 2_500) });
    assert.equal(refused.status, 401);
    assert.equal(refused.response.headers.get("www-authenticate"), 'Bearer error="invalid_token", error_description="the access token is not active"');
    assert.deepEqual(await introspectToken(token, { issuer: kc.issuer, ...API }), { active: false });
  });

  test("a made-up opaque token is inactive; a wrong introspection secret is a 503 whose cause is invalid_client", async () => {
    const options = { issuer: kc.issuer, audience: "archive-api", jwks, introspection: { ...API } };
    const inactive = await authorizeRequest(req("not-a-keycloak-token"), options);
    assert.equal(inactive.status, 401);
    const wrong = await authorizeRequest(req("not-a-keycloak-token"), { ...options, introspection: { ...API, clientSecret: "wrong-5e1f" } });
    assert.equal(wrong.status, 503);
    assert.equal(wrong.cause.error, "invalid_client");
    assert.ok(!wrong.cause.message.includes("wrong-5e1f"));
  });
});
