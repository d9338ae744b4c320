// fetchClientCredentialsToken against a real authorization server (oidc-provider set up
// like the seed's Keycloak realm), through the built package as users import it.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { decodeJwt, fetchClientCredentialsToken } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";

let as;
let jwks;

before(async () => {
  as = await startAuthServer({ accessTokenTtl: 300 });
  jwks = createRemoteJWKSet(new URL(as.jwksUri));
});

after(() => as.close());

/** Options for one of the server's clients, registered method by default. */
function optionsFor(client, extra = {}) {
  return {
    tokenUrl: as.tokenUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    authMethod: client.authMethod,
    ...extra,
  };
}

/** Fetches, and checks what every successful response must satisfy. */
async function fetchChecked(options) {
  const before = Date.now();
  const token = await fetchClientCredentialsToken(options);
  const afterwards = Date.now();
  assert.equal(typeof token.accessToken, "string");
  assert.equal(token.accessToken.split(".").length, 3, "oidc-provider issues JWS access tokens");
  assert.equal(token.tokenType, "Bearer");
  assert.equal(token.expiresIn, 300);
  // expiresAt is the local clock at the response plus expires_in.
  assert.ok(
    token.expiresAt >= before + 300_000 - 1000 && token.expiresAt <= afterwards + 300_000 + 1000,
    `expiresAt ${token.expiresAt} not within [${before}, ${afterwards}] + 300 s`,
  );
  assert.equal(token.raw.access_token, token.accessToken);
  return token;
}

function lastGrant() {
  return as.stats.grants.at(-1);
}

describe("client authentication (RFC 6749 §2.3.1)", () => {
  test("client_secret_basic, the default, with the seed's client", async () => {
    const { clientId, clientSecret } = as.clients.basic;
    const grants = as.stats.grants.length;
    const token = await fetchChecked({ tokenUrl: as.tokenUrl, clientId, clientSecret });
    assert.equal(as.stats.grants.length, grants + 1);
    assert.deepEqual(
      { clientId: lastGrant().clientId, authMethod: lastGrant().authMethod },
      { clientId: "archival-service", authMethod: "client_secret_basic" },
    );
    assert.equal(decodeJwt(token.accessToken).payload.client_id, "archival-service");
  });

  test("client_secret_basic, explicitly", async () => {
    await fetchChecked(optionsFor(as.clients.basic, { authMethod: "client_secret_basic" }));
    assert.equal(lastGrant().authMethod, "client_secret_basic");
  });

  test("client_secret_post sends the credentials in the form body", async () => {
    const token = await fetchChecked(optionsFor(as.clients.post));
    assert.deepEqual(
      { clientId: lastGrant().clientId, authMethod: lastGrant().authMethod },
      { clientId: "archival-service-post", authMethod: "client_secret_post" },
    );
    assert.equal(decodeJwt(token.accessToken).payload.azp, "archival-service-post");
  });

  test("the caller's authMethod decides, not the client's registration", async () => {
    // oidc-provider (like Keycloak) accepts either secret method for a confidential client.
    await fetchChecked(optionsFor(as.clients.basic, { authMethod: "client_secret_post" }));
    assert.equal(lastGrant().authMethod, "client_secret_post");
    await fetchChecked(optionsFor(as.clients.post, { authMethod: "client_secret_basic" }));
    assert.equal(lastGrant().authMethod, "client_secret_basic");
  });

  test("an id and secret with ':', '+', '%', ' ', '/', '=', '?', '&' are form-encoded for Basic", async () => {
    const client = as.clients.special;
    assert.match(client.clientId, /:/);
    assert.equal(client.clientSecret, "s3cr:t+%20 x/=?&~");
    const token = await fetchChecked(optionsFor(client));
    assert.equal(lastGrant().clientId, client.clientId);
    assert.equal(lastGrant().authMethod, "client_secret_basic");
    assert.equal(decodeJwt(token.accessToken).payload.client_id, client.clientId);
  });

  test("the same special characters with client_secret_post", async () => {
    const client = as.clients.specialPost;
    await fetchChecked(optionsFor(client));
    assert.equal(lastGrant().clientId, client.clientId);
    assert.equal(lastGrant().authMethod, "client_secret_post");
  });

  for (const method of ["client_secret_basic", "client_secret_post"]) {
    test(`a wrong secret (${method}) is ERR_OAUTH invalid_client with status 401`, async () => {
      const secret = "definitely-not-the-secret-7Qx";
      const err = await rejection(
        fetchClientCredentialsToken(optionsFor(as.clients.basic, { clientSecret: secret, authMethod: method })),
      );
      assert.equal(err.code, "ERR_OAUTH");
      assert.equal(err.error, "invalid_client");
      assert.equal(err.status, 401);
      assert.equal(typeof err.errorDescription, "string");
      assert.ok(err.errorDescription.length > 0);
      assertNoLeak(err, [secret, as.clients.basic.clientSecret]);
    });
  }

  test("an unknown client is ERR_OAUTH invalid_client", async () => {
    const err = await rejection(
      fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: "no-such-client", clientSecret: "whatever-secret-1" }),
    );
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_client");
    assert.equal(err.status, 401);
  });
});

