// verifyJwt against tokens signed by an independent implementation (jose), for every
// algorithm; the header, key and claim rules; the attacks of the list; the role
// and scope helpers; and authorizeRequest's answers (RFC 6750 §3). Remote key sets
// (JwksClient, oidc-provider, rotation, floods) are in jwks.test.mjs.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { authorizeRequest, clientRoles, realmRoles, scopes, verifyJwt } from "client-credentials";
import { SignJWT, exportJWK, generateKeyPair, base64url } from "jose";

const ISS = "https://sso.example/realms/sivalabs";
const AUD = "archive-api";
const ASYMMETRIC = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

const keys = {}; // alg → { privateKey, publicKey, jwk }
before(async () => {
  for (const alg of ASYMMETRIC) {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
    keys[alg] = { privateKey, publicKey, jwk: { ...(await exportJWK(publicKey)), kid: `${alg}-1`, use: "sig", alg } };
  }
});

const now = () => Math.floor(Date.now() / 1000);
const jwksOf = (...algs) => ({ keys: algs.map((a) => keys[a].jwk) });
const options = (extra = {}) => ({ jwks: jwksOf(...ASYMMETRIC), issuer: ISS, audience: AUD, ...extra });

/** A token signed by jose. */
function sign(alg, claims = {}, header = {}, key = keys[alg].privateKey) {
  return new SignJWT({ iss: ISS, aud: AUD, iat: now(), exp: now() + 300, ...claims })
    .setProtectedHeader({ alg, kid: `${alg}-1`, ...header })
    .sign(key);
}

const SUBTLE = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  HS256: { name: "HMAC" },
};

