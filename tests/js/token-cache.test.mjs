// verifyJwt's verified-token cache (src/js/token-cache.js, src/verified_cache.rs):
// a hit returns the same frozen { header, payload } without a signature check;
// a hit after expiry, after the key left the key set or changed, or under
// other options is a miss; a token that failed is never kept; the cache is
// bounded (least recently used out) and can be turned off. Signature checks
// are counted by wrapping crypto.subtle.verify, never timed.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import * as http from "node:http";
import { JwksClient, authorizeRequest, verifyJwt } from "client-credentials";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { cachedTokenCount } from "../../dist/verify.js";

const ISS = "https://sso.example/realms/sivalabs";
const AUD = "archive-api";
const now = () => Math.floor(Date.now() / 1000);

let verifies = 0;
const realVerify = crypto.subtle.verify;
before(() => {
  Object.defineProperty(crypto.subtle, "verify", {
    configurable: true,
    value: function (...args) {
      verifies++;
      return realVerify.apply(this, args);
    },
  });
});
after(() => Object.defineProperty(crypto.subtle, "verify", { configurable: true, value: realVerify }));
beforeEach(() => {
  verifies = 0;
});

/** Signature checks made by `fn`. */
async function checks(fn) {
  const before = verifies;
  await fn();
  return verifies - before;
}

async function keyPair(kid, alg = "ES256") {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

function sign(pair, claims = {}, alg = "ES256") {
  return new SignJWT({ iss: ISS, aud: AUD, iat: now(), exp: now() + 300, sub: "svc", ...claims })
    .setProtectedHeader({ alg, kid: pair.jwk.kid, typ: "at+jwt" })
    .sign(pair.privateKey);
}

async function rejects(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe("verified-token cache", () => {
  let pair;
  let jwks;
  before(async () => {
    pair = await keyPair("k1");
    jwks = { keys: [pair.jwk] };
  });
  const options = (extra = {}) => ({ jwks, issuer: ISS, audience: AUD, ...extra });

  test("a hit returns the same { header, payload }, frozen, without checking the signature again", async () => {
    const token = await sign(pair, { scope: "archives:read", nested: { roles: ["a"] } });
    const opts = options();
    const first = await verifyJwt(token, opts);
    assert.equal(await checks(() => verifyJwt(token, opts)), 0);
    const second = await verifyJwt(token, options()); // a new options literal with the same values
    const third = await verifyJwt(token, opts);
    assert.deepEqual(second, first);
    assert.equal(third, second);
    assert.ok(Object.isFrozen(second.payload) && Object.isFrozen(second.payload.nested.roles));
    // The first caller's copy is its own: editing it changes no hit.
    first.payload.scope = "archives:admin";
    assert.equal((await verifyJwt(token, opts)).payload.scope, "archives:read");
  });

  test("a hit after expiry is a miss: refused by the full checks, and dropped", async () => {
    const iat = now();
    const token = await sign(pair, { iat, exp: iat + 60 });
    const at = (s) => options({ currentDate: new Date(s * 1000) });
    await verifyJwt(token, at(iat + 1));
    assert.equal(await checks(() => verifyJwt(token, at(iat + 30))), 0);
    // Past exp + the default 30 s tolerance.
    let n = await checks(() => rejects(verifyJwt(token, at(iat + 91)), "ERR_JWT_EXPIRED"));
    assert.equal(n, 1);
    // Dropped: back in time, it is verified in full once, then kept again.
    assert.equal(await checks(() => verifyJwt(token, at(iat + 30))), 1);
    assert.equal(await checks(() => verifyJwt(token, at(iat + 31))), 0);
    // Before nbf (minus the tolerance): a miss too.
    n = await checks(() => rejects(verifyJwt(token, at(iat - 31)), "ERR_JWT_NOT_YET_VALID"));
    assert.equal(n, 1);
  });

  test("maxTokenAgeSeconds is rechecked on a hit", async () => {
    const iat = now();
    const token = await sign(pair, { iat, exp: iat + 3600 });
    const at = (s) => options({ maxTokenAgeSeconds: 60, clockToleranceSeconds: 0, currentDate: new Date(s * 1000) });
    await verifyJwt(token, at(iat + 10));
    assert.equal(await checks(() => verifyJwt(token, at(iat + 59))), 0);
    await rejects(verifyJwt(token, at(iat + 61)), "ERR_JWT_EXPIRED");
  });

  test("other options are a miss: another audience, issuer policy, or key set", async () => {
    const token = await sign(pair, { aud: [AUD, "other-api"] });
    await verifyJwt(token, options());
    assert.equal(await checks(() => verifyJwt(token, options())), 0);
    assert.equal(await checks(() => verifyJwt(token, options({ audience: "other-api" }))), 1);
    assert.equal(await checks(() => verifyJwt(token, options({ typ: "at+jwt" }))), 1);
    // The same key in another key set object: imported anew, so verified anew.
    assert.equal(await checks(() => verifyJwt(token, options({ jwks: { keys: [pair.jwk] } }))), 1);
    // A key set without the key: refused, not served from the cache.
    const stranger = await keyPair("k1");
    await rejects(verifyJwt(token, options({ jwks: { keys: [stranger.jwk] } })), "ERR_JWT_SIGNATURE");
    // Both key options at once stay an options error, hit or not.
    await rejects(verifyJwt(token, options({ key: pair.jwk })), "ERR_INVALID_OPTIONS");
  });

  test("a token that failed is never kept", async () => {
    const other = await keyPair("k1");
    const forged = await sign(other);
    for (let i = 0; i < 2; i++) assert.equal(await checks(() => rejects(verifyJwt(forged, options()), "ERR_JWT_SIGNATURE")), 1);
    // Claims refused (wrong issuer) after a valid signature: checked in full each time.
    const wrongIssuer = await sign(pair, { iss: "https://elsewhere.example" });
    for (let i = 0; i < 2; i++) assert.equal(await checks(() => rejects(verifyJwt(wrongIssuer, options()), "ERR_JWT_CLAIM")), 1);
    // A token refused for its time claims is not kept for a later time either.
    const iat = now();
    const early = await sign(pair, { iat, nbf: iat + 120, exp: iat + 600 });
    await rejects(verifyJwt(early, options()), "ERR_JWT_NOT_YET_VALID");
    const later = options({ currentDate: new Date((iat + 130) * 1000) });
    assert.equal(await checks(() => verifyJwt(early, later)), 1);
  });

  test("tokenCache: false checks every token in full; bad values are refused", async () => {
    const token = await sign(pair);
    const off = options({ tokenCache: false });
    await verifyJwt(token, off);
    assert.equal(await checks(() => verifyJwt(token, off)), 1);
    assert.equal(cachedTokenCount(off), 0);
    for (const tokenCache of [{ maxEntries: 0 }, { maxEntries: 1.5 }, { maxEntries: "9" }, { size: 3 }, 5, "yes"]) {
      await rejects(verifyJwt(token, options({ tokenCache })), "ERR_INVALID_OPTIONS");
    }
  });

  test("bounded: the least recently used token goes first", async () => {
    const opts = options({ tokenCache: { maxEntries: 3 }, audience: [AUD, "lru"] });
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map((i) => sign(pair, { jti: `t${i}` })));
    for (const t of [a, b, c]) await verifyJwt(t, opts);
    assert.equal(await checks(() => verifyJwt(a, opts)), 0); // a is now the most recent
    await verifyJwt(d, opts); // evicts b
    assert.equal(cachedTokenCount(opts), 3);
    assert.equal(await checks(() => verifyJwt(a, opts)), 0);
    assert.equal(await checks(() => verifyJwt(b, opts)), 1);
  });

  test("memory stays bounded under 100,000 distinct tokens", async () => {
    const secret = Buffer.from("a-shared-secret-of-thirty-two-bytes!");
    const jwk = { kty: "oct", k: secret.toString("base64url"), alg: "HS256", kid: "h" };
    const opts = { jwks: { keys: [jwk] }, issuer: ISS, audience: AUD, algorithms: ["HS256"] };
    const head = Buffer.from(JSON.stringify({ alg: "HS256", kid: "h" })).toString("base64url");
    const exp = now() + 600;
    const hs = (i) => {
      const input = `${head}.${Buffer.from(JSON.stringify({ iss: ISS, aud: AUD, exp, jti: i })).toString("base64url")}`;
      return `${input}.${createHmac("sha256", secret).update(input).digest("base64url")}`;
    };
    let maxSeen = 0;
    for (let i = 0; i < 100_000; i += 100) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => verifyJwt(hs(i + j), opts)));
      maxSeen = Math.max(maxSeen, cachedTokenCount(opts));
    }
    assert.equal(maxSeen, 1000);
    // The last thousand are the ones kept.
    assert.equal(await checks(() => verifyJwt(hs(99_999), opts)), 0);
    assert.equal(await checks(() => verifyJwt(hs(98_999), opts)), 1);
  });
});

