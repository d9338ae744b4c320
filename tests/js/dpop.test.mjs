// DPoP (RFC 9449) against a real authorization server (oidc-provider with
// `features.dPoP`, clients with `dpop_bound_access_tokens`), and `client.fetch`
// against an API that checks proofs with jose, through the built package.
//
// Proofs are read off the wire by wrapping the global `fetch`, the library's one
// caller of it.

import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { createHash } from "node:crypto";
import { EmbeddedJWK, calculateJwkThumbprint, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { TokenClient, decodeJwt, fetchClientCredentialsToken } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { listen } from "../../scripts/net.mjs";

const BOUND = { clientId: "archival-service-dpop", clientSecret: "dpop-secret-7c1e", authMethod: "client_secret_basic", metadata: { dpop_bound_access_tokens: true } };
const DPOP_ALGS = ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"];

let as;
/** A second server that requires the server's nonce in every proof (RFC 9449 §8). */
let nonceAs;
let api;
/** Token requests seen: `{ url, dpop, form }`. */
let sent = [];
const realFetch = globalThis.fetch;

before(async () => {
  [as, nonceAs] = await Promise.all([startAuthServer({ clients: { bound: BOUND } }), startAuthServer({ clients: { bound: BOUND }, dpopNonce: true })]);
  api = await startDpopApi(as);
  globalThis.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.startsWith(as.tokenUrl) || url.startsWith(nonceAs.tokenUrl)) {
      sent.push({ url, dpop: init?.headers?.dpop, form: new URLSearchParams(init?.body) });
    }
    return realFetch(input, init);
  };
});

after(async () => {
  globalThis.fetch = realFetch;
  await Promise.all([as?.close(), nonceAs?.close(), api?.close()]);
});

beforeEach(() => {
  sent = [];
});

function options(server, extra = {}) {
  return { tokenUrl: server.tokenUrl, clientId: BOUND.clientId, clientSecret: BOUND.clientSecret, ...extra };
}

/** A proof's parts, after checking what every token request's proof must hold (RFC 9449 §4.2). */
function checkProof(proof, url) {
  const { header, payload } = decodeJwt(proof);
  assert.equal(header.typ, "dpop+jwt");
  assert.equal(header.jwk.d, undefined, "the public key only");
  assert.equal(payload.htm, "POST");
  assert.equal(payload.htu, url);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 5);
  assert.match(payload.jti, /^[A-Za-z0-9_-]{22,}$/);
  return { header, payload };
}

