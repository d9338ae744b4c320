// Key-based client authentication (RFC 7523: private_key_jwt and
// client_secret_jwt) against a real authorization server (oidc-provider),
// through the built package as users import it.
//
// What the client sends is read off the wire by wrapping the global `fetch`
// (the library's one caller of it), so each assertion's header and claims
// can be checked as the server received them.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { TokenClient, decodeJwt, fetchClientCredentialsToken } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";

const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];
const HMAC = ["HS256", "HS384", "HS512"];
/** Long enough for HS512 (RFC 7518 §3.2: a key at least as long as the hash). */
const HMAC_SECRET = "hmac-secret-canary-0123456789abcdef0123456789abcdef0123456789abcdef";

let as;
/** One key pair per algorithm, `{ privateKey, publicKey, kid }`. */
const keys = {};
let other;
/** Every token request the library sent: `{ url, headers, form }`. */
let sent = [];
const realFetch = globalThis.fetch;

before(async () => {
  for (const alg of ASYMMETRIC) {
    const pair = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : alg, { extractable: true });
    keys[alg] = { ...pair, kid: `key-${alg}` };
  }
  other = await generateKeyPair("ES256", { extractable: true });
  // One key per kind in the client's JWKS: RSA keys sign RS* and PS* alike.
  const jwks = { keys: [] };
  for (const alg of ["RS256", "ES256", "ES384", "ES512", "EdDSA"]) {
    jwks.keys.push({ ...(await exportJWK(keys[alg].publicKey)), kid: keys[alg].kid });
  }
  for (const alg of ["RS384", "RS512", "PS256", "PS384", "PS512"]) keys[alg] = keys.RS256;
  as = await startAuthServer({
    clients: {
      keyJwt: { clientId: "archival-service-jwt", authMethod: "private_key_jwt", metadata: { jwks } },
      secretJwt: { clientId: "archival-service-hmac", clientSecret: HMAC_SECRET, authMethod: "client_secret_jwt" },
    },
  });
  globalThis.fetch = async (input, init) => {
    const body = init?.body;
    if (typeof body === "string" && String(input).startsWith(as.tokenUrl)) {
      sent.push({ url: String(input), headers: { ...init.headers }, form: new URLSearchParams(body) });
    }
    return realFetch(input, init);
  };
});

after(async () => {
  globalThis.fetch = realFetch;
  await as?.close();
});

beforeEach(() => {
  sent = [];
});

function keyOptions(extra = {}) {
  return { tokenUrl: as.tokenUrl, clientId: "archival-service-jwt", authMethod: "private_key_jwt", ...extra };
}

function secretOptions(extra = {}) {
  return { tokenUrl: as.tokenUrl, clientId: "archival-service-hmac", clientSecret: HMAC_SECRET, authMethod: "client_secret_jwt", ...extra };
}

