// The package against a real Keycloak (scripts/keycloak.mjs), realm `sivalabs` as the
// seed tutorial sets it up (tests/fixtures/keycloak/realm-sivalabs.json).
//
// Where Keycloak departs from RFC 6749, the test records what it does (and the
// README tells Keycloak users): a known client with a wrong secret is refused with
// `unauthorized_client`, not §5.2's `invalid_client`.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeJwt, fetchClientCredentialsToken, TokenClient } from "client-credentials";
import { startKeycloak, REALM_FILE } from "../../scripts/keycloak.mjs";
import { startProtectedApi } from "../support/protected-api.mjs";
import { rejection } from "../support/rejection.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const client = (id) => realm.clients.find((c) => c.clientId === id);
const SEED = { clientId: "archival-service", clientSecret: client("archival-service").secret };
const SPECIAL = { clientId: "archival-special", clientSecret: client("archival-special").secret };

let kc;

before(async () => {
  kc = await startKeycloak();
  console.log(`# Keycloak ${kc.version} on Java ${kc.java}: ready in ${kc.startSeconds.toFixed(1)} s at ${kc.url}`);
});

after(() => kc?.stop());

describe("the seed's two calls", () => {
  test("curl: client_secret_post, and raw keeps Keycloak's own fields", async () => {
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, authMethod: "client_secret_post" });
    assert.equal(token.tokenType, "Bearer");
    // Keycloak answers expires_in as exp minus its clock when it answers, so a second
    // boundary between issuing and answering makes the realm's 300 s read 299.
    assert.ok([299, 300].includes(token.expiresIn), `expiresIn ${token.expiresIn}`);
    assert.equal(token.raw["not-before-policy"], 0);
    assert.equal(token.raw.refresh_expires_in, 0);
    assert.equal(token.raw.access_token, token.accessToken);
    assert.deepEqual(token.scope.split(" ").sort(), ["email", "profile"]);
  });

  test("Postman: client_secret_basic with scope `openid profile`", async () => {
    const grants = await kc.tokenGrants(SEED.clientId);
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, authMethod: "client_secret_basic", scope: "openid profile" });
    assert.deepEqual(token.scope.split(" ").sort(), ["email", "openid", "profile"]);
    assert.equal(await kc.tokenGrants(SEED.clientId), grants + 1, "Keycloak recorded one CLIENT_LOGIN");
  });

  test("decodeJwt of Keycloak's access token: azp, service account, roles, audience", async () => {
    const { accessToken } = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED });
    const { header, payload } = decodeJwt(accessToken);
    assert.equal(header.alg, "RS256");
    assert.equal(typeof header.kid, "string");
    assert.equal(payload.iss, kc.issuer);
    assert.equal(payload.azp, "archival-service");
    assert.equal(payload.preferred_username, "service-account-archival-service");
    assert.equal(payload.typ, "Bearer");
    assert.ok(payload.realm_access.roles.includes("default-roles-sivalabs"));
    assert.ok(payload.realm_access.roles.includes("archiver"), "the realm role given to the service account");
    assert.deepEqual(payload.resource_access["archive-api"].roles.sort(), ["archives:read", "archives:write"]);
    assert.ok(!payload.resource_access["archive-api"].roles.includes("archives:admin"));
    assert.ok(payload.aud.includes("archive-api"), "the audience mapper adds archive-api");
    assert.equal(payload.exp - payload.iat, 300);
  });
});