describe("verified-token cache with a JwksClient", () => {
  let server;
  let body;
  let url;
  before(async () => {
    server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${server.address().port}/certs`;
  });
  after(() => server.close());

  test("an entry goes when its key leaves the key set, or changes under the same kid", async () => {
    const [k1, k2] = [await keyPair("k1"), await keyPair("k2")];
    body = JSON.stringify({ keys: [k1.jwk, k2.jwk] });
    const jwks = new JwksClient({ jwksUri: url, allowInsecureHttp: true, cooldownSeconds: 0 });
    const options = { jwks, issuer: ISS, audience: AUD };
    const [t1, t2] = [await sign(k1), await sign(k2)];
    await verifyJwt(t1, options);
    await verifyJwt(t2, options);
    assert.equal(await checks(() => Promise.all([verifyJwt(t1, options), verifyJwt(t2, options)])), 0);
    // k1 leaves the set.
    body = JSON.stringify({ keys: [k2.jwk] });
    await jwks.reload();
    await rejects(verifyJwt(t1, options), "ERR_JWKS_NO_KEY");
    // k2 is unchanged: verified once against the new set, then kept.
    assert.equal(await checks(() => verifyJwt(t2, options)), 1);
    assert.equal(await checks(() => verifyJwt(t2, options)), 0);
    // k2 changes under the same kid: t2's signature no longer holds.
    const k2b = await keyPair("k2");
    body = JSON.stringify({ keys: [k2b.jwk] });
    await jwks.reload();
    await rejects(verifyJwt(t2, options), "ERR_JWT_SIGNATURE");
    jwks.free();
  });

  test("authorizeRequest takes the access token from the cache", async () => {
    const k = await keyPair("k3");
    body = JSON.stringify({ keys: [k.jwk] });
    const jwks = new JwksClient({ jwksUri: url, allowInsecureHttp: true });
    const options = { jwks, issuer: ISS, audience: AUD, scopes: ["archives:read"] };
    const token = await sign(k, { scope: "archives:read" });
    const request = () => new Request("https://api.example/archives", { headers: { authorization: `Bearer ${token}` } });
    assert.equal((await authorizeRequest(request(), options)).ok, true);
    let answer;
    assert.equal(await checks(async () => (answer = await authorizeRequest(request(), options))), 0);
    assert.equal(answer.ok, true);
    assert.equal(answer.payload.sub, "svc");
    jwks.free();
  });
});
