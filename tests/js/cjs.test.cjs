// The CommonJS entry (`require("client-credentials")`, exports -> node.require) works on its own:
// same API, same errors, a real token from the dev authorization server.

"use strict";

const { after, before, test } = require("node:test");
const assert = require("node:assert/strict");
const { readFileSync } = require("node:fs");
const path = require("node:path");

const lib = require("client-credentials");

const SEED_TOKEN = readFileSync(path.join(__dirname, "../fixtures/seed-token.txt"), "utf8").trim();
const SEED = JSON.parse(readFileSync(path.join(__dirname, "../fixtures/seed-claims.json"), "utf8"));

let as;

before(async () => {
  const { startAuthServer } = await import("../../scripts/dev-auth-server.mjs");
  as = await startAuthServer();
});

after(() => as.close());

test("require() resolves to the CommonJS build with both functions", () => {
  assert.equal(require.resolve("client-credentials"), path.resolve(__dirname, "../../dist/node.cjs"));
  assert.equal(typeof lib.fetchClientCredentialsToken, "function");
  assert.equal(typeof lib.decodeJwt, "function");
});

test("decodeJwt decodes the seed token", () => {
  const decoded = lib.decodeJwt(SEED_TOKEN);
  assert.deepEqual(decoded, SEED);
  assert.equal(decoded.payload.azp, "archival-service");
});

test("decodeJwt errors carry the stable code", () => {
  assert.throws(() => lib.decodeJwt("a.b"), (err) => err instanceof Error && err.name === "ClientCredentialsError" && err.code === "ERR_INVALID_JWT");
});

test("fetchClientCredentialsToken gets a token from the dev authorization server", async () => {
  const { clientId, clientSecret } = as.clients.basic;
  const token = await lib.fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret, scope: ["openid", "profile"] });
  assert.equal(token.tokenType, "Bearer");
  assert.equal(token.scope, "openid profile");
  const { payload } = lib.decodeJwt(token.accessToken);
  assert.equal(payload.iss, as.issuer);
  assert.equal(payload.azp, clientId);
  assert.ok(Math.abs(payload.exp * 1000 - token.expiresAt) < 3000);
});

test("a wrong secret is ERR_OAUTH invalid_client, 401", async () => {
  const { clientId } = as.clients.basic;
  await assert.rejects(
    lib.fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret: "wrong-secret-cjs" }),
    (err) => {
      assert.equal(err.name, "ClientCredentialsError");
      assert.equal(err.code, "ERR_OAUTH");
      assert.equal(err.error, "invalid_client");
      assert.equal(err.status, 401);
      assert.ok(!err.message.includes("wrong-secret-cjs"));
      return true;
    },
  );
});

test("invalid options reject with ERR_INVALID_OPTIONS", async () => {
  await assert.rejects(
    async () => lib.fetchClientCredentialsToken({ tokenUrl: "http://example.com/token", clientId: "a", clientSecret: "b" }),
    (err) => err.name === "ClientCredentialsError" && err.code === "ERR_INVALID_OPTIONS",
  );
});
