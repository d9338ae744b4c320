// authorizeRequest with DPoP-bound tokens (RFC 9449 §4.3, §7.1), end to end:
// our TokenClient gets a DPoP-bound token from oidc-provider (features.dPoP,
// a client with dpop_bound_access_tokens) and calls, through client.fetch, a
// small Node server whose only check is authorizeRequest. The refusals are
// made with proofs this test signs itself (jose), with the client's own key
// pair where the case needs the right key.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { JwksClient, TokenClient, authorizeRequest, fetchClientCredentialsToken } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startAuthorizingApi } from "../support/authorizing-api.mjs";

const BOUND = { clientId: "authorize-dpop-bound", clientSecret: "bound-secret-91f2", authMethod: "client_secret_basic", metadata: { dpop_bound_access_tokens: true } };
const PLAIN = { clientId: "authorize-dpop-plain", clientSecret: "plain-secret-4a7c", authMethod: "client_secret_basic" };

let as;
let api;
/** The client's key pair, so that this test can sign proofs with the key the token is bound to. */
let pair;
let jwk;
/** A DPoP-bound token for `pair`, and a Bearer token of an unbound client. */
let bound;
let plain;

before(async () => {
  as = await startAuthServer({ clients: { bound: BOUND, plain: PLAIN } });
  api = await startAuthorizingApi({ jwks: new JwksClient({ jwksUri: as.jwksUri }), issuer: as.issuer, audience: `${as.issuer}/account` });
  pair = await generateKeyPair("ES256");
  jwk = await exportJWK(pair.publicKey);
  const got = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: BOUND.clientId, clientSecret: BOUND.clientSecret, dpop: pair });
  assert.equal(got.tokenType, "DPoP");
  bound = got.accessToken;
  plain = (await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: PLAIN.clientId, clientSecret: PLAIN.clientSecret })).accessToken;
});

after(async () => {
  await Promise.all([as?.close(), api?.close()]);
});

const ath = (token) => createHash("sha256").update(token).digest("base64url");

/** A proof for `GET /archives` with `bound`, signed by `pair`; `header` and `claims` override its parts (undefined drops one). */
async function proof({ header = {}, claims = {}, key = pair.privateKey } = {}) {
  const base = { jti: crypto.randomUUID(), htm: "GET", htu: api.url("/archives"), iat: Math.floor(Date.now() / 1000), ath: ath(bound) };
  const payload = Object.fromEntries(Object.entries({ ...base, ...claims }).filter(([, v]) => v !== undefined));
  return new SignJWT(payload).setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk, ...header }).sign(key);
}

/** An unsigned or HMAC proof, which jose won't make with a jwk header. */
function handMade(header, signature) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const payload = { jti: "j1", htm: "GET", htu: api.url("/archives"), iat: Math.floor(Date.now() / 1000), ath: ath(bound) };
  return `${b64(header)}.${b64(payload)}.${signature}`;
}

/** Calls the API with `authorization` and the DPoP headers given; checks a refusal: status, challenge, body, and that no token or proof is echoed. */
async function refused(authorization, proofs, error, { path = "/archives", method = "GET", scheme = "DPoP" } = {}) {
  const headers = [["authorization", authorization], ...proofs.map((p) => ["dpop", p])];
  const res = await fetch(api.url(path), { method, headers });
  const challenge = res.headers.get("www-authenticate");
  const body = await res.text();
  assert.equal(res.status, 401, body);
  assert.ok(challenge.startsWith(`${scheme} `), challenge);
  assert.match(challenge, new RegExp(`error="${error}"`));
  assert.equal(JSON.parse(body).error, error);
  for (const secret of [bound, plain, ...proofs]) {
    assert.ok(!challenge.includes(secret) && !body.includes(secret), "no token or proof in the response");
    for (const part of secret.split(".").filter((p) => p.length >= 8)) assert.ok(!body.includes(part) && !challenge.includes(part));
  }
  return JSON.parse(body).error_description;
}

