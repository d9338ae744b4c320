// client-credentials/express, /fastify and /hono, each in a real app of its
// framework (Express 4 and 5, Fastify 4 and 5, Hono 4 on @hono/node-server)
// on a loopback port, with Keycloak's tokens: the adapters answer exactly
// as authorizeRequest does, set the framework's `auth`, build the URL a DPoP
// proof must name from the framework's view (or `publicUrl`), and hand an
// error to the framework's own error handler.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPair } from "jose";
import { ClientCredentialsError, TokenClient, authorizeRequest, fetchClientCredentialsToken, JwksClient } from "client-credentials";
import { startKeycloak } from "../../scripts/keycloak.mjs";
import { createLightweightClient, createServiceClient } from "../support/keycloak-clients.mjs";
import { APPS, proof } from "./support.mjs";

const SEED = { clientId: "archival-service", clientSecret: "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a" };
const run = Math.random().toString(36).slice(2, 8);
const DPOP = `frameworks-dpop-${run}`;
const DPOP_SECRET = "kc-frameworks-dpop-5c1d";
const PUBLIC = "https://api.example/base";
const LIGHT = `frameworks-light-${run}`;
const LIGHT_SECRET = "kc-frameworks-light-8a3e";

let kc, token, dpopToken, pair, dpopClient, lightToken;

/** The routes every app serves: the adapter's options per path (the first is mounted for a whole prefix). */
function routes() {
  const issuer = kc.issuer;
  return {
    "/api": { issuer, audience: "archive-api", clientRoles: { "archive-api": ["archives:read"] } },
    "/admin": { issuer, audience: "archive-api", clientRoles: { "archive-api": ["archives:admin"] } },
    "/scoped": { issuer, audience: "archive-api", scopes: ["archives.export"] },
    // The server's clock two hours ahead: the token has expired by then.
    "/later": { issuer, audience: "archive-api", currentDate: new Date(Date.now() + 2 * 3600_000) },
    // A bad option (roles must be an array): an error for the framework's handler, not a refusal.
    "/broken": { issuer, audience: "archive-api", realmRoles: "archiver" },
    "/dpop": { issuer, audience: false, authorizedParty: DPOP },
    "/proxied": { issuer, audience: false, authorizedParty: DPOP, publicUrl: PUBLIC },
    // Lightweight tokens, introspected as archive-api (RFC 7662): the roles come from Keycloak's answer.
    "/light": { issuer, audience: "archive-api", clientRoles: { "archive-api": ["archives:read"] }, introspection: { clientId: "archive-api", clientSecret: "archive-api-secret", always: true } },
  };
}

before(async () => {
  kc = await startKeycloak();
  await createServiceClient(kc, DPOP, "client-secret", { "dpop.bound.access.tokens": "true" }, DPOP_SECRET);
  token = (await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED })).accessToken;
  pair = await generateKeyPair("ES256");
  dpopClient = new TokenClient({ tokenUrl: kc.tokenUrl, clientId: DPOP, clientSecret: DPOP_SECRET, dpop: pair });
  dpopToken = (await dpopClient.getToken()).accessToken;
  await createLightweightClient(kc, LIGHT, LIGHT_SECRET);
  lightToken = (await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: LIGHT, clientSecret: LIGHT_SECRET })).accessToken;
});

after(async () => {
  dpopClient?.free();
  await kc?.stop();
});

const get = async (url, headers = {}) => {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  return { status: res.status, challenge: res.headers.get("www-authenticate"), headers: res.headers, text, body: text ? JSON.parse(text) : undefined };
};