describe("scope (RFC 6749 §3.3)", () => {
  test("a space-separated string is sent as is and echoed back", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic, { scope: "openid profile" }));
    assert.equal(token.scope, "openid profile");
    assert.equal(lastGrant().scope, "openid profile");
    assert.equal(decodeJwt(token.accessToken).payload.scope, "openid profile");
  });

  test("an array is joined with spaces", async () => {
    const token = await fetchChecked(optionsFor(as.clients.post, { scope: ["openid", "profile", "email"] }));
    assert.equal(lastGrant().scope, "openid profile email");
    assert.equal(token.scope, "openid profile email");
  });

  test("scopes with ':' survive form-encoding", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic, { scope: ["archive:read", "archive:write"] }));
    assert.equal(token.scope, "archive:read archive:write");
  });

  test("no scope: nothing requested, none granted", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic));
    assert.equal(lastGrant().scope, undefined);
    assert.equal(token.scope, undefined);
    assert.equal("scope" in token.raw, false);
  });

  test("an unknown scope is ERR_OAUTH invalid_scope with status 400", async () => {
    const err = await rejection(fetchClientCredentialsToken(optionsFor(as.clients.basic, { scope: "openid archive:delete" })));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_scope");
    assert.equal(err.status, 400);
    assert.match(err.errorDescription, /archive:delete/);
  });
});

describe("the issued access token", () => {
  test("decodes to the issuer's Keycloak-style claims, and exp matches expiresAt", async () => {
    const client = as.clients.basic;
    const token = await fetchChecked(optionsFor(client, { scope: "openid profile email" }));
    const { header, payload, signature } = decodeJwt(token.accessToken);

    assert.equal(header.alg, "RS256");
    assert.equal(typeof header.kid, "string");
    assert.equal(signature, token.accessToken.split(".")[2]);
    assert.equal(payload.iss, as.issuer);
    assert.equal(payload.iss, `http://localhost:${as.port}/realms/sivalabs`);
    assert.equal(payload.client_id, client.clientId);
    assert.equal(payload.azp, client.clientId);
    assert.equal(payload.typ, "Bearer");
    assert.equal(payload.preferred_username, `service-account-${client.clientId}`);
    assert.deepEqual(payload.realm_access, { roles: ["default-roles-sivalabs", "offline_access", "uma_authorization"] });
    assert.deepEqual(payload.resource_access.account.roles, ["manage-account", "manage-account-links", "view-profile"]);
    assert.equal(payload.scope, "openid profile email");
    assert.equal(payload.exp - payload.iat, 300);
    assert.ok(Math.abs(payload.exp * 1000 - token.expiresAt) < 3000, `exp*1000=${payload.exp * 1000} expiresAt=${token.expiresAt}`);

    // decodeJwt agrees with a verifying library on the same token.
    const verified = await jwtVerify(token.accessToken, jwks, { issuer: as.issuer });
    assert.deepEqual(payload, verified.payload);
    assert.deepEqual(header, verified.protectedHeader);
  });

  test("raw is the server's JSON object as sent", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic, { scope: "email profile" }));
    assert.deepEqual(token.raw, {
      access_token: token.accessToken,
      expires_in: 300,
      scope: "email profile",
      token_type: "Bearer",
    });
  });

  test("raw keeps fields the library does not know (Keycloak's response shape)", async () => {
    const keycloakBody = {
      access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJrIn0.",
      expires_in: 300,
      refresh_expires_in: 0,
      token_type: "Bearer",
      "not-before-policy": 0,
      scope: "email profile",
      session_state: null,
      nested: { a: [1, 2, { b: "c" }] },
    };
    as.failNext(1, { status: 200, body: keycloakBody });
    const token = await fetchClientCredentialsToken(optionsFor(as.clients.basic));
    assert.deepEqual(token.raw, keycloakBody);
    assert.equal(token.accessToken, keycloakBody.access_token);
    assert.equal(token.scope, "email profile");
  });

  test("a resource indicator (RFC 8707) becomes the token's audience", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic, { resource: "https://archive.example.com/api" }));
    assert.equal(lastGrant().resource, "https://archive.example.com/api");
    assert.equal(decodeJwt(token.accessToken).payload.aud, "https://archive.example.com/api");
  });

  test("two resource indicators reach the server as two parameters", async () => {
    // oidc-provider allows one resource per client_credentials token, and says so.
    const err = await rejection(
      fetchClientCredentialsToken(optionsFor(as.clients.basic, { resource: ["https://a.example/", "https://b.example/"] })),
    );
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_target");
    assert.match(err.errorDescription, /single resource/);
  });
});

