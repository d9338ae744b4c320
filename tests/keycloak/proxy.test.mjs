// The library behind a forward proxy, against a real Keycloak: the `fetch` option with
// undici's ProxyAgent (as docs/custom-fetch.md shows it) gets the seed's token, discovers,
// calls an API and fetches the key set, every request visible in the proxy's log;
// EnvHttpProxyAgent with NO_PROXY=127.0.0.1 goes around it; a proxy that wants
// credentials gets them from the proxy URL, and a wrong password is ERR_NETWORK
// without the password in the error.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { EnvHttpProxyAgent, ProxyAgent, fetch as undiciFetch } from "undici";
import { JwksClient, TokenClient, fetchClientCredentialsToken, verifyJwt } from "client-credentials";
import { REALM_FILE, startKeycloak } from "../../scripts/keycloak.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { startForwardProxy } from "../support/forward-proxy.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const SEED = { clientId: "archival-service", clientSecret: realm.clients.find((c) => c.clientId === "archival-service").secret };

let kc, proxy, guarded, api;
const agents = [];

before(async () => {
  kc = await startKeycloak();
  [proxy, guarded] = await Promise.all([startForwardProxy(), startForwardProxy({ credentials: { username: "svc", password: "Proxy-Pass-51d0" } })]);
  api = await startResourceServer({ issuer: kc.issuer, port: 0, publicHost: "127.0.0.1" });
});

after(async () => {
  await Promise.allSettled([...agents.map((a) => a.close()), proxy?.close(), guarded?.close(), api?.close(), kc?.stop()]);
});

/** The docs' sample: undici's own fetch with a dispatcher. */
function through(dispatcher) {
  agents.push(dispatcher);
  return (url, init) => undiciFetch(url, { ...init, dispatcher });
}

const kcHost = () => new URL(kc.url).host;

describe("through a forward proxy", () => {
  test("fetchClientCredentialsToken with undici's ProxyAgent: the seed's token, one CONNECT to Keycloak", async () => {
    const from = proxy.log.length;
    const grants = await kc.tokenGrants(SEED.clientId);
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: through(new ProxyAgent(proxy.url)) });
    assert.equal(token.tokenType, "Bearer");
    assert.ok(token.expiresIn > 240 && token.expiresIn <= 300, String(token.expiresIn));
    assert.deepEqual(proxy.since(from), [{ method: "CONNECT", target: kcHost(), authorized: true }]);
    assert.equal(await kc.tokenGrants(SEED.clientId), grants + 1, "Keycloak granted it");
  });

  test("Node's global fetch with an undici dispatcher works as the option too", async () => {
    const from = proxy.log.length;
    const dispatcher = new ProxyAgent(proxy.url);
    agents.push(dispatcher);
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: (url, init) => fetch(url, { ...init, dispatcher }) });
    assert.equal(token.tokenType, "Bearer");
    assert.deepEqual(proxy.since(from).map((e) => e.target), [kcHost()]);
  });

  test("TokenClient from the issuer: discovery, the token and client.fetch to the API all through the proxy", async () => {
    const from = proxy.log.length;
    const accepted = api.stats.accepted;
    // One connection per request, so that each shows in the log.
    const client = new TokenClient({ issuer: kc.issuer, ...SEED, fetch: through(new ProxyAgent({ uri: proxy.url, pipelining: 0, keepAliveTimeout: 1 })) });
    const response = await client.fetch(api.url);
    assert.equal(response.status, 200);
    assert.equal((await response.json()).caller.client, SEED.clientId);
    assert.equal(api.stats.accepted, accepted + 1);
    const targets = new Set(proxy.since(from).map((e) => e.target));
    assert.deepEqual([...targets].sort(), [kcHost(), new URL(api.url).host].sort());
    client.free();
  });

  test("JwksClient from the issuer: discovery and the key set through the proxy verify Keycloak's token", async () => {
    const { accessToken } = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED });
    const from = proxy.log.length;
    const jwks = new JwksClient({ issuer: kc.issuer, fetch: through(new ProxyAgent(proxy.url)) });
    const { payload } = await verifyJwt(accessToken, { jwks, issuer: kc.issuer, audience: "account" });
    assert.equal(payload.azp, SEED.clientId);
    assert.deepEqual(new Set(proxy.since(from).map((e) => e.target)), new Set([kcHost()]));
    assert.ok(proxy.since(from).length >= 1);
    jwks.free();
  });

  test("EnvHttpProxyAgent: through the proxy, but NO_PROXY=127.0.0.1 goes around it", async () => {
    let from = proxy.log.length;
    const proxied = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: through(new EnvHttpProxyAgent({ httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: "" })) });
    assert.equal(proxied.tokenType, "Bearer");
    assert.deepEqual(proxy.since(from).map((e) => e.target), [kcHost()]);
    from = proxy.log.length;
    const direct = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: through(new EnvHttpProxyAgent({ httpProxy: proxy.url, httpsProxy: proxy.url, noProxy: "127.0.0.1" })) });
    assert.equal(direct.tokenType, "Bearer");
    assert.deepEqual(proxy.since(from), [], "bypassed");
  });

  test("a proxy that wants credentials: the proxy URL's user and password pass; a wrong one is ERR_NETWORK without it", async () => {
    const from = guarded.log.length;
    const url = new URL(guarded.url);
    url.username = "svc";
    url.password = "Proxy-Pass-51d0";
    const token = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: through(new ProxyAgent(url.href)) });
    assert.equal(token.tokenType, "Bearer");
    assert.deepEqual(guarded.since(from), [{ method: "CONNECT", target: kcHost(), authorized: true }]);
    url.password = "Wrong-Pass-77aa";
    const err = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...SEED, fetch: through(new ProxyAgent(url.href)) }).then(
      () => assert.fail("expected ERR_NETWORK"),
      (e) => e,
    );
    assert.equal(err.code, "ERR_NETWORK");
    assert.deepEqual(guarded.since(from + 1).map((e) => e.authorized), [false], "the proxy refused it");
    assert.ok(!inspect(err, { depth: 1 }).includes("Wrong-Pass-77aa"), "the proxy password is not in the error");
    assert.ok(!err.message.includes(SEED.clientSecret));
  });
});
