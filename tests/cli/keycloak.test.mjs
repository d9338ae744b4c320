// The command line against a real Keycloak (scripts/keycloak.mjs), realm
// `sivalabs` as the seed tutorial sets it up: the seed's curl call as one
// command, discovery, Keycloak's roles in the summary and in decode, the pipe
// into curl and `call` against the demo's protected API, Keycloak's refusals
// with their exit codes, "Signed JWT", "Signed JWT with client secret" and
// DPoP-bound clients, and a secret scan over every run's output.
// Keycloak starts once for the whole file.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "client-credentials";
import { REALM_FILE, startKeycloak } from "../../scripts/keycloak.mjs";
import { listen } from "../../scripts/net.mjs";
import { createServiceClient } from "../support/keycloak-clients.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { BIN, baseEnv, cliRunner, isJwt, stripAnsi } from "./support.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const secretOf = (id) => realm.clients.find((c) => c.clientId === id).secret;
const SEED = { clientId: "archival-service", clientSecret: secretOf("archival-service") };

let kc;
let api;
let tmp;
let jwksServer;
/** Clients made for this run through the admin REST API (the Keycloak may be shared with other suites). */
const run = Math.random().toString(36).slice(2, 8);
const SIGNED_JWT = `cli-signed-jwt-${run}`;
const SECRET_JWT = { clientId: `cli-secret-jwt-${run}`, secret: "cli-kc-hmac-secret-0123456789abcdef0123456789abcdef" };
const DPOP = { clientId: `cli-dpop-${run}`, secret: "cli-kc-dpop-secret-7f3b" };
const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" });

before(async () => {
  const jwks = { keys: [{ ...signingKey.publicKey.export({ format: "jwk" }), kid: "cli-ec", use: "sig", alg: "ES256" }] };
  jwksServer = http.createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify(jwks));
  });
  const jwksPort = await listen(jwksServer, 0, "127.0.0.1");
  kc = await startKeycloak();
  console.log(`# Keycloak ${kc.version} on Java ${kc.java}: ready in ${kc.startSeconds.toFixed(1)} s at ${kc.url}`);
  await createServiceClient(kc, SIGNED_JWT, "client-jwt", { "use.jwks.url": "true", "jwks.url": `http://127.0.0.1:${jwksPort}/jwks` });
  await createServiceClient(kc, SECRET_JWT.clientId, "client-secret-jwt", {}, SECRET_JWT.secret);
  await createServiceClient(kc, DPOP.clientId, "client-secret", { "dpop.bound.access.tokens": "true" }, DPOP.secret);
  api = await startResourceServer({ issuer: kc.issuer, port: 0, publicHost: "127.0.0.1" });
  tmp = mkdtempSync(join(tmpdir(), "cc-cli-kc-"));
  writeFileSync(join(tmp, "signing.pem"), signingKey.privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
});

