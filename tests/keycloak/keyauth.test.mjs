// Key-based client authentication and DPoP against a real Keycloak
// (scripts/keycloak.mjs): clients set up through the admin REST API as an admin
// would in the console, on the client's Credentials tab:
//
// - "Signed JWT" (clientAuthenticatorType `client-jwt`), its keys read from a
//   JWKS URL (attributes `use.jwks.url`, `jwks.url`) this test serves on loopback;
// - "Signed JWT with client secret" (`client-secret-jwt`);
// - "Require DPoP bound tokens" (attribute `dpop.bound.access.tokens`), on the
//   Advanced tab.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { decodeJwt, fetchClientCredentialsToken, TokenClient } from "client-credentials";
import { startKeycloak } from "../../scripts/keycloak.mjs";
import { listen } from "../../scripts/net.mjs";
import { createServiceClient } from "../support/keycloak-clients.mjs";

/** What Keycloak signs client assertions with (its `token.endpoint.auth.signing.alg` choices). */
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const HMAC = ["HS256", "HS384", "HS512"];
const HMAC_SECRET = "kc-hmac-secret-0123456789abcdef0123456789abcdef0123456789abcdef";
const DPOP_SECRET = "kc-dpop-secret-5d8a";

let kc;
let jwksServer;
/** The clients' ids, unique to this run: the Keycloak instance may be shared with other suites. */
const run = Math.random().toString(36).slice(2, 8);
const SIGNED_JWT = `keyauth-signed-jwt-${run}`;
const SECRET_JWT = `keyauth-secret-jwt-${run}`;
const DPOP = `keyauth-dpop-${run}`;
const keys = {};

before(async () => {
  for (const alg of ASYMMETRIC) {
    keys[alg] = { ...(await generateKeyPair(alg === "EdDSA" ? "Ed25519" : alg, { extractable: true })), kid: `kc-${alg}` };
  }
  const jwks = { keys: await Promise.all(ASYMMETRIC.map(async (alg) => ({ ...(await exportJWK(keys[alg].publicKey)), kid: keys[alg].kid, use: "sig" }))) };
  jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(jwks));
  });
  const port = await listen(jwksServer, 0, "127.0.0.1");
  kc = await startKeycloak();
  console.log(`# Keycloak ${kc.version}: ready in ${kc.startSeconds.toFixed(1)} s at ${kc.url}`);
  await createServiceClient(kc, SIGNED_JWT, "client-jwt", { "use.jwks.url": "true", "jwks.url": `http://127.0.0.1:${port}/jwks` });
  await createServiceClient(kc, SECRET_JWT, "client-secret-jwt", {}, HMAC_SECRET);
  await createServiceClient(kc, DPOP, "client-secret", { "dpop.bound.access.tokens": "true" }, DPOP_SECRET);
});

after(async () => {
  await kc?.stop();
  jwksServer?.closeAllConnections();
  jwksServer?.close();
});

const signedJwt = (extra) => ({ tokenUrl: kc.tokenUrl, clientId: SIGNED_JWT, authMethod: "private_key_jwt", ...extra });

describe('Keycloak "Signed JWT" (private_key_jwt, keys from a JWKS URL)', () => {
  for (const alg of ASYMMETRIC) {
    test(`a token with an assertion signed ${alg}`, async () => {
      const usual = ["RS256", "ES256", "ES384", "ES512", "EdDSA"].includes(alg);
      const privateKey = usual ? keys[alg].privateKey : await exportJWK(keys[alg].privateKey);
      const token = await fetchClientCredentialsToken(signedJwt({ privateKey, keyId: keys[alg].kid, ...(usual ? {} : { signingAlg: alg }) }));
      assert.equal(token.tokenType, "Bearer");
      assert.equal(decodeJwt(token.accessToken).payload.azp, SIGNED_JWT);
    });
  }

  test("a PKCS#8 PEM, with the issuer as the audience (discovery)", async () => {
    const token = await fetchClientCredentialsToken({ ...signedJwt({ privateKey: await exportPKCS8(keys.ES256.privateKey), keyId: keys.ES256.kid }), tokenUrl: undefined, issuer: kc.issuer });
    assert.equal(decodeJwt(token.accessToken).payload.azp, SIGNED_JWT);
  });

  test("a key Keycloak doesn't know: refused, with advice about the key", async () => {
    const stranger = await generateKeyPair("ES256");
    const err = await fetchClientCredentialsToken(signedJwt({ privateKey: stranger.privateKey, keyId: keys.ES256.kid })).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_client");
    assert.match(err.message, /privateKey/);
  });

  test("an expired assertion: Keycloak says why, and the message points at the local clock", async () => {
    const now = Date.now;
    Date.now = () => {
      Date.now = now;
      return now() - 3_600_000;
    };
    const err = await fetchClientCredentialsToken(signedJwt({ privateKey: keys.ES256.privateKey, keyId: keys.ES256.kid })).catch((e) => e);
    Date.now = now;
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_client");
    assert.match(err.message, /this machine's clock/, `${err.message} (${err.errorDescription})`);
    console.log(`# Keycloak's reason: ${err.errorDescription}`);
  });
});

describe('Keycloak "Signed JWT with client secret" (client_secret_jwt)', () => {
  for (const alg of HMAC) {
    test(`a token with an assertion signed ${alg}`, async () => {
      const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: SECRET_JWT, clientSecret: HMAC_SECRET, authMethod: "client_secret_jwt", signingAlg: alg });
      assert.equal(decodeJwt(token.accessToken).payload.azp, SECRET_JWT);
    });
  }

  test("a wrong secret: refused (Keycloak says unauthorized_client, as for a wrong plain secret)", async () => {
    const err = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: SECRET_JWT, clientSecret: `${HMAC_SECRET}x`, authMethod: "client_secret_jwt" }).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "unauthorized_client");
    assert.doesNotMatch(err.message, /kc-hmac-secret/);
  });
});

describe('Keycloak "Require DPoP bound tokens"', () => {
  test("dpop: true: a DPoP token whose cnf.jkt is the key's thumbprint", async () => {
    const pair = await generateKeyPair("ES256");
    const client = new TokenClient({ tokenUrl: kc.tokenUrl, clientId: DPOP, clientSecret: DPOP_SECRET, dpop: pair });
    try {
      const token = await client.getToken();
      assert.equal(token.tokenType, "DPoP");
      assert.equal(decodeJwt(token.accessToken).payload.cnf.jkt, await calculateJwkThumbprint(await exportJWK(pair.publicKey)));
    } finally {
      client.free();
    }
  });

  for (const alg of ["ES384", "RS256", "PS256", "EdDSA"]) {
    test(`a DPoP proof signed ${alg}`, async () => {
      const pair = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : alg);
      const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: DPOP, clientSecret: DPOP_SECRET, dpop: pair });
      assert.equal(token.tokenType, "DPoP");
      assert.equal(decodeJwt(token.accessToken).payload.cnf.jkt, await calculateJwkThumbprint(await exportJWK(pair.publicKey)));
    });
  }

  test("without DPoP: refused", async () => {
    const err = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, clientId: DPOP, clientSecret: DPOP_SECRET }).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.match(err.errorDescription ?? "", /DPoP/i);
  });
});