describe("DPoP token requests", () => {
  test("dpop: true: a DPoP token bound to a key made for the client (cnf.jkt = its RFC 7638 thumbprint)", async () => {
    const client = new TokenClient(options(as, { dpop: true }));
    try {
      const token = await client.getToken();
      assert.equal(token.tokenType, "DPoP");
      assert.equal(token.raw.token_type, "DPoP");
      assert.equal(sent.length, 1);
      const { header } = checkProof(sent[0].dpop, as.tokenUrl);
      assert.equal(header.alg, "ES256");
      assert.equal(header.jwk.crv, "P-256");
      assert.equal(decodeJwt(token.accessToken).payload.cnf.jkt, await calculateJwkThumbprint(header.jwk));
      // The same key for the client's life, a new proof for every request.
      client.invalidate();
      await client.getToken();
      const second = checkProof(sent[1].dpop, as.tokenUrl);
      assert.deepEqual(second.header.jwk, header.jwk);
      assert.notEqual(second.payload.jti, decodeJwt(sent[0].dpop).payload.jti);
    } finally {
      client.free();
    }
  });

  for (const alg of DPOP_ALGS) {
    test(`dpop: { privateKey, publicKey } signing ${alg}`, async () => {
      const pair = await generateKeyPair(alg === "EdDSA" ? "Ed25519" : alg);
      const token = await fetchClientCredentialsToken(options(as, { dpop: pair }));
      assert.equal(token.tokenType, "DPoP");
      const { header } = checkProof(sent[0].dpop, as.tokenUrl);
      assert.equal(header.alg, alg);
      const thumbprint = await calculateJwkThumbprint(await exportJWK(pair.publicKey));
      assert.equal(decodeJwt(token.accessToken).payload.cnf.jkt, thumbprint);
    });
  }

  test("with private_key_jwt: an assertion and a proof in one request", async () => {
    const key = await generateKeyPair("ES256");
    const server = await startAuthServer({
      clients: { both: { clientId: "both", authMethod: "private_key_jwt", metadata: { jwks: { keys: [await exportJWK(key.publicKey)] }, dpop_bound_access_tokens: true } } },
    });
    try {
      const pair = await generateKeyPair("ES256");
      const token = await fetchClientCredentialsToken({ tokenUrl: server.tokenUrl, clientId: "both", authMethod: "private_key_jwt", privateKey: key.privateKey, dpop: pair });
      assert.equal(token.tokenType, "DPoP");
      assert.equal(server.stats.grants.at(-1).authMethod, "jwt");
      assert.ok(server.stats.grants.at(-1).dpop);
    } finally {
      await server.close();
    }
  });

  test("a client that must use DPoP, without it: ERR_OAUTH", async () => {
    const err = await fetchClientCredentialsToken(options(as)).catch((e) => e);
    assert.equal(err.code, "ERR_OAUTH", err.message);
    assert.equal(err.error, "invalid_grant");
    assert.equal(sent.length, 1);
    assert.equal(sent[0].dpop, undefined);
  });

  test("dpop: true needs a TokenClient, which keeps the key", async () => {
    const err = await fetchClientCredentialsToken(options(as, { dpop: true })).catch((e) => e);
    assert.equal(err.code, "ERR_INVALID_OPTIONS");
    assert.match(err.message, /TokenClient/);
    assert.equal(sent.length, 0);
  });

  test("a shared store with DPoP: refused, since each token is bound to its own client's key", () => {
    const store = { get: async () => undefined, set: async () => {}, delete: async () => {} };
    assert.throws(() => new TokenClient(options(as, { dpop: true, store })), (e) => e.code === "ERR_INVALID_OPTIONS" && /store can't share DPoP tokens/.test(e.message));
  });

  test("bad dpop options: ERR_INVALID_OPTIONS before any request", async () => {
    const pair = await generateKeyPair("ES256", { extractable: true });
    for (const [dpop, pattern] of [
      ["yes", /dpop must be true/],
      [{ privateKey: await exportJWK(pair.privateKey), publicKey: await exportJWK(pair.publicKey) }, /CryptoKeyPair/],
      [{ privateKey: pair.publicKey, publicKey: pair.publicKey }, /dpop.privateKey must be a private CryptoKey/],
    ]) {
      // A wrong type is refused by the constructor, a wrong key by getToken().
      let client;
      const err = await (async () => {
        client = new TokenClient(options(as, { dpop }));
        return client.getToken();
      })().catch((e) => e);
      assert.equal(err.code, "ERR_INVALID_OPTIONS", err.message);
      assert.match(err.message, pattern);
      client?.free();
    }
    assert.equal(sent.length, 0);
  });

  test("use_dpop_nonce: one retry with the server's nonce, which is kept for the next request", async () => {
    const client = new TokenClient(options(nonceAs, { dpop: true }));
    try {
      const token = await client.getToken();
      assert.equal(token.tokenType, "DPoP");
      assert.equal(sent.length, 2, "the first proof had no nonce; the retry had it");
      assert.equal(decodeJwt(sent[0].dpop).payload.nonce, undefined);
      const nonce = decodeJwt(sent[1].dpop).payload.nonce;
      assert.equal(typeof nonce, "string");
      client.invalidate();
      await client.getToken();
      assert.equal(sent.length, 3, "the kept nonce served at once");
      assert.equal(typeof decodeJwt(sent[2].dpop).payload.nonce, "string");
    } finally {
      client.free();
    }
  });

  test("use_dpop_nonce without a DPoP-Nonce header: no retry, ERR_OAUTH", async () => {
    as.failNext(1, { status: 400, body: { error: "use_dpop_nonce", error_description: "nonce required" } });
    const client = new TokenClient(options(as, { dpop: true }));
    const err = await client.getToken().catch((e) => e);
    client.free();
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "use_dpop_nonce");
    assert.equal(sent.length, 1);
  });
});

