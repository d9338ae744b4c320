// The command line behind a forward proxy, against a real Keycloak, as curl users
// expect: HTTP_PROXY for http URLs, HTTPS_PROXY for https ones (here a TLS front for
// Keycloak, trusted through NODE_EXTRA_CA_CERTS), the lower-case names, NO_PROXY,
// `--proxy URL` and `--no-proxy`; `call` and `verify` go the same way; the proxy's log
// shows each request, and no run prints undici's notices or the proxy's password.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REALM_FILE, startKeycloak } from "../../scripts/keycloak.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { startForwardProxy } from "../support/forward-proxy.mjs";
import { baseEnv, cliRunner, isJwt } from "./support.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const SEED = { clientId: "archival-service", clientSecret: realm.clients.find((c) => c.clientId === "archival-service").secret };

let kc, proxy, guarded, front, api, tmp, cert;
const PROXY_PASSWORD = "Cli-Proxy-Pass-3e9f";

/** The seed client's environment, plus `extra` (proxy variables); NO_PROXY and the like only when given. */
const seedEnv = (extra = {}) => baseEnv({ CC_CLIENT_ID: SEED.clientId, CLIENT_SECRET: SEED.clientSecret, ...extra });
const { cli, scan } = cliRunner(() => seedEnv());

before(async () => {
  kc = await startKeycloak();
  [proxy, guarded] = await Promise.all([startForwardProxy(), startForwardProxy({ credentials: { username: "cli", password: PROXY_PASSWORD } })]);
  api = await startResourceServer({ issuer: kc.issuer, port: 0, publicHost: "127.0.0.1" });
  // An https front for Keycloak, with a certificate made for this run.
  tmp = mkdtempSync(join(tmpdir(), "cc-cli-proxy-"));
  const key = join(tmp, "key.pem");
  cert = join(tmp, "cert.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  const upstream = new URL(kc.url);
  front = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
    const relay = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: { ...req.headers, host: upstream.host } }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    relay.on("error", () => res.writeHead(502).end());
    req.pipe(relay);
  });
  await new Promise((resolve) => front.listen(0, "127.0.0.1", resolve));
});