/** A token built by hand (any header, any payload text), signed with WebCrypto. */
async function handMade(header, payloadText, alg = "RS256", key = keys.RS256.privateKey) {
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(payloadText)}`;
  const signature = new Uint8Array(await crypto.subtle.sign(SUBTLE[alg], key, new TextEncoder().encode(input)));
  return `${input}.${base64url.encode(signature)}`;
}

async function rejects(promise, code, claim) {
  await assert.rejects(promise, (e) => {
    assert.equal(e.name, "ClientCredentialsError");
    assert.equal(e.code, code, e.message);
    if (claim !== undefined) assert.equal(e.claim, claim);
    return true;
  });
}

describe("tokens signed by jose, every algorithm", () => {
  for (const alg of ASYMMETRIC) {
    test(`${alg}: a JWKS object, the JWK, and the CryptoKey`, async () => {
      const token = await sign(alg, { sub: "service-account-archival-service" });
      const fromSet = await verifyJwt(token, options());
      assert.equal(fromSet.header.alg, alg);
      assert.equal(fromSet.payload.sub, "service-account-archival-service");
      assert.equal((await verifyJwt(token, options({ jwks: undefined, key: keys[alg].jwk }))).payload.iss, ISS);
      assert.equal((await verifyJwt(token, options({ jwks: undefined, key: keys[alg].publicKey }))).payload.aud, AUD);
      assert.equal((await verifyJwt(token, options({ algorithms: [alg] }))).header.kid, `${alg}-1`);
      // Another key of the same type, same kid: the signature does not verify.
      const other = await generateKeyPair(alg, { extractable: true });
      const forged = await sign(alg, {}, {}, other.privateKey);
      await rejects(verifyJwt(forged, options()), "ERR_JWT_SIGNATURE");
    });
  }

  test("HS256 only when listed, and only with a secret key", async () => {
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const jwk = { kty: "oct", k: base64url.encode(secret), kid: "h" };
    const hmac = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    const token = await sign("HS256", {}, { kid: "h" }, secret);
    await rejects(verifyJwt(token, options({ jwks: { keys: [jwk] } })), "ERR_JWT_ALG");
    const listed = options({ jwks: { keys: [jwk] }, algorithms: ["HS256"] });
    assert.equal((await verifyJwt(token, listed)).header.alg, "HS256");
    assert.equal((await verifyJwt(token, { ...listed, jwks: undefined, key: hmac })).header.alg, "HS256");
    await rejects(verifyJwt(token, { ...listed, jwks: undefined, key: keys.RS256.publicKey }), "ERR_JWT_ALG");
  });
});

describe("attacks that must fail", () => {
  test("alg none, with or without a signature", async () => {
    const payload = JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60 });
    const input = `${base64url.encode('{"alg":"none"}')}.${base64url.encode(payload)}`;
    await rejects(verifyJwt(`${input}.`, options()), "ERR_JWT_ALG");
    await rejects(verifyJwt(`${input}.c2ln`, options({ algorithms: ["RS256"] })), "ERR_JWT_ALG");
  });

  test("HS256 signed with the RSA public key's bytes", async () => {
    const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.RS256.publicKey));
    const pem = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(spki).toString("base64")}\n-----END PUBLIC KEY-----\n`;
    for (const secret of [spki, new TextEncoder().encode(pem)]) {
      const token = await sign("HS256", {}, { kid: "RS256-1" }, secret);
      await rejects(verifyJwt(token, options()), "ERR_JWT_ALG");
      // Even when HS256 is listed, an RSA key never serves as an HMAC secret.
      await rejects(verifyJwt(token, options({ algorithms: ["RS256", "HS256"] })), "ERR_JWKS_NO_KEY");
      await rejects(verifyJwt(token, options({ jwks: undefined, key: keys.RS256.jwk, algorithms: ["RS256", "HS256"] })), "ERR_JWT_ALG");
    }
  });

  test("a DER-encoded ECDSA signature, and an all-zero one", async () => {
    const token = await sign("ES256");
    const [h, p, s] = token.split(".");
    const raw = base64url.decode(s);
    const int = (b) => {
      let i = 0;
      while (i < b.length - 1 && b[i] === 0) i++;
      b = b.slice(i);
      return b[0] & 0x80 ? [0x02, b.length + 1, 0, ...b] : [0x02, b.length, ...b];
    };
    const body = [...int(raw.slice(0, 32)), ...int(raw.slice(32))];
    const der = Uint8Array.from([0x30, body.length, ...body]);
    await rejects(verifyJwt(`${h}.${p}.${base64url.encode(der)}`, options()), "ERR_JWT_SIGNATURE");
    await rejects(verifyJwt(`${h}.${p}.${base64url.encode(new Uint8Array(64))}`, options()), "ERR_JWT_SIGNATURE");
    // r = 0 with a real s, too.
    const zeroR = new Uint8Array(64);
    zeroR.set(raw.slice(32), 32);
    await rejects(verifyJwt(`${h}.${p}.${base64url.encode(zeroR)}`, options()), "ERR_JWT_SIGNATURE");
    // The untouched token verifies, so the failures above are the signatures' own.
    assert.equal((await verifyJwt(token, options())).header.alg, "ES256");
  });

  test("a signature moved from another token", async () => {
    const a = await sign("RS256", { sub: "a" });
    const b = await sign("RS256", { sub: "b", realm_access: { roles: ["admin"] } });
    const moved = `${b.split(".").slice(0, 2).join(".")}.${a.split(".")[2]}`;
    await rejects(verifyJwt(moved, options()), "ERR_JWT_SIGNATURE");
  });

  test("duplicate claim names, crit and an unencoded payload", async () => {
    const dup = `{"iss":"${ISS}","aud":"${AUD}","exp":${now() + 60},"sub":"user","sub":"admin"}`;
    await rejects(verifyJwt(await handMade({ alg: "RS256", kid: "RS256-1" }, dup), options()), "ERR_INVALID_JWT");
    const good = JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60 });
    await rejects(verifyJwt(await handMade({ alg: "RS256", kid: "RS256-1", crit: ["http://x"], "http://x": 1 }, good), options()), "ERR_INVALID_JWT");
    await rejects(verifyJwt(await handMade({ alg: "RS256", kid: "RS256-1", b64: false, crit: ["b64"] }, good), options()), "ERR_INVALID_JWT");
    assert.equal((await verifyJwt(await handMade({ alg: "RS256", kid: "RS256-1" }, good), options())).payload.iss, ISS);
  });

  test("jwk, jku, x5u and x5c headers are ignored: never trusted, never fetched", async () => {
    let fetched = 0;
    const server = http.createServer((req, res) => {
      fetched++;
      res.end(JSON.stringify({ keys: [] }));
    });
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${server.address().port}/jwks`;
      const attacker = await generateKeyPair("RS256", { extractable: true });
      const header = { alg: "RS256", kid: "RS256-1", jwk: await exportJWK(attacker.publicKey), jku: url, x5u: url, x5c: ["MIIB"] };
      const token = await handMade(header, JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60 }), "RS256", attacker.privateKey);
      await rejects(verifyJwt(token, options()), "ERR_JWT_SIGNATURE");
      const honest = await handMade(header, JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60 }));
      assert.equal((await verifyJwt(honest, options())).payload.iss, ISS);
      assert.equal(fetched, 0);
    } finally {
      server.close();
    }
  });
});

describe("keys", () => {
  test("RSA keys under 2048 bits are refused", async () => {
    const small = await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, true, ["sign", "verify"]);
    const jwk = { ...(await exportJWK(small.publicKey)), kid: "small" };
    // jose refuses to sign with it, so WebCrypto signs.
    const token = await handMade({ alg: "RS256", kid: "small" }, JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 60 }), "RS256", small.privateKey);
    await rejects(verifyJwt(token, options({ jwks: { keys: [jwk] } })), "ERR_JWKS_NO_KEY");
    await rejects(verifyJwt(token, options({ jwks: undefined, key: jwk })), "ERR_JWT_ALG");
    await rejects(verifyJwt(token, options({ jwks: undefined, key: small.publicKey })), "ERR_JWT_ALG");
  });

  test("keys whose use, key_ops or alg do not fit are skipped; every fitting key is tried", async () => {
    const token = await sign("RS256");
    const jwk = keys.RS256.jwk;
    for (const misfit of [{ use: "enc" }, { key_ops: ["encrypt"] }, { alg: "RS512" }]) {
      await rejects(verifyJwt(token, options({ jwks: { keys: [{ ...jwk, ...misfit }] } })), "ERR_JWKS_NO_KEY");
    }
    const other = { ...(await exportJWK((await generateKeyPair("RS256")).publicKey)), kid: "RS256-1" };
    assert.equal((await verifyJwt(token, options({ jwks: { keys: [other, jwk] } }))).header.kid, "RS256-1");
    await rejects(verifyJwt(token, options({ jwks: { keys: [other] } })), "ERR_JWT_SIGNATURE");
  });

  test("an unknown kid", async () => {
    const token = await sign("ES256", {}, { kid: "nobody" });
    await rejects(verifyJwt(token, options()), "ERR_JWKS_NO_KEY");
  });

  test("a kid written with JSON escapes picks its key; a lone surrogate escape is refused", async () => {
    const signed = async (headerText) => {
      const input = `${base64url.encode(headerText)}.${base64url.encode(JSON.stringify({ iss: ISS, aud: AUD, exp: now() + 300 }))}`;
      const signature = new Uint8Array(await crypto.subtle.sign(SUBTLE.RS256, keys.RS256.privateKey, new TextEncoder().encode(input)));
      return `${input}.${base64url.encode(signature)}`;
    };
    // "RS256-\u0031" is "RS256-1": the only key it may pick, among keys of the same alg.
    const other = { ...keys.RS256.jwk, kid: "RS256-2", n: keys.RS512.jwk.n, e: keys.RS512.jwk.e };
    const escaped = await signed('{"alg":"RS256","kid":"RS256-\\u0031"}');
    const { header } = await verifyJwt(escaped, options({ jwks: { keys: [other, keys.RS256.jwk] } }));
    assert.equal(header.kid, "RS256-1");
    await rejects(verifyJwt(escaped, options({ jwks: { keys: [other] } })), "ERR_JWKS_NO_KEY");
    await rejects(verifyJwt(await signed('{"alg":"RS256","kid":"\\ud800"}'), options()), "ERR_INVALID_JWT");
  });
});

describe("order: structure, header, key, signature, then claims", () => {
  test("the claims of a token whose signature failed are never reported", async () => {
    const expired = await sign("RS256", { iss: "https://evil.example", exp: now() - 3600, iat: now() - 7200 });
    await rejects(verifyJwt(expired, options()), "ERR_JWT_CLAIM", "iss");
    const [h, p, s] = expired.split(".");
    const broken = `${h}.${p}.${s.startsWith("A") ? "B" : "A"}${s.slice(1)}`;
    await rejects(verifyJwt(broken, options()), "ERR_JWT_SIGNATURE");
    const unknownKid = await sign("RS256", { exp: now() - 3600 }, { kid: "x" });
    await rejects(verifyJwt(unknownKid, options()), "ERR_JWKS_NO_KEY");
    await rejects(verifyJwt("not.a.jwt!", options()), "ERR_INVALID_JWT");
    await rejects(verifyJwt(42, options()), "ERR_INVALID_JWT");
  });
});

describe("claims", () => {
  test("iss exactly", async () => {
    for (const iss of [`${ISS}/`, ISS.toUpperCase(), undefined]) {
      await rejects(verifyJwt(await sign("ES256", { iss }), options()), "ERR_JWT_CLAIM", "iss");
    }
  });

  test("aud: a string or an array, any one expected; false skips it", async () => {
    const arr = await sign("ES256", { aud: ["account", AUD] });
    assert.ok(await verifyJwt(arr, options()));
    assert.ok(await verifyJwt(arr, options({ audience: ["x", "account"] })));
    await rejects(verifyJwt(arr, options({ audience: "other" })), "ERR_JWT_CLAIM", "aud");
    await rejects(verifyJwt(await sign("ES256", { aud: undefined }), options()), "ERR_JWT_CLAIM", "aud");
    assert.ok(await verifyJwt(await sign("ES256", { aud: undefined }), options({ audience: false })));
  });

  test("exp required; nbf and iat in the future; tolerance; maxTokenAge; currentDate", async () => {
    await rejects(verifyJwt(await sign("EdDSA", { exp: undefined }), options()), "ERR_JWT_CLAIM", "exp");
    await rejects(verifyJwt(await sign("EdDSA", { exp: now() - 31 }), options()), "ERR_JWT_EXPIRED", "exp");
    assert.ok(await verifyJwt(await sign("EdDSA", { exp: now() - 20 }), options()));
    await rejects(verifyJwt(await sign("EdDSA", { exp: now() - 20 }), options({ clockToleranceSeconds: 0 })), "ERR_JWT_EXPIRED", "exp");
    await rejects(verifyJwt(await sign("EdDSA", { nbf: now() + 60 }), options()), "ERR_JWT_NOT_YET_VALID", "nbf");
    await rejects(verifyJwt(await sign("EdDSA", { iat: now() + 60 }), options()), "ERR_JWT_NOT_YET_VALID", "iat");
    await rejects(verifyJwt(await sign("EdDSA", { iat: now() - 100 }), options({ maxTokenAgeSeconds: 10 })), "ERR_JWT_EXPIRED", "iat");
    const token = await sign("EdDSA", { exp: now() + 300 });
    await rejects(verifyJwt(token, options({ currentDate: new Date(Date.now() + 3600_000) })), "ERR_JWT_EXPIRED", "exp");
    await rejects(verifyJwt(token, options({ currentDate: "tomorrow" })), "ERR_INVALID_OPTIONS");
  });

  test("typ (RFC 9068) and azp", async () => {
    const at = await sign("PS256", { azp: "archival-service" }, { typ: "at+jwt" });
    assert.ok(await verifyJwt(at, options({ typ: "at+jwt", authorizedParty: "archival-service" })));
    assert.ok(await verifyJwt(at, options({ typ: "application/at+jwt" })));
    await rejects(verifyJwt(await sign("PS256", {}, { typ: "JWT" }), options({ typ: "at+jwt" })), "ERR_JWT_CLAIM", "typ");
    await rejects(verifyJwt(at, options({ authorizedParty: "other" })), "ERR_JWT_CLAIM", "azp");
  });
});

describe("options", () => {
  test("bad options are ERR_INVALID_OPTIONS, before the token is read", async () => {
    const token = await sign("RS256");
    for (const bad of [
      { issuer: undefined },
      { audience: undefined },
      { audience: [] },
      { audience: 7 },
      { algorithms: ["none"] },
      { algorithms: "RS256,ES256" },
      { clockToleranceSeconds: -1 },
      { jwks: undefined },
      { key: keys.RS256.jwk },
      { jwks: "https://sso.example/certs" },
      { jwks: { keys: "x" } },
    ]) {
      await rejects(verifyJwt(token, options(bad)), "ERR_INVALID_OPTIONS");
    }
    await rejects(verifyJwt(token, null), "ERR_INVALID_OPTIONS");
  });

  test("the same options object may change between calls", async () => {
    const token = await sign("RS256");
    const opts = options();
    assert.ok(await verifyJwt(token, opts));
    opts.issuer = "https://other.example";
    await rejects(verifyJwt(token, opts), "ERR_JWT_CLAIM", "iss");
    opts.issuer = ISS;
    assert.ok(await verifyJwt(token, opts));
    // Arrays edited in place count as changes too.
    opts.algorithms = ["RS256", "ES256"];
    assert.ok(await verifyJwt(token, opts));
    opts.algorithms.splice(0, 1);
    await rejects(verifyJwt(token, opts), "ERR_JWT_ALG");
    opts.algorithms.push("RS256");
    assert.ok(await verifyJwt(token, opts));
    opts.audience = [AUD];
    assert.ok(await verifyJwt(token, opts));
    opts.audience[0] = "another-api";
    await rejects(verifyJwt(token, opts), "ERR_JWT_CLAIM", "aud");
  });

  test("an options object still works after its verifier was freed to make room for others", async () => {
    const token = await sign("RS256");
    const opts = options();
    assert.ok(await verifyJwt(token, opts));
    // More distinct option sets than the verifier cache holds (64): the cache is emptied and its verifiers freed.
    for (let i = 0; i < 70; i++) await rejects(verifyJwt(token, options({ issuer: `https://other-${i}.example` })), "ERR_JWT_CLAIM", "iss");
    assert.ok(await verifyJwt(token, opts));
  });
});

