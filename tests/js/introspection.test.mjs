// Token introspection (RFC 7662) against a real oidc-provider
// (scripts/dev-auth-server.mjs) issuing opaque tokens: introspectToken with
// each client authentication and by discovery, and authorizeRequest's
// `introspection` option (claims checked as a JWT's, roles and scopes,
// the bounded cache, inactive tokens, a server that is down).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { authorizeRequest, fetchClientCredentialsToken, introspectToken } from "client-credentials";
import * as verifyEntry from "client-credentials/verify";
import * as clientEntry from "client-credentials/client";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";

const OPAQUE = "https://archive.example/opaque";
let as, basic, opaque;

/** Counts the requests to the introspection endpoint made through the global fetch. */
let introspections = 0;
const realFetch = globalThis.fetch;

before(async () => {
  as = await startAuthServer();
  basic = as.clients.basic;
  opaque = (await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic, resource: OPAQUE, scope: "archive:read" })).accessToken;
  globalThis.fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input).endsWith("/token/introspect")) introspections++;
    return realFetch(input, init);
  };
});

after(async () => {
  globalThis.fetch = realFetch;
  await as?.close();
});

describe("introspectToken", () => {
  test("an opaque token is active, with its claims; by introspectionEndpoint or by discovery, Basic or post", async () => {
    assert.equal(opaque.split(".").length, 1, "oidc-provider issued an opaque token");
    const byUrl = await introspectToken(opaque, { introspectionEndpoint: as.introspectionUrl, ...basic });
    assert.equal(byUrl.active, true);
    assert.equal(byUrl.client_id, basic.clientId);
    assert.equal(byUrl.scope, "archive:read");
    assert.equal(byUrl.aud, OPAQUE);
    assert.equal(byUrl.iss, as.issuer);
    const post = as.clients.post;
    const discovered = await introspectToken(opaque, { issuer: as.issuer, clientId: post.clientId, clientSecret: post.clientSecret, authMethod: "client_secret_post" });
    assert.deepEqual(discovered, byUrl);
  });

  test("in /verify too, whose wasm has no token client; not in /client", async () => {
    assert.equal(verifyEntry.fetchClientCredentialsToken, undefined);
    const answer = await verifyEntry.introspectToken(opaque, { introspectionEndpoint: as.introspectionUrl, ...basic });
    assert.equal(answer.client_id, basic.clientId);
    assert.equal(clientEntry.introspectToken, undefined);
  });

  test("the fetch option carries discovery and the introspection request, as a token request's", async () => {
    const seen = [];
    const answer = await introspectToken(opaque, { issuer: as.issuer, ...basic, fetch: (url, init) => (seen.push(String(url)), realFetch(url, init)) });
    assert.equal(answer.active, true);
    assert.ok(seen.some((u) => u.endsWith("/.well-known/openid-configuration")) && seen.some((u) => u.endsWith("/token/introspect")), seen.join("\n"));
    await assert.rejects(introspectToken(opaque, { issuer: as.issuer, ...basic, fetch: "no" }), { code: "ERR_INVALID_OPTIONS" });
  });

  test("an unknown token is { active: false } and nothing else", async () => {
    assert.deepEqual(await introspectToken("not-a-token-at-all", { issuer: as.issuer, ...basic }), { active: false });
  });

  test("a refused client is ERR_OAUTH, the secret and the token never in the error", async () => {
    const secret = "wrong-secret-6b1e";
    await assert.rejects(introspectToken(opaque, { introspectionEndpoint: as.introspectionUrl, clientId: basic.clientId, clientSecret: secret }), (e) => {
      assert.equal(e.code, "ERR_OAUTH");
      assert.equal(e.error, "invalid_client");
      const shown = JSON.stringify({ ...e, message: e.message });
      assert.ok(!shown.includes(secret) && !shown.includes(opaque), shown);
      return true;
    });
  });

  test("bad options and a bad token argument are ERR_INVALID_OPTIONS, before any request", async () => {
    const before = introspections;
    for (const options of [{ clientId: "x", clientSecret: "y" }, { introspectionEndpoint: as.introspectionUrl, issuer: as.issuer, ...basic }, { introspectionEndpoint: as.introspectionUrl, ...basic, scope: "a" }, { introspectionEndpoint: "http://example.com/i", ...basic }]) {
      await assert.rejects(introspectToken(opaque, options), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(options));
    }
    await assert.rejects(introspectToken(42, { introspectionEndpoint: as.introspectionUrl, ...basic }), { code: "ERR_INVALID_OPTIONS" });
    assert.equal(introspections, before);
  });
});