describe("client.fetch with a DPoP token", () => {
  test("Authorization: DPoP and a proof with ath; the API's nonce request answered once, the nonce kept", async () => {
    const client = new TokenClient(options(as, { dpop: true }));
    try {
      api.requireNonce = true;
      const first = api.requests.length;
      const res = await client.fetch(api.url("/data?x=1#frag"));
      assert.equal(res.status, 200, await res.clone().text());
      const body = await res.json();
      assert.equal(body.scheme, "DPoP");
      assert.equal(body.htu, api.url("/data"));
      assert.equal(api.requests.length - first, 2, "401 use_dpop_nonce, then the retry");
      const again = await client.fetch(api.url("/data"), { method: "POST", body: "x" });
      assert.equal(again.status, 200, await again.clone().text());
      assert.equal((await again.json()).htm, "POST");
      assert.equal(api.requests.length - first, 3, "the kept nonce served at once");
    } finally {
      api.requireNonce = false;
      client.free();
    }
  });

  test("a Bearer token from a client without DPoP is sent as Bearer, and this API refuses it", async () => {
    const server = await startAuthServer();
    try {
      const client = new TokenClient({ tokenUrl: server.tokenUrl, clientId: server.clients.basic.clientId, clientSecret: server.clients.basic.clientSecret });
      const res = await client.fetch(api.url("/data"));
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate"), /^DPoP/);
      client.free();
    } finally {
      await server.close();
    }
  });
});

/**
 * An API that accepts only DPoP-bound tokens of `as` with a valid proof
 * (RFC 9449 §7): the token verified against the server's JWKS, the proof
 * against its own embedded key, whose thumbprint must be the token's cnf.jkt,
 * with htm, htu, ath and, when `requireNonce` is set, the API's nonce.
 */
async function startDpopApi(authServer) {
  const jwks = createRemoteJWKSet(new URL(authServer.jwksUri));
  const nonce = "api-nonce-1";
  const state = { requests: [], requireNonce: false };
  const server = http.createServer(async (req, res) => {
    state.requests.push({ method: req.method, url: req.url, headers: req.headers });
    for await (const _ of req);
    const refuse = (error, headers = {}) => {
      res.writeHead(401, { "www-authenticate": `DPoP error="${error}"`, ...headers });
      res.end();
    };
    const [scheme, token] = (req.headers.authorization ?? "").split(" ");
    if (scheme !== "DPoP" || !req.headers.dpop) return refuse("invalid_token");
    try {
      const { payload: claims } = await jwtVerify(token, jwks, { issuer: authServer.issuer });
      const { payload, protectedHeader } = await jwtVerify(req.headers.dpop, EmbeddedJWK, { typ: "dpop+jwt", maxTokenAge: 60 });
      const htu = `${origin}${req.url.split("?")[0]}`;
      const ath = createHash("sha256").update(token).digest("base64url");
      if (payload.htm !== req.method || payload.htu !== htu || payload.ath !== ath) return refuse("invalid_dpop_proof");
      if ((await calculateJwkThumbprint(protectedHeader.jwk)) !== claims.cnf?.jkt) return refuse("invalid_token");
      if (state.requireNonce && payload.nonce !== nonce) return refuse("use_dpop_nonce", { "dpop-nonce": nonce });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ scheme, htm: payload.htm, htu: payload.htu }));
    } catch {
      refuse("invalid_token");
    }
  });
  const port = await listen(server, 0, "127.0.0.1");
  const origin = `http://127.0.0.1:${port}`;
  return Object.assign(state, {
    url: (path) => `${origin}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