describe("realmRoles, clientRoles, scopes", () => {
  test("read Keycloak's claims and tolerate their absence", () => {
    const payload = {
      realm_access: { roles: ["default-roles-sivalabs", "archiver", 7] },
      resource_access: { "archive-api": { roles: ["reader"] }, account: { roles: ["view-profile"] } },
      scope: "openid  archive:read",
    };
    assert.deepEqual(realmRoles(payload), ["default-roles-sivalabs", "archiver"]);
    assert.deepEqual(clientRoles(payload, "archive-api"), ["reader"]);
    assert.deepEqual(clientRoles(payload, "constructor"), []);
    assert.deepEqual(clientRoles(payload, "missing"), []);
    assert.deepEqual(scopes(payload), ["openid", "archive:read"]);
    assert.deepEqual(scopes({ scp: ["a", "b"] }), ["a", "b"]);
    for (const empty of [{}, { realm_access: "x" }, { realm_access: { roles: "admin" } }, null, undefined]) {
      assert.deepEqual(realmRoles(empty), []);
      assert.deepEqual(clientRoles(empty, "archive-api"), []);
      assert.deepEqual(scopes(empty), []);
    }
  });
});

describe("authorizeRequest", () => {
  const api = "https://archive.example/api/archives";
  const req = (authorization) => new Request(api, { headers: authorization === undefined ? {} : { authorization } });
  const grants = { realm_access: { roles: ["archiver"] }, resource_access: { "archive-api": { roles: ["reader"] } }, scope: "archive:read" };

  async function refused(result, status, error, token) {
    assert.equal(result.ok, false);
    assert.equal(result.status, status);
    assert.equal(result.response.status, status);
    const challenge = result.response.headers.get("www-authenticate");
    const body = await result.response.text();
    if (error !== undefined) assert.equal(JSON.parse(body).error, error);
    if (token !== undefined) {
      assert.ok(!body.includes(token) && !String(challenge).includes(token));
      assert.ok(!body.includes(token.split(".")[1]));
    }
    return challenge;
  }

  test("a valid token with the required roles and scopes", async () => {
    const token = await sign("RS256", grants);
    const result = await authorizeRequest(req(`Bearer ${token}`), options({ realmRoles: ["archiver"], clientRoles: { "archive-api": ["reader"] }, scopes: ["archive:read"] }));
    assert.equal(result.ok, true);
    assert.equal(result.token, token);
    assert.equal(result.payload.scope, "archive:read");
    assert.equal(result.header.alg, "RS256");
    assert.equal((await authorizeRequest(req(`bearer ${token}`), options())).ok, true);
  });

  test("401 without a token: a Bearer challenge with no error code (RFC 6750 §3.1)", async () => {
    assert.equal(await refused(await authorizeRequest(req(undefined), options()), 401), "Bearer");
  });

  test("400 invalid_request for a malformed Bearer or DPoP header, the error in WWW-Authenticate too (RFC 6750 §3)", async () => {
    for (const header of ["Bearer", "Bearer ", "Bearer a b", "Bearer a,b", "bearer a b c"]) {
      const challenge = await refused(await authorizeRequest(req(header), options()), 400, "invalid_request");
      assert.match(challenge, /^Bearer error="invalid_request", error_description="[^"]+"$/, header);
    }
    const challenge = await refused(await authorizeRequest(req("DPoP a b"), options()), 400, "invalid_request");
    assert.match(challenge, /^DPoP error="invalid_request", error_description="[^"]+", algs="/);
  });

  test("401 with a bare Bearer challenge for another scheme's credentials or an empty header (RFC 6750 §3.1)", async () => {
    for (const header of ["Basic YTpi", "Token abc", "Bearerabc", "Negotiate", ""]) {
      const result = await authorizeRequest(req(header), options());
      assert.equal(await refused(result, 401), "Bearer", header);
    }
    const result = await authorizeRequest(req("Basic YTpi"), options({ realm: "archives" }));
    assert.equal(await refused(result, 401), 'Bearer realm="archives"');
  });

  test("401 invalid_token, never echoing the token", async () => {
    const expired = await sign("RS256", { exp: now() - 3600 });
    const challenge = await refused(await authorizeRequest(req(`Bearer ${expired}`), options()), 401, "invalid_token", expired);
    assert.match(challenge, /^Bearer error="invalid_token", error_description="the access token expired"$/);
    const forged = await sign("RS256", {}, {}, (await generateKeyPair("RS256")).privateKey);
    await refused(await authorizeRequest(req(`Bearer ${forged}`), options()), 401, "invalid_token", forged);
    await refused(await authorizeRequest(req("Bearer abc.def.ghi"), options()), 401, "invalid_token");
  });

  test("403 insufficient_scope when a role or scope is missing", async () => {
    const token = await sign("RS256", grants);
    for (const need of [{ realmRoles: ["admin"] }, { clientRoles: { "archive-api": ["writer"] } }, { clientRoles: { other: ["reader"] } }, { scopes: ["archive:write"] }]) {
      const challenge = await refused(await authorizeRequest(req(`Bearer ${token}`), options(need)), 403, "insufficient_scope", token);
      assert.match(challenge, /^Bearer error="insufficient_scope"/);
    }
    const challenge = await refused(await authorizeRequest(req(`Bearer ${token}`), options({ scopes: ["archive:write", "archive:read"] })), 403);
    assert.match(challenge, /scope="archive:write archive:read"$/);
  });

  test("realm names the protection space; a failing claim is named, its value never", async () => {
    const token = await sign("RS256", { iss: "https://evil.example" });
    const result = await authorizeRequest(req(`Bearer ${token}`), options({ realm: "archives" }));
    const challenge = await refused(result, 401, "invalid_token", token);
    assert.equal(challenge, 'Bearer realm="archives", error="invalid_token", error_description="the access token\'s iss is not accepted"');
    assert.equal(await refused(await authorizeRequest(req(undefined), options({ realm: "archives" })), 401), 'Bearer realm="archives"');
    await rejects(authorizeRequest(req(`Bearer ${token}`), options({ realm: 'a"b' })), "ERR_INVALID_OPTIONS");
  });

  test("bad options reject with ERR_INVALID_OPTIONS rather than blame the client", async () => {
    const token = await sign("RS256");
    await rejects(authorizeRequest(req(`Bearer ${token}`), options({ realmRoles: "admin" })), "ERR_INVALID_OPTIONS");
    await rejects(authorizeRequest(req(`Bearer ${token}`), options({ clientRoles: ["x"] })), "ERR_INVALID_OPTIONS");
    await rejects(authorizeRequest(req(`Bearer ${token}`), options({ issuer: undefined })), "ERR_INVALID_OPTIONS");
  });
});