/** The one assertion sent, decoded, after checking the form around it (RFC 7523 §2.2). */
function lastAssertion() {
  const { headers, form } = sent.at(-1);
  assert.equal(headers.authorization, undefined, "no Authorization header");
  assert.equal(form.get("client_assertion_type"), "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  assert.equal(form.get("client_secret"), null);
  const jwt = form.get("client_assertion");
  return { jwt, ...decodeJwt(jwt), clientId: form.get("client_id") };
}

function checkClaims(a, clientId, aud) {
  assert.equal(a.clientId, clientId);
  assert.equal(a.header.typ, "JWT");
  assert.equal(a.payload.iss, clientId);
  assert.equal(a.payload.sub, clientId);
  assert.equal(a.payload.aud, aud);
  assert.equal(a.payload.exp - a.payload.iat, 60);
  assert.ok(Math.abs(a.payload.iat - Date.now() / 1000) < 5, `iat ${a.payload.iat} is now`);
  // At least 128 random bits: 22 base64url characters.
  assert.match(a.payload.jti, /^[A-Za-z0-9_-]{22,}$/);
}

describe("private_key_jwt", () => {
  for (const alg of ASYMMETRIC) {
    test(`a token with an assertion signed ${alg}`, async () => {
      // A CryptoKey is made for one algorithm; the RSA key signs the others as a JWK.
      const usual = ["RS256", "ES256", "ES384", "ES512", "EdDSA"].includes(alg);
      const privateKey = usual ? keys[alg].privateKey : await exportJWK(keys[alg].privateKey);
      const token = await fetchClientCredentialsToken(keyOptions({ privateKey, keyId: keys[alg].kid, ...(usual ? {} : { signingAlg: alg }) }));
      assert.equal(token.tokenType, "Bearer");
      assert.equal(decodeJwt(token.accessToken).payload.client_id, "archival-service-jwt");
      assert.equal(as.stats.grants.at(-1).authMethod, "jwt");
      const a = lastAssertion();
      assert.equal(a.header.alg, alg, "the algorithm is the key's usual one, or the one asked for");
      assert.equal(a.header.kid, keys[alg].kid);
      checkClaims(a, "archival-service-jwt", as.tokenUrl);
    });
  }

  test("a private JWK: its kid goes into the header, and the alg comes from the key", async () => {
    const jwk = { ...(await exportJWK(keys.ES384.privateKey)), kid: keys.ES384.kid };
    await fetchClientCredentialsToken(keyOptions({ privateKey: jwk }));
    const a = lastAssertion();
    assert.deepEqual([a.header.alg, a.header.kid], ["ES384", keys.ES384.kid]);
  });

  test("a PKCS#8 PEM, RSA and EC, with the algorithm asked for", async () => {
    await fetchClientCredentialsToken(keyOptions({ privateKey: await exportPKCS8(keys.RS256.privateKey), signingAlg: "PS384", keyId: keys.RS256.kid }));
    assert.equal(lastAssertion().header.alg, "PS384");
    await fetchClientCredentialsToken(keyOptions({ privateKey: await exportPKCS8(keys.EdDSA.privateKey), keyId: keys.EdDSA.kid }));
    const a = lastAssertion();
    assert.equal(a.header.alg, "EdDSA");
    checkClaims(a, "archival-service-jwt", as.tokenUrl);
  });

  test("the audience is the issuer when known, or assertionAudience", async () => {
    await fetchClientCredentialsToken(keyOptions({ privateKey: keys.ES256.privateKey, assertionAudience: as.issuer }));
    assert.equal(lastAssertion().payload.aud, as.issuer);
    // With `issuer`, discovery; its metadata lives at the issuer's host (localhost).
    await fetchClientCredentialsToken({ ...keyOptions({ privateKey: keys.ES256.privateKey }), tokenUrl: undefined, issuer: as.issuer });
    checkClaims(lastAssertion(), "archival-service-jwt", as.issuer);
  });

  test("a TokenClient signs a new assertion for every request (new jti), with the key imported once", async () => {
    const client = new TokenClient(keyOptions({ privateKey: await exportJWK(keys.ES256.privateKey) }));
    try {
      await client.getToken();
      client.invalidate();
      await client.getToken();
      assert.equal(sent.length, 2);
      const [a, b] = sent.map((s) => decodeJwt(s.form.get("client_assertion")).payload);
      assert.notEqual(a.jti, b.jti);
      assert.notEqual(sent[0].form.get("client_assertion"), sent[1].form.get("client_assertion"));
    } finally {
      client.free();
    }
  });

  test("the wrong key: ERR_OAUTH invalid_client, with advice about the key", async () => {
    const err = await fetchClientCredentialsToken(keyOptions({ privateKey: other.privateKey })).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_client");
    assert.equal(err.status, 401);
    assert.match(err.message, /privateKey/);
    assert.match(err.message, /Signed JWT/);
  });

  test("an expired assertion: ERR_OAUTH invalid_client (oidc-provider gives no reason; Keycloak does, see keycloak-keyauth)", async () => {
    // The client's clock an hour behind, for the one reading that dates the assertion.
    const now = Date.now;
    Date.now = () => {
      Date.now = now;
      return now() - 3_600_000;
    };
    const err = await fetchClientCredentialsToken(keyOptions({ privateKey: keys.ES256.privateKey })).catch((e) => e);
    Date.now = now;
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_client");
    // Without the server's reason the advice is about the key, not the clock.
    assert.equal(err.errorDescription, "client authentication failed");
    assert.match(err.message, /privateKey/);
    assert.doesNotMatch(err.message, /clock/);
  });

  describe("keys that can't work: ERR_INVALID_OPTIONS before any request", () => {
    const cases = [
      ["no privateKey", async () => ({}), /privateKey is required/],
      ["a public JWK", async () => ({ privateKey: await exportJWK(keys.ES256.publicKey) }), /public JWK.*"d"/],
      ["a public CryptoKey", async () => ({ privateKey: keys.ES256.publicKey }), /private CryptoKey/],
      ["an EC key asked for RS256", async () => ({ privateKey: await exportJWK(keys.ES256.privateKey), signingAlg: "RS256" }), /EC P-256 key, which signs ES256, not RS256/],
      ["an RSA CryptoKey asked for PS256", async () => ({ privateKey: keys.RS256.privateKey, signingAlg: "PS256" }), /made for RS256, so it can't sign PS256/],
      ["an EC PEM asked for RS256", async () => ({ privateKey: await exportPKCS8(keys.ES256.privateKey), signingAlg: "RS256" }), /not a key that signs RS256/],
      ["a PKCS#1 PEM", async () => ({ privateKey: "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----" }), /openssl pkcs8/],
      ["a string that is no PEM", async () => ({ privateKey: "not a key" }), /not a PEM/],
      ["an oct JWK", async () => ({ privateKey: { kty: "oct", k: "c2VjcmV0" } }), /kty "oct"/],
      ["an HMAC algorithm", async () => ({ privateKey: keys.ES256.privateKey, signingAlg: "HS256" }), /signingAlg for a private key/],
      ["an unknown algorithm", async () => ({ privateKey: keys.ES256.privateKey, signingAlg: "none" }), /signingAlg for a private key/],
    ];
    for (const [name, extra, pattern] of cases) {
      test(name, async () => {
        const requests = as.stats.tokenRequests;
        const err = await fetchClientCredentialsToken(keyOptions(await extra())).catch((e) => e);
        assert.equal(err.code, "ERR_INVALID_OPTIONS", err.message);
        assert.match(err.message, pattern);
        assert.equal(as.stats.tokenRequests, requests, "no request was made");
      });
    }

    test("a TokenClient with a bad key fails every getToken with the same error, and sends nothing", async () => {
      const requests = as.stats.tokenRequests;
      const client = new TokenClient(keyOptions({ privateKey: await exportJWK(keys.ES256.publicKey) }));
      for (let i = 0; i < 2; i++) {
        const err = await client.getToken().catch((e) => e);
        assert.equal(err.code, "ERR_INVALID_OPTIONS");
      }
      assert.equal(as.stats.tokenRequests, requests);
      client.free();
    });

    test("the options of key methods only with them", async () => {
      const err = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: "a", privateKey: keys.ES256.privateKey }).catch((e) => e);
      assert.equal(err.code, "ERR_INVALID_OPTIONS");
      assert.match(err.message, /privateKey is used only with authMethod "private_key_jwt"/);
      for (const extra of [{ signingAlg: "RS256" }, { keyId: "k" }, { assertionAudience: "https://x" }]) {
        const err = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: "a", clientSecret: "b", ...extra }).catch((e) => e);
        assert.equal(err.code, "ERR_INVALID_OPTIONS");
        assert.match(err.message, /applies only to authMethod "private_key_jwt" or "client_secret_jwt"/);
      }
    });
  });

  test("no error, log or inspect output shows the key or an assertion", async () => {
    const jwk = await exportJWK(keys.ES256.privateKey);
    const pem = await exportPKCS8(keys.RS256.privateKey);
    const wrong = await exportJWK(other.privateKey);
    const client = new TokenClient(keyOptions({ privateKey: wrong }));
    const errors = [
      await client.getToken().catch((e) => e),
      await fetchClientCredentialsToken(keyOptions({ privateKey: { ...jwk, x: "AAAA" } })).catch((e) => e),
      await fetchClientCredentialsToken(keyOptions({ privateKey: pem, signingAlg: "ES256" })).catch((e) => e),
    ];
    const assertion = sent.at(-1).form.get("client_assertion");
    const shown = errors.map((e) => `${e.message}\n${e.stack}\n${inspect(e, { depth: Infinity, showHidden: true })}\n${JSON.stringify(e)}`).join("\n") + inspect(client, { depth: Infinity, showHidden: true });
    for (const [name, needle] of [
      ["d of the JWK", jwk.d],
      ["d of the wrong JWK", wrong.d],
      ["PEM body", pem.split("\n")[1]],
      ["assertion signature", assertion.split(".")[2]],
      ["assertion", assertion],
    ]) {
      assert.ok(!shown.includes(needle), `${name} leaked`);
    }
    client.free();
  });
});

