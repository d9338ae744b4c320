// authorizeRequest against Keycloak's DPoP-bound tokens (a client with
// "Require DPoP bound tokens", made through the admin REST API): our
// TokenClient's client.fetch gets through, with the proofs it makes for the
// API; the same token as Bearer, or with a proof by another key, does not.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { JwksClient, TokenClient, decodeJwt } from "client-credentials";
import { startKeycloak } from "../../scripts/keycloak.mjs";
import { startAuthorizingApi } from "../support/authorizing-api.mjs";
import { createServiceClient } from "../support/keycloak-clients.mjs";

const run = Math.random().toString(36).slice(2, 8);
const DPOP = `authorize-dpop-${run}`;
const SECRET = "kc-authorize-dpop-3e9b";

let kc;
let api;

before(async () => {
  kc = await startKeycloak();
  await createServiceClient(kc, DPOP, "client-secret", { "dpop.bound.access.tokens": "true" }, SECRET);
  api = await startAuthorizingApi({ jwks: new JwksClient({ issuer: kc.issuer }), issuer: kc.issuer, audience: false, authorizedParty: DPOP });
});

after(async () => {
  await api?.close();
  await kc?.stop();
});

describe("authorizeRequest and Keycloak's DPoP-bound tokens", () => {
  test("client.fetch with dpop gets through; the token as Bearer, or with another key's proof, does not", async () => {
    const pair = await generateKeyPair("ES256");
    const client = new TokenClient({ tokenUrl: kc.tokenUrl, clientId: DPOP, clientSecret: SECRET, dpop: pair });
    try {
      const res = await client.fetch(api.url("/archives?page=1"));
      assert.equal(res.status, 200, await res.clone().text());
      const token = (await client.getToken()).accessToken;
      assert.equal((await res.json()).jkt, decodeJwt(token).payload.cnf.jkt);

      const bearer = await fetch(api.url("/archives"), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(bearer.status, 401);
      assert.match(bearer.headers.get("www-authenticate"), /^DPoP error="invalid_token"/);

      const other = await generateKeyPair("ES256");
      const ath = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString("base64url");
      const proof = await new SignJWT({ jti: crypto.randomUUID(), htm: "GET", htu: api.url("/archives"), iat: Math.floor(Date.now() / 1000), ath })
        .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: await exportJWK(other.publicKey) })
        .sign(other.privateKey);
      const stolen = await fetch(api.url("/archives"), { headers: { authorization: `DPoP ${token}`, dpop: proof } });
      const body = await stolen.text();
      assert.equal(stolen.status, 401);
      assert.match(stolen.headers.get("www-authenticate"), /^DPoP error="invalid_dpop_proof"/);
      assert.match(JSON.parse(body).error_description, /cnf\.jkt/);
      assert.ok(!body.includes(token) && !body.includes(proof));
    } finally {
      client.free();
    }
  });
});
