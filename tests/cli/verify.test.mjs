// `client-credentials verify`: the library's verifyJwt from the command line,
// against oidc-provider's and a real Keycloak's keys (Keycloak started once
// for the file, or the one `npm test` shares): what was checked on stdout,
// the failing check on stderr with its exit code.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { decodeJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { REALM_FILE, startKeycloak } from "../../scripts/keycloak.mjs";
import { freePort } from "../../scripts/net.mjs";
import { SEED_TOKEN, baseEnv, cliRunner } from "./support.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const SEED_SECRET = realm.clients.find((c) => c.clientId === "archival-service").secret;

let as;
let kc;

before(async () => {
  as = await startAuthServer({ accessTokenTtl: 300 });
  kc = await startKeycloak();
});

after(async () => {
  await Promise.all([as?.close(), kc?.stop()]);
});

const asEnv = (extra = {}) =>
  baseEnv({ CC_TOKEN_URL: as.tokenUrl, CC_CLIENT_ID: as.clients.basic.clientId, CLIENT_SECRET: as.clients.basic.clientSecret, ...extra });
const kcEnv = (extra = {}) => baseEnv({ CC_TOKEN_URL: kc.tokenUrl, CC_CLIENT_ID: "archival-service", CLIENT_SECRET: SEED_SECRET, ...extra });

const { cli, tokens, scan } = cliRunner(() => asEnv());

/** A fresh token from `env`'s server. */
async function freshToken(env) {
  const r = await cli(["token"], { env, tokenAllowed: true });
  assert.equal(r.code, 0, r.stderr);
  const token = r.stdout.trim();
  tokens.add(token);
  return token;
}

describe("verify against oidc-provider", () => {
  test("a fresh token: exit 0 and each check listed, the key set found by discovery", async () => {
    const token = await freshToken(asEnv());
    const { aud } = decodeJwt(token).payload;
    const r = await cli(["verify", "--issuer", as.issuer, "--audience", aud], { input: token });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, /^✔ verified\n/);
    assert.match(r.stdout, new RegExp(`✔ signature +RS256, key \\S+ from ${as.issuer.replace(/[.]/g, "\\.")}/protocol/openid-connect/certs\n`));
    assert.match(r.stdout, new RegExp(`✔ issuer +${as.issuer.replace(/[.]/g, "\\.")}\n`));
    assert.match(r.stdout, /✔ audience +\S+\n/);
    assert.match(r.stdout, /✔ expiry +.* UTC, expires in 5 min\n/);
  });

  test("--json prints the verified header and payload; CC_ISSUER is the default issuer; --jwks-uri skips discovery", async () => {
    const token = await freshToken(asEnv());
    const r = await cli(["verify", "--json", "--any-audience", "--jwks-uri", as.jwksUri, token], { env: asEnv({ CC_ISSUER: as.issuer }), tokenAllowed: false });
    assert.equal(r.code, 0, r.stderr);
    const expected = decodeJwt(token);
    assert.deepEqual(JSON.parse(r.stdout), { header: expected.header, payload: expected.payload });
  });

  test("refusals exit 1 with the failing check: audience, algorithm, signature, an unknown key", async () => {
    const token = await freshToken(asEnv());
    const [h, p, s] = token.split(".");
    const otherPayload = Buffer.from(JSON.stringify({ ...decodeJwt(token).payload, azp: "someone-else" })).toString("base64url");
    const cases = [
      [["--audience", "archive-api"], token, /ERR_JWT_CLAIM \(claim aud\): /],
      [["--any-audience", "--algorithm", "ES256"], token, /ERR_JWT_ALG: /],
      [["--any-audience"], `${h}.${otherPayload}.${s}`, /ERR_JWT_SIGNATURE: /],
      [["--any-audience"], SEED_TOKEN, /ERR_JWKS_NO_KEY: /],
      [["--any-audience", "--azp", "someone-else"], token, /ERR_JWT_CLAIM \(claim azp\): /],
    ];
    for (const [flags, input, message] of cases) {
      const r = await cli(["verify", "--issuer", as.issuer, ...flags, "-"], { input });
      assert.equal(r.code, 1, `${flags.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, flags.join(" "));
      assert.equal(r.stdout, "");
    }
  });

  test("usage exits 2 (no issuer, no audience, both audience flags); an unreachable issuer exits 3", async () => {
    const token = await freshToken(asEnv());
    for (const [args, message] of [
      [["verify", "--audience", "x"], /verify needs --issuer/],
      [["verify", "--issuer", as.issuer], /verify needs --audience/],
      [["verify", "--issuer", as.issuer, "--audience", "x", "--any-audience"], /not both/],
      [["verify", "--issuer", as.issuer, "--any-audience", "--max-token-age", "soon"], /--max-token-age takes a number/],
    ]) {
      const r = await cli(args, { input: token });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
    const port = await freePort();
    const down = await cli(["verify", "--issuer", `http://127.0.0.1:${port}/realms/sivalabs`, "--any-audience"], { input: token });
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /ERR_NETWORK: .*ECONNREFUSED/);
  });
});

describe("verify against Keycloak", () => {
  test("Keycloak's token for archive-api: exit 0 with --audience archive-api and --azp archival-service", async () => {
    const token = await freshToken(kcEnv());
    const r = await cli(["verify", "--issuer", kc.issuer, "--audience", "archive-api", "--azp", "archival-service", "--typ", "JWT"], { input: token });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /✔ audience +archive-api, account\n/);
    assert.match(r.stdout, /✔ azp +archival-service\n/);
  });

  test("the wrong audience or issuer: exit 1", async () => {
    const token = await freshToken(kcEnv());
    const wrongAud = await cli(["verify", "--issuer", kc.issuer, "--audience", "billing-api"], { input: token });
    assert.equal(wrongAud.code, 1, wrongAud.stderr);
    assert.match(wrongAud.stderr, /ERR_JWT_CLAIM \(claim aud\)/);
    const wrongIss = await cli(["verify", "--issuer", as.issuer, "--any-audience"], { input: token });
    assert.equal(wrongIss.code, 1, wrongIss.stderr);
    assert.match(wrongIss.stderr, /ERR_JWKS_NO_KEY|ERR_JWT_CLAIM \(claim iss\)/);
  });
});

describe("secret hygiene", () => {
  test("no secret in any output; tokens only on the stdout of `token` runs", () => {
    const secrets = [...Object.values(as.clients).map((c) => c.clientSecret), ...realm.clients.map((c) => c.secret).filter(Boolean)];
    scan(secrets, [...Object.values(as.clients).map((c) => c.clientId), "archival-service"], { minRuns: 15, minTokens: 6 });
  });
});