describe("client_secret_jwt", () => {
  for (const alg of HMAC) {
    test(`a token with an assertion signed ${alg} with the secret`, async () => {
      const token = await fetchClientCredentialsToken(secretOptions(alg === "HS256" ? {} : { signingAlg: alg }));
      assert.equal(decodeJwt(token.accessToken).payload.client_id, "archival-service-hmac");
      const a = lastAssertion();
      assert.equal(a.header.alg, alg);
      assert.equal(a.header.kid, undefined);
      checkClaims(a, "archival-service-hmac", as.tokenUrl);
      assert.ok(!sent.at(-1).form.toString().includes(HMAC_SECRET.slice(0, 20)), "the secret itself never crosses the network");
    });
  }

  test("a wrong secret: ERR_OAUTH invalid_client, with advice about the secret, never quoting it", async () => {
    const wrong = `${HMAC_SECRET}-wrong`;
    const err = await fetchClientCredentialsToken(secretOptions({ clientSecret: wrong })).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_client");
    assert.match(err.message, /Signed JWT with client secret/);
    assert.ok(!inspect(err, { showHidden: true, depth: Infinity }).includes("hmac-secret-canary"));
  });

  test("an asymmetric signingAlg: ERR_INVALID_OPTIONS", async () => {
    const err = await fetchClientCredentialsToken(secretOptions({ signingAlg: "RS256" })).catch((e) => e);
    assert.equal(err.code, "ERR_INVALID_OPTIONS");
    assert.match(err.message, /HS256, HS384 or HS512/);
  });
});