after(async () => {
  front?.closeAllConnections();
  await Promise.allSettled([proxy?.close(), guarded?.close(), api?.close(), kc?.stop(), new Promise((r) => (front ? front.close(r) : r()))]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const kcHost = () => new URL(kc.url).host;
const frontTokenUrl = () => `https://127.0.0.1:${front.address().port}/realms/sivalabs/protocol/openid-connect/token`;

/** A run that must print a token and nothing undici says on its own. */
function assertToken(r) {
  assert.equal(r.code, 0, r.stderr);
  assert.ok(isJwt(r.stdout.trim()), r.stdout);
  assert.doesNotMatch(r.stderr, /experimental|warning/i);
}

describe("client-credentials behind a proxy", () => {
  test("HTTP_PROXY: the token request to Keycloak (http) goes through the proxy", async () => {
    const from = proxy.log.length;
    const r = await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTP_PROXY: proxy.url }), tokenAllowed: true });
    assertToken(r);
    assert.deepEqual(proxy.since(from), [{ method: "CONNECT", target: kcHost(), authorized: true }]);
  });

  test("HTTPS_PROXY: an https token endpoint, its certificate still verified, goes through the proxy", async () => {
    const from = proxy.log.length;
    const r = await cli(["token", "--token-url", frontTokenUrl()], { env: seedEnv({ HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: cert }), tokenAllowed: true });
    assertToken(r);
    assert.deepEqual(proxy.since(from), [{ method: "CONNECT", target: `127.0.0.1:${front.address().port}`, authorized: true }]);
    // The tunnel carries TLS end to end: without the CA, the certificate is refused.
    const untrusted = await cli(["token", "--token-url", frontTokenUrl()], { env: seedEnv({ HTTPS_PROXY: proxy.url }) });
    assert.equal(untrusted.code, 3);
    assert.match(untrusted.stderr, /ERR_NETWORK/);
  });

  test("HTTPS_PROXY alone leaves an http URL direct; https_proxy (lower case) wins over HTTPS_PROXY", async () => {
    let from = proxy.log.length;
    assertToken(await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTPS_PROXY: proxy.url }), tokenAllowed: true }));
    assert.deepEqual(proxy.since(from), []);
    from = proxy.log.length;
    const r = await cli(["token", "--token-url", frontTokenUrl()], { env: seedEnv({ https_proxy: proxy.url, HTTPS_PROXY: "http://127.0.0.1:9", NODE_EXTRA_CA_CERTS: cert }), tokenAllowed: true });
    assertToken(r);
    assert.equal(proxy.since(from).length, 1);
  });

  test("NO_PROXY=127.0.0.1 bypasses the proxy", async () => {
    const from = proxy.log.length;
    const r = await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" }), tokenAllowed: true });
    assertToken(r);
    assert.deepEqual(proxy.since(from), []);
  });

  test("--proxy URL without variables; --no-proxy ignores them; a dead proxy is exit 3", async () => {
    let from = proxy.log.length;
    assertToken(await cli(["token", "--token-url", kc.tokenUrl, "--proxy", proxy.url], { tokenAllowed: true }));
    assert.equal(proxy.since(from).length, 1);
    from = proxy.log.length;
    assertToken(await cli(["token", "--token-url", kc.tokenUrl, "--no-proxy"], { env: seedEnv({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url }), tokenAllowed: true }));
    assert.deepEqual(proxy.since(from), []);
    // The variable is really used: a proxy that is not there fails the run.
    const dead = await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTP_PROXY: "http://127.0.0.1:9" }) });
    assert.equal(dead.code, 3, dead.stderr);
    assert.match(dead.stderr, /ERR_NETWORK/);
  });

  test("a proxy that wants credentials: user and password from the URL; a wrong password is exit 3 and never printed", async () => {
    const withPassword = (password) => {
      const url = new URL(guarded.url);
      url.username = "cli";
      url.password = password;
      return url.href;
    };
    const from = guarded.log.length;
    assertToken(await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTP_PROXY: withPassword(PROXY_PASSWORD) }), tokenAllowed: true }));
    assert.deepEqual(guarded.since(from), [{ method: "CONNECT", target: kcHost(), authorized: true }]);
    const wrong = await cli(["token", "--token-url", kc.tokenUrl, "--proxy", withPassword("Wrong-Cli-Pass-0b1c")]);
    assert.equal(wrong.code, 3, wrong.stderr);
    assert.doesNotMatch(wrong.stderr, /Wrong-Cli-Pass-0b1c/);
  });

  test("call: the token request and the API call both go through the proxy", async () => {
    const from = proxy.log.length;
    const accepted = api.stats.accepted;
    const r = await cli(["call", api.url, "--token-url", kc.tokenUrl], { env: seedEnv({ HTTP_PROXY: proxy.url }) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).caller.client, SEED.clientId);
    assert.equal(api.stats.accepted, accepted + 1);
    assert.deepEqual(new Set(proxy.since(from).map((e) => e.target)), new Set([kcHost(), new URL(api.url).host]));
  });

  test("verify: discovery and the key set through the proxy", async () => {
    const token = (await cli(["token", "--token-url", kc.tokenUrl], { tokenAllowed: true })).stdout.trim();
    const from = proxy.log.length;
    const r = await cli(["verify", token, "--issuer", kc.issuer, "--audience", "account"], { env: seedEnv({ HTTP_PROXY: proxy.url }) });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verified/);
    assert.deepEqual(new Set(proxy.since(from).map((e) => e.target)), new Set([kcHost()]));
  });

  test("usage: --proxy with --no-proxy, a proxy that is not http(s), a variable that is not a URL", async () => {
    const both = await cli(["token", "--token-url", kc.tokenUrl, "--proxy", proxy.url, "--no-proxy"]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--proxy URL or --no-proxy, not both/);
    const socks = await cli(["token", "--token-url", kc.tokenUrl, "--proxy", "socks5://127.0.0.1:1080"]);
    assert.equal(socks.code, 2);
    assert.match(socks.stderr, /http:\/\/ or https:\/\//);
    const garbage = await cli(["token", "--token-url", kc.tokenUrl], { env: seedEnv({ HTTPS_PROXY: "http://[::1" }) });
    assert.equal(garbage.code, 2);
    assert.match(garbage.stderr, /HTTPS_PROXY is not a proxy URL/);
  });

  test("no run printed the client secret or the proxy password, nor a token on stderr", () => {
    scan([SEED.clientSecret, PROXY_PASSWORD], [SEED.clientId], { minRuns: 15, minTokens: 1 });
  });
});