describe("authorizeRequest: DPoP-bound tokens, with our TokenClient", () => {
  test("client.fetch with dpop: true gets through: Authorization: DPoP and a proof by the bound key", async () => {
    const client = new TokenClient({ tokenUrl: as.tokenUrl, clientId: BOUND.clientId, clientSecret: BOUND.clientSecret, dpop: true });
    try {
      const res = await client.fetch(api.url("/archives?page=2"));
      assert.equal(res.status, 200, await res.clone().text());
      const body = await res.json();
      assert.equal(body.sub, BOUND.clientId);
      assert.match(body.jkt, /^[A-Za-z0-9_-]{43}$/);
      // A POST too: htm and htu follow the request.
      const post = await client.fetch(api.url("/archives/7"), { method: "POST", body: "x" });
      assert.equal(post.status, 200);
    } finally {
      client.free();
    }
  });

  test("a proof of our own with the client's key pair is accepted, so the refusals below differ from it in one thing only", async () => {
    const res = await fetch(api.url("/archives"), { headers: { authorization: `DPoP ${bound}`, dpop: await proof() } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await res.json()).jkt, await calculateJwkThumbprint(jwk));
  });

  test("a proof used twice is refused the second time (its jti); a new proof for the same request passes", async () => {
    const once = await proof();
    const call = (dpop) => fetch(api.url("/archives"), { headers: { authorization: `DPoP ${bound}`, dpop } });
    assert.equal((await call(once)).status, 200);
    assert.match(await refused(`DPoP ${bound}`, [once], "invalid_dpop_proof"), /used before/);
    assert.equal((await call(await proof())).status, 200);
  });

  test("a bound token as Bearer is refused (no downgrade), in the DPoP scheme", async () => {
    const why = await refused(`Bearer ${bound}`, [], "invalid_token");
    assert.match(why, /bound to a DPoP key/);
    // Even with a valid proof alongside.
    await refused(`Bearer ${bound}`, [await proof()], "invalid_token");
  });

  test("an unbound token as DPoP is refused", async () => {
    const why = await refused(`DPoP ${plain}`, [await proof({ claims: { ath: ath(plain) } })], "invalid_token");
    assert.match(why, /not DPoP-bound/);
  });

  test("Authorization: DPoP without a proof, or with two, is invalid_dpop_proof", async () => {
    assert.match(await refused(`DPoP ${bound}`, [], "invalid_dpop_proof"), /no DPoP proof/);
    assert.match(await refused(`DPoP ${bound}`, [await proof(), await proof()], "invalid_dpop_proof"), /more than one/);
    assert.match(await refused(`DPoP ${bound}`, ["not-a-jwt"], "invalid_dpop_proof"), /not a well-formed JWT/);
  });

  test("a proof by another key: its own jwk (jkt mismatch), or the client's jwk with another key's signature", async () => {
    const other = await generateKeyPair("ES256");
    const otherJwk = await exportJWK(other.publicKey);
    assert.match(await refused(`DPoP ${bound}`, [await proof({ header: { jwk: otherJwk }, key: other.privateKey })], "invalid_dpop_proof"), /cnf\.jkt/);
    assert.match(await refused(`DPoP ${bound}`, [await proof({ key: other.privateKey })], "invalid_dpop_proof"), /signature/);
  });

  test("htm, htu, iat, ath, jti: each must fit the request, the clock and the token", async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases = [
      [{ htm: "POST" }, /htm/],
      [{ htu: api.url("/other") }, /htu/],
      [{ htu: "http://evil.example/archives" }, /htu/],
      [{ iat: now - 120 }, /too old/],
      [{ iat: now + 120 }, /future/],
      [{ ath: ath(plain) }, /ath/],
      [{ ath: undefined }, /ath/],
      [{ jti: undefined }, /jti/],
    ];
    for (const [claims, reason] of cases) {
      assert.match(await refused(`DPoP ${bound}`, [await proof({ claims })], "invalid_dpop_proof"), reason, JSON.stringify(claims));
    }
    // The path's query is not part of htu; another method is another htm.
    const res = await fetch(api.url("/archives?page=3#x"), { headers: { authorization: `DPoP ${bound}`, dpop: await proof() } });
    assert.equal(res.status, 200);
    assert.match(await refused(`DPoP ${bound}`, [await proof()], "invalid_dpop_proof", { method: "DELETE" }), /htm/);
  });

  test("dpop.maxAgeSeconds narrows the iat window; a bad value is ERR_INVALID_OPTIONS", async () => {
    const iat = Math.floor(Date.now() / 1000) - 40;
    const old = await proof({ claims: { iat } });
    assert.equal((await fetch(api.url("/archives"), { headers: { authorization: `DPoP ${bound}`, dpop: old } })).status, 200);
    api.options = { dpop: { maxAgeSeconds: 5 }, clockToleranceSeconds: 0 };
    try {
      assert.match(await refused(`DPoP ${bound}`, [old], "invalid_dpop_proof"), /too old/);
    } finally {
      api.options = {};
    }
    const request = new Request("http://127.0.0.1/", { headers: { authorization: `DPoP ${bound}` } });
    for (const dpop of [{ maxAgeSeconds: 0 }, { maxAgeSeconds: -1 }, { maxAgeSeconds: 99999 }, { maxAgeSeconds: "60" }, { maxAgeSeconds: NaN }, { nonce: "" }, { nonce: "has space" }, { nonce: 'q"' }, { nonce: 7 }, null, "x"]) {
      await assert.rejects(authorizeRequest(request, { key: jwk, issuer: "x", audience: "y", dpop }), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(dpop));
    }
  });

  test("dpop.nonce: a proof without it (or with another) gets 401 use_dpop_nonce and DPoP-Nonce; client.fetch retries with it", async () => {
    api.options = { dpop: { nonce: "n-2f9a" } };
    try {
      for (const claims of [{}, { nonce: "n-old" }]) {
        const res = await fetch(api.url("/archives"), { headers: { authorization: `DPoP ${bound}`, dpop: await proof({ claims }) } });
        assert.equal(res.status, 401);
        assert.equal(res.headers.get("dpop-nonce"), "n-2f9a");
        assert.match(res.headers.get("www-authenticate"), /^DPoP error="use_dpop_nonce"/);
      }
      const ok = await fetch(api.url("/archives"), { headers: { authorization: `DPoP ${bound}`, dpop: await proof({ claims: { nonce: "n-2f9a" } }) } });
      assert.equal(ok.status, 200);
      const client = new TokenClient({ tokenUrl: as.tokenUrl, clientId: BOUND.clientId, clientSecret: BOUND.clientSecret, dpop: true });
      try {
        const res = await client.fetch(api.url("/archives"));
        assert.equal(res.status, 200, await res.clone().text());
      } finally {
        client.free();
      }
    } finally {
      api.options = {};
    }
  });

  test("the proof's header: typ dpop+jwt, an asymmetric alg (never none or HS256), a public jwk", async () => {
    assert.match(await refused(`DPoP ${bound}`, [await proof({ header: { typ: "JWT" } })], "invalid_dpop_proof"), /typ/);
    assert.match(await refused(`DPoP ${bound}`, [await proof({ header: { typ: undefined } })], "invalid_dpop_proof"), /typ/);
    const none = handMade({ typ: "dpop+jwt", alg: "none", jwk }, "");
    assert.match(await refused(`DPoP ${bound}`, [none], "invalid_dpop_proof"), /asymmetric|well-formed/);
    const hmacKey = { kty: "oct", k: Buffer.from("a shared secret of thirty-two b!").toString("base64url") };
    const hs256 = await new SignJWT({ jti: "j", htm: "GET", htu: api.url("/archives"), iat: Math.floor(Date.now() / 1000), ath: ath(bound) })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "HS256", jwk: hmacKey })
      .sign(Buffer.from("a shared secret of thirty-two b!"));
    assert.match(await refused(`DPoP ${bound}`, [hs256], "invalid_dpop_proof"), /asymmetric/);
    const withPrivate = await generateKeyPair("ES256", { extractable: true });
    const privateJwk = await exportJWK(withPrivate.privateKey);
    assert.ok(privateJwk.d);
    assert.match(await refused(`DPoP ${bound}`, [await proof({ header: { jwk: privateJwk }, key: withPrivate.privateKey })], "invalid_dpop_proof"), /private/);
    assert.match(await refused(`DPoP ${bound}`, [await proof({ header: { jwk: undefined } })], "invalid_dpop_proof"), /no jwk/);
  });

  test("a refusal of the token itself, sent as DPoP, is answered in the DPoP scheme with algs", async () => {
    const res = await fetch(api.url("/archives"), { headers: { authorization: "DPoP abc.def.ghi", dpop: await proof() } });
    assert.equal(res.status, 401);
    const challenge = res.headers.get("www-authenticate");
    assert.match(challenge, /^DPoP error="invalid_token"/);
    assert.match(challenge, /algs="[^"]*ES256[^"]*"/);
  });
});