describe("the issuer's own host name and the token request count", () => {
  test("a localhost token URL works as well as 127.0.0.1", async () => {
    const token = await fetchChecked(optionsFor(as.clients.basic, { tokenUrl: as.issuerTokenUrl }));
    assert.equal(decodeJwt(token.accessToken).payload.iss, as.issuer);
  });

  test("each call is one POST to the token endpoint", async () => {
    as.resetStats();
    for (let i = 0; i < 3; i += 1) await fetchChecked(optionsFor(as.clients.basic));
    assert.equal(as.stats.tokenRequests, 3);
  });

  test("parallel calls all succeed with distinct tokens", async () => {
    as.resetStats();
    const tokens = await Promise.all(Array.from({ length: 25 }, () => fetchClientCredentialsToken(optionsFor(as.clients.post))));
    assert.equal(new Set(tokens.map((t) => t.accessToken)).size, 25);
    assert.ok(as.stats.tokenRequests >= 1 && as.stats.tokenRequests <= 25);
  });
});

describe("server failures propagate", () => {
  test("a 503 with an RFC 6749 §5.2 body is ERR_OAUTH carrying the status", async () => {
    as.failNext(1, { status: 503, body: { error: "temporarily_unavailable", error_description: "realm is restarting" } });
    const err = await rejection(fetchClientCredentialsToken(optionsFor(as.clients.basic)));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "temporarily_unavailable");
    assert.equal(err.errorDescription, "realm is restarting");
    assert.equal(err.status, 503);
  });

  test("a 500 without an error field is ERR_HTTP with a body excerpt", async () => {
    as.failNext(1, { status: 500, body: { message: "database unavailable" } });
    const err = await rejection(fetchClientCredentialsToken(optionsFor(as.clients.basic)));
    assert.equal(err.code, "ERR_HTTP");
    assert.equal(err.status, 500);
    assert.match(err.body, /database unavailable/);
  });

  test("after injected failures the next call succeeds", async () => {
    as.failNext(2, { status: 502, body: { message: "bad gateway" } });
    for (let i = 0; i < 2; i += 1) {
      assert.equal((await rejection(fetchClientCredentialsToken(optionsFor(as.clients.basic)))).code, "ERR_HTTP");
    }
    await fetchChecked(optionsFor(as.clients.basic));
  });
});

/** Awaits a promise that must reject, and returns its ClientCredentialsError. */
async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof Error, `expected an Error, got ${typeof err}: ${err}`);
    assert.equal(err.name, "ClientCredentialsError");
    assert.equal(typeof err.code, "string");
    return err;
  }
  assert.fail("expected the promise to reject");
}

function assertNoLeak(err, secrets) {
  const views = [err.message, err.stack, JSON.stringify(err), String(err), inspect(err, { depth: 8 })];
  for (const secret of secrets) {
    for (const view of views) assert.ok(!String(view).includes(secret), `secret leaked into: ${view}`);
  }
}