after(async () => {
  await Promise.all([kc?.stop(), api?.close()]);
  jwksServer?.closeAllConnections();
  jwksServer?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The seed's client against this Keycloak, from the environment. */
const seedEnv = (extra = {}) => baseEnv({ CC_TOKEN_URL: kc.tokenUrl, CC_CLIENT_ID: SEED.clientId, CLIENT_SECRET: SEED.clientSecret, ...extra });

const { cli, underTerminal, tokens, scan } = cliRunner(() => seedEnv());

describe("the seed's curl call as one command", () => {
  test("token --auth-method client_secret_post: the access token alone; Keycloak recorded the grant", async () => {
    const grants = await kc.tokenGrants(SEED.clientId);
    const r = await cli(["token", "--auth-method", "client_secret_post"], { tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    const token = r.stdout.trim();
    tokens.add(token);
    assert.ok(isJwt(token));
    const { payload } = decodeJwt(token);
    assert.equal(payload.azp, "archival-service");
    assert.equal(payload.iss, kc.issuer);
    assert.equal(await kc.tokenGrants(SEED.clientId), grants + 1);
  });

  test("--json keeps Keycloak's own fields in raw", async () => {
    const r = await cli(["token", "--json", "--scope", "openid profile"], { tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    tokens.add(result.accessToken);
    assert.equal(result.tokenType, "Bearer");
    // exp minus Keycloak's clock when it answers: 299 when a second boundary falls between.
    assert.ok([299, 300].includes(result.expiresIn), `expiresIn ${result.expiresIn}`);
    assert.equal(result.raw["not-before-policy"], 0);
    assert.equal(result.raw.refresh_expires_in, 0);
    assert.deepEqual(result.scope.split(" ").sort(), ["email", "openid", "profile"]);
  });

  test("--issuer: the token endpoint from Keycloak's discovery document", async () => {
    const env = baseEnv({ CC_ISSUER: kc.issuer, CC_CLIENT_ID: SEED.clientId, CLIENT_SECRET: SEED.clientSecret });
    const r = await cli(["token"], { env, tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    tokens.add(r.stdout.trim());
    assert.equal(decodeJwt(r.stdout.trim()).payload.iss, kc.issuer);
  });

  test("the special-character secret from --client-secret-file, with Basic and with post", async () => {
    const file = join(tmp, "special");
    writeFileSync(file, `${secretOf("archival-special")}\n`);
    for (const method of ["client_secret_basic", "client_secret_post"]) {
      const r = await cli(["token", "--client-id", "archival-special", "--client-secret-file", file, "--auth-method", method], {
        env: seedEnv({ CLIENT_SECRET: undefined }),
        tokenAllowed: true,
      });
      assert.equal(r.code, 0, `${method}: ${r.stderr}`);
      tokens.add(r.stdout.trim());
      assert.equal(decodeJwt(r.stdout.trim()).payload.azp, "archival-special");
    }
  });
});

describe("Keycloak's roles", () => {
  test("the terminal summary names the realm and client roles", async () => {
    const r = await underTerminal(["token"]);
    assert.equal(r.code, 0, r.stdout);
    const text = stripAnsi(r.stdout).replace(/\r/g, "");
    const [token] = text.split("\n");
    tokens.add(token);
    assert.match(text, /expires\s+\d\d:\d\d:\d\d UTC \(in 5 min\)/);
    assert.match(text, /scope\s+(email profile|profile email)\n/);
    assert.match(text, /client\s+archival-service/);
    assert.match(text, /realm roles\s+.*\barchiver\b/);
    assert.match(text, /archive-api roles\s+(archives:read, archives:write|archives:write, archives:read)/);
  });

  test("decode of Keycloak's token: the roles, readable times, --json", async () => {
    const t = await cli(["token"], { tokenAllowed: true });
    tokens.add(t.stdout.trim());
    const r = await cli(["decode"], { input: t.stdout });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Roles\n {2}realm {7}.*\barchiver\b/);
    assert.match(r.stdout, /\n {2}archive-api {2}archives:(read|write), archives:(read|write)\n/);
    assert.match(r.stdout, /"exp": \d+, {2}\/\/ .* UTC, expires in 5 min/);
    const json = await cli(["decode", "--json", "-"], { input: t.stdout });
    const { header, payload } = JSON.parse(json.stdout);
    assert.equal(header.alg, "RS256");
    assert.equal(payload.preferred_username, "service-account-archival-service");
    assert.ok(payload.aud.includes("archive-api"));
  });
});

describe("using the token", () => {
  test("the pipe into curl, against the protected API that checks Keycloak's tokens", async () => {
    const script = `curl -sS --fail-with-body -H "Authorization: Bearer $("${process.execPath}" "${BIN}" token)" "${api.url}"`;
    const r = await cli(["-c", script], { command: "bash", prefix: [] });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).caller.client, "archival-service");
  });

  test("call: the body on stdout, the status on stderr", async () => {
    const accepted = api.stats.accepted;
    const r = await cli(["call", api.url]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "HTTP 200 OK\n");
    assert.equal(JSON.parse(r.stdout).archives.length, 3);
    assert.equal(api.stats.accepted, accepted + 1);
  });
});

describe("Keycloak's refusals: exit 1, the code and Keycloak's words on stderr", () => {
  const cases = [
    ["a wrong secret", ["token"], { CLIENT_SECRET: "wrong-secret-canary" }, /ERR_OAUTH: .*unauthorized_client.*HTTP 401/],
    ["an unknown client", ["token", "--client-id", "nobody"], {}, /ERR_OAUTH: .*invalid_client.*HTTP 401/],
    ["no service accounts", ["token", "--client-id", "no-service-account"], { CLIENT_SECRET: secretOf("no-service-account") }, /ERR_OAUTH: .*unauthorized_client/],
    ["a disabled client", ["token", "--client-id", "disabled-service"], { CLIENT_SECRET: secretOf("disabled-service") }, /ERR_OAUTH: .*invalid_client/],
    ["an unknown scope", ["token", "--scope", "archives:nope"], {}, /ERR_OAUTH: .*invalid_scope.*HTTP 400/],
  ];
  for (const [name, args, env, message] of cases) {
    test(name, async () => {
      const r = await cli(args, { env: seedEnv(env) });
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stdout, "");
      assert.match(r.stderr, message);
    });
  }
});

describe("key-based client authentication and DPoP, with Keycloak's client settings", () => {
  test('"Signed JWT" (keys from a JWKS URL): token --private-key FILE --key-id', async () => {
    const r = await cli(["token", "--client-id", SIGNED_JWT, "--private-key", join(tmp, "signing.pem"), "--key-id", "cli-ec"], {
      env: seedEnv({ CLIENT_SECRET: undefined }),
      tokenAllowed: true,
    });
    assert.equal(r.code, 0, r.stderr);
    tokens.add(r.stdout.trim());
    assert.equal(decodeJwt(r.stdout.trim()).payload.azp, SIGNED_JWT);
  });

  test('"Signed JWT with client secret": --auth-method client_secret_jwt; a wrong secret exits 1', async () => {
    const env = seedEnv({ CC_CLIENT_ID: SECRET_JWT.clientId, CLIENT_SECRET: SECRET_JWT.secret });
    const r = await cli(["token", "--auth-method", "client_secret_jwt"], { env, tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    tokens.add(r.stdout.trim());
    assert.equal(decodeJwt(r.stdout.trim()).payload.azp, SECRET_JWT.clientId);
    const wrong = await cli(["token", "--auth-method", "client_secret_jwt"], { env: { ...env, CLIENT_SECRET: "wrong-secret-canary" } });
    assert.equal(wrong.code, 1, wrong.stderr);
    assert.match(wrong.stderr, /ERR_OAUTH: /);
  });

  test('"Require DPoP bound tokens": token --dpop gives a DPoP token with cnf.jkt; without --dpop Keycloak refuses (exit 1)', async () => {
    const env = seedEnv({ CC_CLIENT_ID: DPOP.clientId, CLIENT_SECRET: DPOP.secret });
    const r = await cli(["token", "--dpop", "--json"], { env, tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    tokens.add(result.accessToken);
    assert.equal(result.tokenType, "DPoP");
    assert.equal(typeof decodeJwt(result.accessToken).payload.cnf?.jkt, "string");
    const plain = await cli(["token"], { env });
    assert.equal(plain.code, 1, plain.stderr);
    assert.match(plain.stderr, /ERR_OAUTH: /);
  });
});

describe("secret hygiene", () => {
  test("no secret in any output of any run; tokens only on the stdout of runs that print one", () => {
    const secrets = [...realm.clients.map((c) => c.secret).filter(Boolean), SECRET_JWT.secret, DPOP.secret, "wrong-secret-canary"];
    const jwk = signingKey.privateKey.export({ format: "jwk" });
    const pem = signingKey.privateKey.export({ format: "pem", type: "pkcs8" }).split("\n")[1];
    scan([...secrets, jwk.d, pem], [...realm.clients.map((c) => c.clientId), SECRET_JWT.clientId, DPOP.clientId], { minRuns: 20, minTokens: 10 });
  });
});
