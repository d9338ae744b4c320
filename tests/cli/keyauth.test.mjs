// `--private-key FILE` (private_key_jwt, RFC 7523), client_secret_jwt,
// `--basic-encoding` and `--dpop` (RFC 9449)
// from the command line, passed straight through to the library, against
// oidc-provider clients registered for them. The small fetch of the command
// line carries the assertion, the proof and the server's DPoP nonce.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startFaultServer } from "../support/fault-server.mjs";
import { baseEnv, cliRunner } from "./support.mjs";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const stranger = generateKeyPairSync("ec", { namedCurve: "P-256" });
const publicJwk = (pair, kid) => ({ ...pair.publicKey.export({ format: "jwk" }), kid, use: "sig" });
const privateJwk = (pair, kid) => ({ ...pair.privateKey.export({ format: "jwk" }), kid });
const pem = (pair) => pair.privateKey.export({ format: "pem", type: "pkcs8" });

const KEY_CLIENT = { clientId: "cli-key-client", authMethod: "private_key_jwt", metadata: { jwks: { keys: [publicJwk(ec, "ec-1"), publicJwk(rsa, "rsa-1")] } } };
const SECRET_JWT = { clientId: "cli-secret-jwt", clientSecret: "cli-secret-jwt-secret-0123456789abcdef", authMethod: "client_secret_jwt" };
/** A plain id with a secret that form-encoding changes ('+', '%', ' ', '&'). */
const SPECIAL = { clientId: "cli-special", clientSecret: "s3cr+t%20 x&y", authMethod: "client_secret_basic" };
const BOUND = { clientId: "cli-dpop-client", clientSecret: "cli-dpop-secret-5e9a", authMethod: "client_secret_basic", metadata: { dpop_bound_access_tokens: true } };

let as;
let nonceAs;
let faults;
let tmp;
const files = {};

before(async () => {
  [as, nonceAs, faults] = await Promise.all([
    startAuthServer({ clients: { key: KEY_CLIENT, secretJwt: SECRET_JWT, special: SPECIAL, bound: BOUND } }),
    startAuthServer({ clients: { bound: BOUND }, dpopNonce: true }),
    startFaultServer(),
  ]);
  tmp = mkdtempSync(join(tmpdir(), "cc-cli-key-"));
  const write = (name, text) => {
    files[name] = join(tmp, name);
    writeFileSync(files[name], text, { mode: 0o600 });
  };
  write("ec.pem", pem(ec));
  write("rsa.jwk.json", JSON.stringify(privateJwk(rsa, "rsa-1")));
  write("stranger.pem", pem(stranger));
  write("public.pem", ec.publicKey.export({ format: "pem", type: "spki" }));
});