describe("authorizeRequest with introspection", () => {
  const req = (token) => new Request("http://127.0.0.1/archives", { headers: { authorization: `Bearer ${token}` } });
  const options = (extra = {}, introspection = {}) => ({ issuer: as.issuer, audience: OPAQUE, jwks: { keys: [] }, introspection: { ...basic, ...introspection }, ...extra });

  test("an opaque token is accepted on the server's word; payload and active are its answer; roles and scopes checked on it", async () => {
    const result = await authorizeRequest(req(opaque), options({ realmRoles: ["offline_access"], scopes: ["archive:read"] }));
    assert.equal(result.ok, true, result.response && (await result.response.text()));
    assert.equal(result.header, undefined);
    assert.equal(result.payload.client_id, basic.clientId);
    assert.equal(result.active, result.payload);
    const role = await authorizeRequest(req(opaque), options({ realmRoles: ["archiver"] }));
    assert.equal(role.status, 403);
    const scope = await authorizeRequest(req(opaque), options({ scopes: ["archive:write"] }));
    assert.equal(scope.status, 403);
  });

  test("the introspected claims are checked as a JWT's: another audience or issuer is refused", async () => {
    const aud = await authorizeRequest(req(opaque), options({ audience: "https://other.example" }));
    assert.equal(aud.status, 401);
    assert.equal(JSON.parse(await aud.response.text()).error_description, "the access token's aud is not accepted");
    const iss = await authorizeRequest(req(opaque), options({}, { introspectionEndpoint: as.introspectionUrl, issuer: undefined }));
    assert.equal(iss.ok, true);
    const other = await authorizeRequest(req(opaque), { ...options({}, { introspectionEndpoint: as.introspectionUrl }), issuer: "https://elsewhere.example" });
    assert.equal(other.status, 401);
  });

  test("an inactive token: 401 invalid_token, not kept", async () => {
    const o = options();
    const before = introspections;
    for (let i = 0; i < 2; i++) {
      const result = await authorizeRequest(req("made-up-token-value"), o);
      assert.equal(result.status, 401);
      assert.equal(result.response.headers.get("www-authenticate"), 'Bearer error="invalid_token", error_description="the access token is not active"');
    }
    assert.equal(introspections - before, 2);
  });

  test("an active answer is kept (per introspection options) up to cacheSeconds; 0 asks every time", async () => {
    const kept = options();
    let before = introspections;
    for (let i = 0; i < 3; i++) assert.equal((await authorizeRequest(req(opaque), kept)).ok, true);
    assert.equal(introspections - before, 1);
    // Past cacheSeconds (by the injected clock), asked again.
    const later = { ...kept, currentDate: new Date(Date.now() + 61_000) };
    before = introspections;
    assert.equal((await authorizeRequest(req(opaque), later)).ok, true);
    assert.equal(introspections - before, 1);
    const never = options({}, { cacheSeconds: 0 });
    before = introspections;
    for (let i = 0; i < 2; i++) assert.equal((await authorizeRequest(req(opaque), never)).ok, true);
    assert.equal(introspections - before, 2);
  });

  test("concurrent requests with the same token share one introspection", async () => {
    const o = options();
    const before = introspections;
    const results = await Promise.all(Array.from({ length: 8 }, () => authorizeRequest(req(opaque), o)));
    assert.ok(results.every((r) => r.ok));
    assert.equal(introspections - before, 1);
  });

  test("a JWT is verified locally unless always is set; then introspected (oidc-provider won't: 503, its error as cause)", async () => {
    const jwt = (await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic })).accessToken;
    const audience = `${as.issuer}/account`;
    const local = { issuer: as.issuer, audience, jwks: { keys: [] }, introspection: { ...basic } };
    // Locally: no key in an empty key set, so refused without asking.
    let before = introspections;
    assert.equal((await authorizeRequest(req(jwt), local)).status, 401);
    assert.equal(introspections, before);
    before = introspections;
    const always = await authorizeRequest(req(jwt), { ...local, introspection: { ...basic, always: true } });
    assert.equal(introspections - before, 1);
    // oidc-provider refuses to introspect its JWT access tokens (RFC 7662 §2.3); Keycloak does (tests/keycloak/introspection.test.mjs).
    assert.equal(always.status, 503);
    assert.equal(always.cause.code, "ERR_OAUTH");
    assert.equal(always.cause.error, "unsupported_token_type");
  });

  test("an unreachable introspection endpoint: 503 with the error as cause; bad introspection options reject", async () => {
    const down = await authorizeRequest(req(opaque), options({}, { introspectionEndpoint: "http://127.0.0.1:9/introspect", timeoutMs: 2000 }));
    assert.equal(down.status, 503);
    assert.equal(JSON.parse(await down.response.text()).error_description, "the token could not be introspected");
    assert.equal(down.cause.code, "ERR_NETWORK");
    for (const introspection of [null, "x", { clientId: basic.clientId }, { ...basic, cacheSeconds: -1 }, { ...basic, always: "yes" }]) {
      await assert.rejects(authorizeRequest(req(opaque), { ...options(), introspection }), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(introspection));
    }
  });
});