describe("a secret with special characters (RFC 6749 §2.3.1)", () => {
  test("client_secret_basic: the package form-encodes id and secret, and Keycloak decodes them", async () => {
    assert.match(SPECIAL.clientSecret, /[:+%& ]/);
    assert.match(SPECIAL.clientSecret, /[^\x00-\x7f]/);
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SPECIAL, authMethod: "client_secret_basic" });
    assert.equal(decodeJwt(token.accessToken).payload.azp, SPECIAL.clientId);
  });

  test("client_secret_post", async () => {
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SPECIAL, authMethod: "client_secret_post" });
    assert.equal(decodeJwt(token.accessToken).payload.azp, SPECIAL.clientId);
  });

  test("what Keycloak does with Basic credentials that are not form-encoded: refuses them", async () => {
    // Recorded, not asserted for its own sake: Keycloak URL-decodes Basic credentials as
    // §2.3.1 says, so a client that sends the secret raw (as many do) fails here.
    const raw = Buffer.from(`${SPECIAL.clientId}:${SPECIAL.clientSecret}`).toString("base64");
    const res = await fetch(kc.tokenUrl, {
      method: "POST",
      headers: { authorization: `Basic ${raw}`, "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });
    assert.equal(res.status, 401);
    assert.equal((await res.json()).error, "unauthorized_client");
  });
});

describe("refusals, as Keycloak words them", () => {
  for (const authMethod of ["client_secret_basic", "client_secret_post"]) {
    test(`a wrong secret (${authMethod}): ERR_OAUTH with HTTP 401; Keycloak says unauthorized_client`, async () => {
      const err = await rejection(fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: SEED.clientId, clientSecret: "wrong", authMethod }));
      assert.equal(err.code, "ERR_OAUTH");
      assert.equal(err.status, 401);
      // RFC 6749 §5.2 says invalid_client; Keycloak 26 answers unauthorized_client for a known client.
      assert.equal(err.error, "unauthorized_client");
      assert.equal(err.errorDescription, "Invalid client or Invalid client credentials");
    });
  }

  test("an unknown client: ERR_OAUTH invalid_client, HTTP 401", async () => {
    const err = await rejection(fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: "nobody", clientSecret: "x" }));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_client");
    assert.equal(err.status, 401);
  });

  test("a client without service accounts: unauthorized_client", async () => {
    const c = client("no-service-account");
    const err = await rejection(fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: c.clientId, clientSecret: c.secret }));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "unauthorized_client");
    assert.match(err.message, /service account/i);
  });

  test("an unknown scope: invalid_scope, HTTP 400", async () => {
    const err = await rejection(fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, scope: "archives:nope" }));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_scope");
    assert.equal(err.status, 400);
  });

  test("a disabled client: invalid_client, HTTP 401", async () => {
    const c = client("disabled-service");
    const err = await rejection(fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: c.clientId, clientSecret: c.secret }));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_client");
    assert.equal(err.status, 401);
  });
});

describe("TokenClient against Keycloak", () => {
  test("discovery from the issuer finds Keycloak's token endpoint", async () => {
    const tc = new TokenClient({ issuer: kc.issuer, ...SEED });
    try {
      const token = await tc.getToken();
      assert.equal(decodeJwt(token.accessToken).payload.iss, kc.issuer);
    } finally {
      tc.free();
    }
  });

  test("single flight: 1000 concurrent getToken() make one request, counted by Keycloak's events", async () => {
    const tc = new TokenClient({ issuer: kc.issuer, ...SEED });
    try {
      const grants = await kc.tokenGrants(SEED.clientId);
      const tokens = await Promise.all(Array.from({ length: 1000 }, () => tc.getToken()));
      assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 1);
      assert.equal(await kc.tokenGrants(SEED.clientId), grants + 1);
      // Cached: more calls, still one grant.
      await Promise.all(Array.from({ length: 100 }, () => tc.getToken()));
      assert.equal(await kc.tokenGrants(SEED.clientId), grants + 1);
    } finally {
      tc.free();
    }
  });

  test("client.fetch calls a protected API that checks Keycloak's tokens against its JWKS", async () => {
    const api = await startProtectedApi({ issuer: kc.issuer, jwksUri: kc.jwksUri });
    const tc = new TokenClient({ issuer: kc.issuer, ...SEED });
    try {
      const res = await tc.fetch(api.url("/data"));
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(typeof body.jti, "string");
      const seen = api.requests.at(-1);
      assert.equal(decodeJwt(seen.token).payload.azp, "archival-service");
      // Without a token the same API refuses.
      assert.equal((await fetch(api.url("/data"))).status, 401);
    } finally {
      tc.free();
      await api.close();
    }
  });
});