after(async () => {
  await Promise.all([as?.close(), nonceAs?.close(), faults?.close()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const keyEnv = (extra = {}) => baseEnv({ CC_TOKEN_URL: as.tokenUrl, CC_CLIENT_ID: KEY_CLIENT.clientId, ...extra });
const boundEnv = (server, extra = {}) => baseEnv({ CC_TOKEN_URL: server.tokenUrl, CC_CLIENT_ID: BOUND.clientId, CLIENT_SECRET: BOUND.clientSecret, ...extra });

const { cli, tokens, scan } = cliRunner(() => keyEnv());

describe("private_key_jwt: --private-key FILE", () => {
  test("a PKCS#8 PEM (ES256) and a private JWK (RS256): a token, no secret needed", async () => {
    for (const file of [files["ec.pem"], files["rsa.jwk.json"]]) {
      const r = await cli(["token", "--private-key", file], { tokenAllowed: true });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, "");
      tokens.add(r.stdout.trim());
      assert.equal(decodeJwt(r.stdout.trim()).payload.client_id, KEY_CLIENT.clientId);
      assert.equal(as.stats.grants.at(-1).authMethod, "jwt");
    }
  });

  test("a key the server does not know: exit 1, ERR_OAUTH invalid_client", async () => {
    const r = await cli(["token", "--private-key", files["stranger.pem"]]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ERR_OAUTH: .*invalid_client/);
  });

  test("a public key, a missing file: exit 2 before any request", async () => {
    const requests = as.stats.tokenRequests;
    const pub = await cli(["token", "--private-key", files["public.pem"]]);
    assert.equal(pub.code, 2, pub.stderr);
    assert.match(pub.stderr, /ERR_INVALID_OPTIONS: /);
    const missing = await cli(["token", "--private-key", join(tmp, "nope.pem")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --private-key .*nope\.pem: ENOENT/);
    assert.equal(as.stats.tokenRequests, requests);
  });
});

describe("client_secret_jwt: --auth-method client_secret_jwt", () => {
  test("an HS256 assertion made with the secret from the environment; a wrong secret exits 1", async () => {
    const env = baseEnv({ CC_TOKEN_URL: as.tokenUrl, CC_CLIENT_ID: SECRET_JWT.clientId, CLIENT_SECRET: SECRET_JWT.clientSecret });
    const r = await cli(["token", "--auth-method", "client_secret_jwt"], { env, tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    tokens.add(r.stdout.trim());
    assert.equal(as.stats.grants.at(-1).authMethod, "jwt");
    const wrong = await cli(["token", "--auth-method", "client_secret_jwt"], { env: { ...env, CLIENT_SECRET: "wrong-secret-jwt-canary" } });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /ERR_OAUTH: .*invalid_client/);
  });
});

describe("--basic-encoding", () => {
  test("raw sends the secret as it is: fine for a plain secret, refused by a server that decodes (RFC 6749 §2.3.1) for a special one", async () => {
    const plain = await cli(["token", "--basic-encoding", "raw"], { env: boundEnv(as, { CC_CLIENT_ID: "archival-service", CLIENT_SECRET: as.clients.basic.clientSecret }), tokenAllowed: true });
    assert.equal(plain.code, 0, plain.stderr);
    tokens.add(plain.stdout.trim());
    const { clientId, clientSecret } = SPECIAL;
    const env = boundEnv(as, { CC_CLIENT_ID: clientId, CLIENT_SECRET: clientSecret });
    const form = await cli(["token", "--basic-encoding", "form"], { env, tokenAllowed: true });
    assert.equal(form.code, 0, form.stderr);
    tokens.add(form.stdout.trim());
    const raw = await cli(["token", "--basic-encoding", "raw"], { env });
    assert.equal(raw.code, 1, raw.stderr);
    assert.match(raw.stderr, /ERR_OAUTH: .*invalid_client/);
    const bad = await cli(["token", "--basic-encoding", "base64"], { env });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /ERR_INVALID_OPTIONS: .*basicEncoding/);
  });
});

describe("DPoP: --dpop", () => {
  test("token --dpop --json: a DPoP token bound to the proof's key (cnf.jkt), with a warning that the key ends with the command", async () => {
    const r = await cli(["token", "--dpop", "--json"], { env: boundEnv(as), tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^warning: --dpop: the token is bound to a key pair that ends with this command/);
    const result = JSON.parse(r.stdout);
    tokens.add(result.accessToken);
    assert.equal(result.tokenType, "DPoP");
    assert.equal(typeof decodeJwt(result.accessToken).payload.cnf?.jkt, "string");
  });

  test("a server that requires a nonce: the retry with its DPoP-Nonce goes through the command line's fetch", async () => {
    const r = await cli(["token", "--dpop"], { env: boundEnv(nonceAs), tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    tokens.add(r.stdout.trim());
    assert.ok(decodeJwt(r.stdout.trim()).payload.cnf?.jkt);
  });

  test("a client that must use DPoP, without --dpop: exit 1", async () => {
    const r = await cli(["token"], { env: boundEnv(as) });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /ERR_OAUTH: /);
  });

  test("call --dpop sends Authorization: DPoP and a proof with ath", async () => {
    const r = await cli(["call", "--dpop", faults.url("/echo")], { env: boundEnv(as), tokenAllowed: true, echoed: true });
    assert.equal(r.code, 0, r.stderr);
    const { headers } = JSON.parse(r.stdout).echo;
    assert.match(headers.authorization, /^DPoP ey/);
    tokens.add(headers.authorization.slice(5));
    const proof = decodeJwt(headers.dpop);
    assert.equal(proof.header.typ, "dpop+jwt");
    assert.equal(typeof proof.payload.ath, "string");
  });
});

describe("secret hygiene", () => {
  test("no private key material, no secret, no token on stderr", () => {
    const keyParts = [ec, rsa, stranger].flatMap((pair) => {
      const jwk = pair.privateKey.export({ format: "jwk" });
      return [jwk.d, pem(pair).split("\n")[1]];
    });
    const secrets = [BOUND.clientSecret, SECRET_JWT.clientSecret, "wrong-secret-jwt-canary", ...Object.values(as.clients).map((c) => c.clientSecret)];
    scan([...secrets, ...keyParts], [BOUND.clientId, SECRET_JWT.clientId, ...Object.values(as.clients).map((c) => c.clientId)], { minRuns: 14, minTokens: 8 });
  });
});