for (const [name, start] of Object.entries(APPS)) {
  describe(name, () => {
    let app;
    before(async () => {
      app = await start(routes());
    });
    after(() => app?.close());

    test("200: the route sees auth (header, payload) from a Keycloak token", async () => {
      const res = await get(app.url("/api/archives"), { authorization: `Bearer ${token}` });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual({ ...res.body, roles: res.body.roles.sort() }, { azp: "archival-service", alg: "RS256", roles: ["archives:read", "archives:write"], active: null, jkt: null });
    });

    test("401 without a token, and for another scheme: the bare challenge, as authorizeRequest answers", async () => {
      const direct = await authorizeRequest(new Request(app.url("/api/archives")), { ...routes()["/api"], jwks: new JwksClient({ issuer: kc.issuer }) });
      for (const headers of [{}, { authorization: `Basic ${btoa("a:b")}` }]) {
        const res = await get(app.url("/api/archives"), headers);
        assert.equal(res.status, 401);
        assert.equal(res.challenge, "Bearer");
        assert.equal(res.challenge, direct.response.headers.get("www-authenticate"));
        assert.equal(res.headers.get("cache-control"), direct.response.headers.get("cache-control"));
        assert.match(res.headers.get("content-type"), /^application\/json/);
      }
      assert.equal((await get(app.url("/api/archives"))).text, await direct.response.text());
    });

    test("401 invalid_token for a forged signature and for an expired token, never echoing it", async () => {
      const [h, p, s] = token.split(".");
      const forged = `${h}.${p}.${s.slice(0, -4)}${s.slice(-4) === "AAAA" ? "BBBB" : "AAAA"}`;
      const bad = await get(app.url("/api/archives"), { authorization: `Bearer ${forged}` });
      assert.equal(bad.status, 401);
      assert.equal(bad.body.error, "invalid_token");
      assert.match(bad.challenge, /^Bearer error="invalid_token"/);
      assert.ok(!bad.text.includes(p));
      const expired = await get(app.url("/later"), { authorization: `Bearer ${token}` });
      assert.equal(expired.status, 401);
      assert.equal(expired.body.error_description, "the access token expired");
    });

    test("403 insufficient_scope for a missing client role and a missing scope", async () => {
      const role = await get(app.url("/admin"), { authorization: `Bearer ${token}` });
      assert.equal(role.status, 403);
      assert.equal(role.body.error, "insufficient_scope");
      const scope = await get(app.url("/scoped"), { authorization: `Bearer ${token}` });
      assert.equal(scope.status, 403);
      assert.match(scope.challenge, /scope="archives\.export"/);
    });

    test("400 invalid_request for a malformed header, the error in WWW-Authenticate", async () => {
      const res = await get(app.url("/api/archives"), { authorization: "Bearer a b c" });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, "invalid_request");
      assert.match(res.challenge, /^Bearer error="invalid_request"/);
    });

    test("a DPoP-bound token with a proof for the URL the framework saw; a proof for another URL or the token as Bearer is refused", async () => {
      const url = app.url("/dpop?page=2");
      const ok = await get(url, { authorization: `DPoP ${dpopToken}`, dpop: await proof(pair, "GET", url, dpopToken) });
      assert.equal(ok.status, 200, ok.text);
      assert.equal(ok.body.azp, DPOP);
      assert.equal(typeof ok.body.jkt, "string");
      const elsewhere = await get(url, { authorization: `DPoP ${dpopToken}`, dpop: await proof(pair, "GET", app.url("/other"), dpopToken) });
      assert.equal(elsewhere.status, 401);
      assert.match(elsewhere.challenge, /^DPoP error="invalid_dpop_proof"/);
      const bearer = await get(url, { authorization: `Bearer ${dpopToken}` });
      assert.equal(bearer.status, 401);
    });

    test("publicUrl: behind a proxy, the proof names the public URL, not the loopback one", async () => {
      const loopback = app.url("/proxied?q=1");
      const ok = await get(loopback, { authorization: `DPoP ${dpopToken}`, dpop: await proof(pair, "GET", `${PUBLIC}/proxied?q=1`, dpopToken) });
      assert.equal(ok.status, 200, ok.text);
      const local = await get(loopback, { authorization: `DPoP ${dpopToken}`, dpop: await proof(pair, "GET", loopback, dpopToken) });
      assert.equal(local.status, 401);
    });

    test("introspection through the adapter: a lightweight token (no roles in it) gets its roles from Keycloak; an opaque made-up one is 401", async () => {
      const ok = await get(app.url("/light"), { authorization: `Bearer ${lightToken}` });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual([ok.body.azp, ok.body.active, ok.body.alg, ok.body.roles], [LIGHT, true, null, ["archives:read"]]);
      const none = await get(app.url("/light"), { authorization: "Bearer made-up-opaque-token" });
      assert.equal(none.status, 401);
      assert.equal(none.body.error_description, "the access token is not active");
    });

    test("an error (a bad option) reaches the framework's error handler as a ClientCredentialsError", async () => {
      const res = await get(app.url("/broken"), { authorization: `Bearer ${token}` });
      assert.equal(res.status, 500);
      assert.equal(res.body.name, "ClientCredentialsError");
      assert.equal(res.body.code, "ERR_INVALID_OPTIONS");
      assert.match(res.body.message, /realmRoles/);
      // The app lives on.
      assert.equal((await get(app.url("/api/archives"), { authorization: `Bearer ${token}` })).status, 200);
    });
  });
}

describe("the adapters' entry", () => {
  test("#verify is the /verify entry (its wasm has no token client), for Node's condition", () => {
    assert.match(import.meta.resolve("#verify"), /\/dist\/verify\/node\.mjs$/);
  });
});

describe("options checked when the middleware is made", () => {
  test("publicUrl must be an absolute http(s) URL; without jwks or key, issuer is needed", async () => {
    for (const entry of ["express", "fastify", "hono"]) {
      const { authorize } = await import(`client-credentials/${entry}`);
      for (const publicUrl of ["api.example", "ftp://api.example", "https://api.example/?a=1"]) {
        assert.throws(() => authorize({ issuer: kc.issuer, audience: false, publicUrl }), (e) => e instanceof ClientCredentialsError && e.code === "ERR_INVALID_OPTIONS");
      }
      assert.throws(() => authorize({ audience: false }), { name: "ClientCredentialsError", code: "ERR_INVALID_OPTIONS" });
    }
  });
});
