// TokenClient against a real authorization server (oidc-provider shaped like the seed's
// Keycloak realm): the cache and its refresh skew, single-flight requests and shared
// failures, discovery from an issuer (OIDC, then RFC 8414), and `client.fetch` against a
// protected API (401 retry, replayable bodies, redirects that must not leak the token).
// Token requests are counted at the server (`stats.tokenRequests`), discovery requests
// at a counting proxy or a small metadata server.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { inspect } from "node:util";
import { TokenClient, decodeJwt, fetchClientCredentialsToken } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startFaultServer } from "../support/fault-server.mjs";
import { startProtectedApi, startRecorder } from "../support/protected-api.mjs";
import { freePort } from "../../scripts/net.mjs";

const REALM_PATH = "/realms/sivalabs";
const OIDC_PATH = `${REALM_PATH}/.well-known/openid-configuration`;
const RFC8414_PATH = `/.well-known/oauth-authorization-server${REALM_PATH}`;
const TOKEN_PATH = `${REALM_PATH}/protocol/openid-connect/token`;

let as; // the main authorization server, 300 s tokens
let shortAs; // 2 s tokens
let proxied; // an authorization server whose issuer is a counting proxy in front of it
let proxy;
let api; // the protected API, trusting `as`
let recorder; // another origin, for redirects
let faults;
const closers = [];

before(async () => {
  proxy = await startCountingProxy();
  closers.push(proxy.close);
  [as, shortAs, proxied, faults] = await Promise.all([
    startAuthServer({ accessTokenTtl: 300 }),
    startAuthServer({ accessTokenTtl: 2 }),
    startAuthServer({ accessTokenTtl: 300, issuerHost: `localhost:${proxy.port}` }),
    startFaultServer(),
  ]);
  closers.push(as.close, shortAs.close, proxied.close, faults.close);
  proxy.setUpstream(proxied.port);
  [api, recorder] = await Promise.all([startProtectedApi({ issuer: as.issuer, jwksUri: as.jwksUri }), startRecorder()]);
  closers.push(api.close, recorder.close);
});

after(async () => {
  await Promise.allSettled(closers.map((close) => close()));
});

// ---------------------------------------------------------------------------------------
// Helpers

/** TokenClient options with the token URL of `server`, for one of its clients. */
function optionsFor(server, extra = {}, key = "basic") {
  const { clientId, clientSecret, authMethod } = server.clients[key];
  return { tokenUrl: server.tokenUrl, clientId, clientSecret, authMethod, ...extra };
}

/** Options with `issuer` (discovery) instead of `tokenUrl`. */
function issuerOptionsFor(server, issuer, extra = {}) {
  const { clientId, clientSecret, authMethod } = server.clients.basic;
  return { issuer, clientId, clientSecret, authMethod, ...extra };
}

function checkError(err, code) {
  assert.ok(err instanceof Error, `expected an Error, got ${inspect(err)}`);
  assert.equal(err.name, "ClientCredentialsError", inspect(err));
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
  return err;
}

/** Awaits a promise that must reject with `code`; returns the error. */
async function rejectsWith(promise, code) {
  let err;
  try {
    const value = await promise;
    assert.fail(`expected ${code}, but it resolved to ${inspect(value)}`);
  } catch (caught) {
    if (caught instanceof assert.AssertionError) throw caught;
    err = caught;
  }
  return checkError(err, code);
}

/** Calls `fn`, which must throw `code` synchronously; returns the error. */
function throwsWith(fn, code) {
  let err;
  let result;
  try {
    result = fn();
  } catch (caught) {
    err = caught;
  }
  if (err === undefined) {
    // Don't leave a rejected promise unhandled if it failed asynchronously instead.
    if (result && typeof result.then === "function") result.then(undefined, () => {});
    assert.fail(`expected a synchronous ${code}, got ${inspect(result)}`);
  }
  return checkError(err, code);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
const sleepUntil = (epochMs) => sleep(epochMs - Date.now());

function listen(server, port = 0, host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address().port);
    });
  });
}

function closer(server) {
  let closing;
  return () => {
    closing ??= new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };
}

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

/**
 * A reverse proxy that counts requests per path and can fail discovery. It keeps the
 * Host header, so oidc-provider names the proxy in its metadata's `token_endpoint`.
 */
async function startCountingProxy() {
  const hits = new Map();
  let upstreamPort;
  let discoveryFault;
  const server = http.createServer((req, res) => {
    const path = req.url.split("?")[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (discoveryFault && path.includes("/.well-known/")) {
      req.resume();
      sendJson(res, discoveryFault.status, discoveryFault.body);
      return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent: false },
      (upRes) => {
        res.writeHead(upRes.statusCode, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  server.keepAliveTimeout = 1000;
  const port = await listen(server);
  return {
    port,
    hits: (path) => hits.get(path) ?? 0,
    reset: () => hits.clear(),
    setUpstream: (p) => void (upstreamPort = p),
    /** `{ status, body }` for every /.well-known/ request, or undefined to pass them on. */
    failDiscovery: (fault) => void (discoveryFault = fault),
    close: closer(server),
  };
}

/**
 * A server that only publishes metadata for `http://127.0.0.1:<port><issuerPath>`, at the
 * OIDC location (`oidc: true`) or only at RFC 8414's (the OIDC one answers 404), naming
 * `tokenEndpoint`. `fail(fault)` makes every request answer `fault` instead.
 */
async function startMetadataServer({ port = 0, issuerPath = "/tenants/acme", tokenEndpoint, oidc = false }) {
  const hits = new Map();
  let fault;
  let origin;
  const server = http.createServer((req, res) => {
    const path = req.url.split("?")[0];
    hits.set(path, (hits.get(path) ?? 0) + 1);
    req.resume();
    if (fault) return sendJson(res, fault.status, fault.body);
    const metadata = { issuer: `${origin}${issuerPath}`, token_endpoint: tokenEndpoint, grant_types_supported: ["client_credentials"] };
    if (oidc && path === `${issuerPath}/.well-known/openid-configuration`) return sendJson(res, 200, metadata);
    if (!oidc && path === `/.well-known/oauth-authorization-server${issuerPath}`) return sendJson(res, 200, metadata);
    return sendJson(res, 404, { error: "not_found" });
  });
  server.keepAliveTimeout = 1000;
  const actualPort = await listen(server, port);
  origin = `http://127.0.0.1:${actualPort}`;
  const close = closer(server);
  closers.push(close);
  return {
    port: actualPort,
    origin,
    issuer: `${origin}${issuerPath}`,
    oidcPath: `${issuerPath}/.well-known/openid-configuration`,
    rfc8414Path: `/.well-known/oauth-authorization-server${issuerPath}`,
    hits: (path) => hits.get(path) ?? 0,
    totalHits: () => [...hits.values()].reduce((a, b) => a + b, 0),
    fail: (f) => void (fault = f),
    close,
  };
}

/** A token endpoint whose answers carry no `expires_in`; counts its requests. */
async function startNoExpiryTokenServer() {
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    requests += 1;
    sendJson(res, 200, { access_token: `opaque-token-${requests}`, token_type: "Bearer" });
  });
  const port = await listen(server);
  const close = closer(server);
  closers.push(close);
  return { tokenUrl: `http://127.0.0.1:${port}/token`, requests: () => requests, close };
}

// ---------------------------------------------------------------------------------------

describe("single flight", () => {
  test("1000 concurrent getToken() calls make exactly one token request and all get the same token", async () => {
    const client = new TokenClient(optionsFor(as));
    const before = as.stats.tokenRequests;
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getToken()));
    assert.equal(as.stats.tokenRequests - before, 1, "token requests made");
    const first = tokens[0];
    assert.ok(
      tokens.every((t) => t === first),
      "every caller gets the same result object",
    );
    assert.equal(typeof first.accessToken, "string");
    assert.equal(first.accessToken.split(".").length, 3);
    assert.equal(first.tokenType, "Bearer");
    assert.equal(first.expiresIn, 300);
    assert.equal(decodeJwt(first.accessToken).payload.client_id, as.clients.basic.clientId);
    // And the cached result serves the next callers too.
    assert.equal(await client.getToken(), first);
    assert.equal(as.stats.tokenRequests - before, 1);
  });

  test("the result object is frozen, its raw member too", async () => {
    const client = new TokenClient(optionsFor(as));
    const token = await client.getToken();
    assert.ok(Object.isFrozen(token), "token frozen");
    assert.ok(Object.isFrozen(token.raw), "token.raw frozen");
    assert.throws(() => {
      token.accessToken = "forged";
    }, TypeError);
    assert.equal(token.raw.access_token, token.accessToken);
  });
});

describe("cache and refresh", () => {
  test("a cached token is reused: no new request, the same object", async () => {
    const client = new TokenClient(optionsFor(as));
    const before = as.stats.tokenRequests;
    const first = await client.getToken();
    const second = await client.getToken();
    const third = await client.getToken();
    assert.equal(second, first);
    assert.equal(third, first);
    assert.equal(as.stats.tokenRequests - before, 1);
  });

  test("invalidate() forgets the token: the next call requests a new one", async () => {
    const client = new TokenClient(optionsFor(as));
    const before = as.stats.tokenRequests;
    const first = await client.getToken();
    client.invalidate();
    const second = await client.getToken();
    assert.notEqual(second, first);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(as.stats.tokenRequests - before, 2);
    assert.equal(await client.getToken(), second);
    assert.equal(as.stats.tokenRequests - before, 2);
  });

  test("a 2 s token with the default 60 s skew (capped at half the lifetime) is reused for 1 s, then refreshed once", async () => {
    const client = new TokenClient(optionsFor(shortAs));
    const before = shortAs.stats.tokenRequests;
    const first = await client.getToken();
    assert.equal(first.expiresIn, 2, "the dev server honours accessTokenTtl: 2");
    assert.equal(shortAs.stats.tokenRequests - before, 1);
    const refreshAt = first.expiresAt - 1000; // expiresAt - min(60 s, 2 s / 2)

    await sleepUntil(refreshAt - 300);
    assert.equal(await client.getToken(), first, "still fresh 300 ms before expiresAt - 1 s");
    assert.equal(shortAs.stats.tokenRequests - before, 1, "no request before the refresh time");

    await sleepUntil(refreshAt + 100);
    const second = await client.getToken();
    assert.equal(shortAs.stats.tokenRequests - before, 2, "exactly one more request after the refresh time");
    assert.notEqual(second, first);
    assert.notEqual(second.accessToken, first.accessToken);
    assert.ok(Date.now() < first.expiresAt, "refreshed while the old token was still valid");
    assert.equal(await client.getToken(), second);
    assert.equal(shortAs.stats.tokenRequests - before, 2);
  });

  test("refreshSkewSeconds: 0 reuses a 2 s token until it expires, then refreshes once", async () => {
    const client = new TokenClient(optionsFor(shortAs, { refreshSkewSeconds: 0 }));
    const before = shortAs.stats.tokenRequests;
    const first = await client.getToken();
    assert.equal(first.expiresIn, 2);

    await sleepUntil(first.expiresAt - 400);
    assert.equal(await client.getToken(), first, "still fresh 400 ms before expiresAt");
    assert.equal(shortAs.stats.tokenRequests - before, 1);

    await sleepUntil(first.expiresAt + 50);
    const second = await client.getToken();
    assert.notEqual(second, first);
    assert.equal(shortAs.stats.tokenRequests - before, 2);
  });

  test("a token without expires_in is reused until invalidate()", async () => {
    const server = await startNoExpiryTokenServer();
    const client = new TokenClient({ tokenUrl: server.tokenUrl, clientId: "c", clientSecret: "s" });
    const first = await client.getToken();
    assert.equal(first.accessToken, "opaque-token-1");
    assert.equal(first.expiresIn, undefined);
    assert.equal(first.expiresAt, undefined);
    await sleep(50);
    assert.equal(await client.getToken(), first);
    assert.equal(server.requests(), 1);
    client.invalidate();
    const second = await client.getToken();
    assert.equal(second.accessToken, "opaque-token-2");
    assert.equal(server.requests(), 2);
  });
});

describe("failures are shared and not cached", () => {
  for (const status of [500, 503]) {
    test(`an injected ${status} temporarily_unavailable reaches every waiter; the next call retries`, async () => {
      const client = new TokenClient(optionsFor(as));
      const before = as.stats.tokenRequests;
      as.failNext(1, { status, body: { error: "temporarily_unavailable", error_description: "injected" } });
      const results = await Promise.allSettled(Array.from({ length: 200 }, () => client.getToken()));
      assert.equal(as.stats.tokenRequests - before, 1, "one request for all waiters");
      for (const r of results) {
        assert.equal(r.status, "rejected", `a waiter got ${inspect(r.value)}`);
        checkError(r.reason, "ERR_OAUTH");
        assert.equal(r.reason.error, "temporarily_unavailable");
        assert.equal(r.reason.status, status);
      }
      const token = await client.getToken();
      assert.equal(as.stats.tokenRequests - before, 2, "the next call made one new request");
      assert.equal(typeof token.accessToken, "string");
      assert.equal(await client.getToken(), token);
      assert.equal(as.stats.tokenRequests - before, 2);
    });
  }

  test("a non-OAuth 502 reaches every waiter as ERR_HTTP", async () => {
    const client = new TokenClient(optionsFor(as));
    const before = as.stats.tokenRequests;
    as.failNext(1, { status: 502, body: { message: "bad gateway" } });
    const results = await Promise.allSettled(Array.from({ length: 50 }, () => client.getToken()));
    assert.equal(as.stats.tokenRequests - before, 1);
    for (const r of results) {
      assert.equal(r.status, "rejected");
      checkError(r.reason, "ERR_HTTP");
      assert.equal(r.reason.status, 502);
    }
    await client.getToken();
    assert.equal(as.stats.tokenRequests - before, 2);
  });

  test("a failed refresh after invalidate() is not cached either", async () => {
    const client = new TokenClient(optionsFor(as));
    const before = as.stats.tokenRequests;
    const first = await client.getToken();
    client.invalidate();
    as.failNext(1, { status: 503, body: { error: "temporarily_unavailable" } });
    await rejectsWith(client.getToken(), "ERR_OAUTH");
    const second = await client.getToken();
    assert.notEqual(second.accessToken, first.accessToken);
    assert.equal(as.stats.tokenRequests - before, 3);
  });

  test("timeoutMs applies to TokenClient requests; every waiter gets ERR_TIMEOUT", async () => {
    const client = new TokenClient({ tokenUrl: faults.url("/hang"), clientId: "c", clientSecret: "s", timeoutMs: 200 });
    const hits = faults.hits("/hang");
    const started = Date.now();
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => client.getToken()));
    for (const r of results) {
      assert.equal(r.status, "rejected");
      checkError(r.reason, "ERR_TIMEOUT");
    }
    assert.equal(faults.hits("/hang") - hits, 1);
    assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  });
});

describe("discovery", () => {
  test("finds the token endpoint from the issuer and reads the metadata once across invalidate() cycles", async () => {
    proxy.reset();
    proxied.resetStats();
    const client = new TokenClient(issuerOptionsFor(proxied, proxied.issuer));
    const first = await client.getToken();
    assert.equal(decodeJwt(first.accessToken).payload.iss, proxied.issuer);
    assert.equal(proxy.hits(OIDC_PATH), 1, "one OIDC discovery request");
    assert.equal(proxy.hits(RFC8414_PATH), 0, "no fallback needed");
    assert.equal(proxy.hits(TOKEN_PATH), 1);

    const seen = new Set([first.accessToken]);
    for (let i = 0; i < 3; i += 1) {
      client.invalidate();
      seen.add((await client.getToken()).accessToken);
    }
    assert.equal(seen.size, 4, "each cycle got a new token");
    assert.equal(proxy.hits(OIDC_PATH), 1, "metadata kept for the client's lifetime");
    assert.equal(proxy.hits(TOKEN_PATH), 4);
    assert.equal(proxied.stats.tokenRequests, 4);
  });

  test("concurrent first calls share one discovery and one token request", async () => {
    proxy.reset();
    const client = new TokenClient(issuerOptionsFor(proxied, proxied.issuer));
    const tokens = await Promise.all(Array.from({ length: 50 }, () => client.getToken()));
    assert.ok(tokens.every((t) => t === tokens[0]));
    assert.equal(proxy.hits(OIDC_PATH), 1);
    assert.equal(proxy.hits(TOKEN_PATH), 1);
  });

  test("once discovered, the metadata outlives a later discovery outage", async () => {
    const client = new TokenClient(issuerOptionsFor(proxied, proxied.issuer));
    await client.getToken();
    proxy.reset();
    proxy.failDiscovery({ status: 503, body: { error: "down" } });
    try {
      client.invalidate();
      await client.getToken();
      assert.equal(proxy.hits(OIDC_PATH), 0);
      assert.equal(proxy.hits(TOKEN_PATH), 1);
    } finally {
      proxy.failDiscovery(undefined);
    }
  });

  test("a failed discovery (503) reaches every waiter and is retried on the next call", async () => {
    proxy.reset();
    proxy.failDiscovery({ status: 503, body: { error: "down" } });
    const client = new TokenClient(issuerOptionsFor(proxied, proxied.issuer));
    let results;
    try {
      results = await Promise.allSettled(Array.from({ length: 20 }, () => client.getToken()));
    } finally {
      proxy.failDiscovery(undefined);
    }
    for (const r of results) {
      assert.equal(r.status, "rejected");
      checkError(r.reason, "ERR_HTTP");
      assert.equal(r.reason.status, 503);
    }
    assert.equal(proxy.hits(OIDC_PATH), 1, "one discovery for all waiters; a 503 does not fall back");
    assert.equal(proxy.hits(TOKEN_PATH), 0, "no token request without metadata");

    const token = await client.getToken();
    assert.equal(typeof token.accessToken, "string");
    assert.equal(proxy.hits(OIDC_PATH), 2, "discovery retried");
    assert.equal(proxy.hits(TOKEN_PATH), 1);
  });

  test("metadata that is 404 at both locations fails with ERR_HTTP 404, then works once published", async () => {
    proxy.reset();
    proxy.failDiscovery({ status: 404, body: { error: "not_found" } });
    const client = new TokenClient(issuerOptionsFor(proxied, proxied.issuer));
    try {
      const err = await rejectsWith(client.getToken(), "ERR_HTTP");
      assert.equal(err.status, 404);
    } finally {
      proxy.failDiscovery(undefined);
    }
    assert.equal(proxy.hits(OIDC_PATH), 1);
    assert.equal(proxy.hits(RFC8414_PATH), 1, "RFC 8414 location tried after the OIDC 404");
    await client.getToken();
    assert.equal(proxy.hits(OIDC_PATH), 2);
    assert.equal(proxy.hits(TOKEN_PATH), 1);
  });

  test("an issuer that is down fails with ERR_NETWORK; once it is up the next call discovers", async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}/tenants/acme`;
    const client = new TokenClient(issuerOptionsFor(as, issuer));
    const before = as.stats.tokenRequests;
    await rejectsWith(client.getToken(), "ERR_NETWORK");
    const md = await startMetadataServer({ port, tokenEndpoint: as.tokenUrl, oidc: true });
    assert.equal(md.issuer, issuer);
    const token = await client.getToken();
    assert.equal(decodeJwt(token.accessToken).payload.iss, as.issuer);
    assert.equal(md.hits(md.oidcPath), 1);
    assert.equal(as.stats.tokenRequests - before, 1);
  });

  test("falls back to RFC 8414 /.well-known/oauth-authorization-server{path} when the OIDC document is 404", async () => {
    const md = await startMetadataServer({ issuerPath: "/tenants/acme", tokenEndpoint: as.tokenUrl, oidc: false });
    const client = new TokenClient(issuerOptionsFor(as, md.issuer));
    const before = as.stats.tokenRequests;
    const token = await client.getToken();
    assert.equal(decodeJwt(token.accessToken).payload.client_id, as.clients.basic.clientId);
    assert.equal(md.hits(md.oidcPath), 1, "OIDC location tried first");
    assert.equal(md.hits("/.well-known/oauth-authorization-server/tenants/acme"), 1, "then RFC 8414's, path after the well-known segment");
    assert.equal(as.stats.tokenRequests - before, 1);
    client.invalidate();
    await client.getToken();
    assert.equal(md.totalHits(), 2, "metadata not read again");
    assert.equal(as.stats.tokenRequests - before, 2);
  });

  test("a metadata document for another issuer is refused with ERR_INVALID_RESPONSE naming both, and no token is requested", async () => {
    // The server's issuer is http://localhost:<port>/realms/sivalabs; this names it by IP.
    const configured = `http://127.0.0.1:${as.port}${REALM_PATH}`;
    assert.notEqual(configured, as.issuer);
    const client = new TokenClient(issuerOptionsFor(as, configured));
    const before = as.stats.tokenRequests;
    const err = await rejectsWith(client.getToken(), "ERR_INVALID_RESPONSE");
    assert.ok(err.message.includes(as.issuer), `message names the server's issuer: ${err.message}`);
    assert.ok(err.message.includes(configured), `message names the configured issuer: ${err.message}`);
    // Not cached as a success either: the next call is refused the same way.
    await rejectsWith(client.getToken(), "ERR_INVALID_RESPONSE");
    assert.equal(as.stats.tokenRequests - before, 0, "the secret never went to the metadata's token endpoint");
  });
});

describe("client.fetch", () => {
  test("adds Authorization: Bearer <token> and keeps the caller's headers", async () => {
    const client = new TokenClient(optionsFor(as));
    const from = api.requests.length;
    const res = await client.fetch(api.url("/data"), { headers: { "X-Trace": "1" } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.trace, "1");
    const token = await client.getToken();
    const seen = api.since(from);
    assert.equal(seen.length, 1);
    assert.equal(seen[0].authorization, `Bearer ${token.accessToken}`);
  });

  test("the caller's own Authorization header, in any case and any form of headers, is replaced, never sent beside ours", async () => {
    const client = new TokenClient(optionsFor(as));
    const bearer = `Bearer ${(await client.getToken()).accessToken}`;
    class Init {
      get headers() {
        return { "X-Trace": "getter" };
      }
    }
    const forms = [
      { headers: { AUTHORIZATION: "Basic c3RvbGVu", "X-Trace": "object" } },
      { headers: new Headers({ Authorization: "Basic c3RvbGVu", "X-Trace": "headers" }) },
      { headers: [["authorization", "Basic c3RvbGVu"], ["X-Trace", "pairs"]] },
      new Init(),
      undefined,
    ];
    const from = api.requests.length;
    for (const init of forms) assert.equal((await client.fetch(new URL(api.url("/data")), init)).status, 200);
    const seen = api.since(from);
    assert.deepEqual(seen.map((r) => r.authorization), forms.map(() => bearer));
    assert.deepEqual(seen.map((r) => r.headers["x-trace"]), ["object", "headers", "pairs", "getter", undefined]);
  });

  test("arguments fetch refuses are ERR_INVALID_OPTIONS, not a network error", async () => {
    const client = new TokenClient(optionsFor(as));
    await client.getToken();
    await rejectsWith(client.fetch("not a url"), "ERR_INVALID_OPTIONS");
    await rejectsWith(client.fetch(api.url("/data"), { method: "GET", body: "x" }), "ERR_INVALID_OPTIONS");
  });

  test("a 401 invalidates the token and retries once with a new one, keeping the caller's headers", async () => {
    const client = new TokenClient(optionsFor(as));
    const old = await client.getToken();
    api.revoke(old.accessToken);
    const before = as.stats.tokenRequests;
    const from = api.requests.length;
    const res = await client.fetch(api.url("/data"), { headers: { "X-Trace": "1", "Content-Type": "text/plain" } });
    assert.equal(res.status, 200);
    const seen = api.since(from);
    assert.equal(seen.length, 2, "exactly one retry");
    assert.equal(seen[0].token, old.accessToken);
    assert.notEqual(seen[1].token, old.accessToken, "the retry carries a new token");
    assert.equal(seen[1].token, (await client.getToken()).accessToken, "the new token is the cached one");
    assert.equal(as.stats.tokenRequests - before, 1);
    for (const r of seen) {
      assert.equal(r.headers["x-trace"], "1");
      assert.equal(r.headers["content-type"], "text/plain");
    }
  });

  test("a Request object as input is retried the same way", async () => {
    const client = new TokenClient(optionsFor(as));
    await client.getToken();
    api.rejectNext(1);
    const from = api.requests.length;
    const res = await client.fetch(new Request(api.url("/data"), { headers: { "X-Trace": "req" } }));
    assert.equal(res.status, 200);
    const seen = api.since(from);
    assert.equal(seen.length, 2);
    assert.ok(seen.every((r) => r.headers["x-trace"] === "req"));
    assert.notEqual(seen[0].token, seen[1].token);
  });

  test("a POST with a string body is replayed with the same body", async () => {
    const client = new TokenClient(optionsFor(as));
    await client.getToken();
    api.rejectNext(1);
    const from = api.requests.length;
    const payload = "a=1&b=two%20words";
    const res = await client.fetch(api.url("/data"), {
      method: "POST",
      body: payload,
      headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Trace": "1" },
    });
    assert.equal(res.status, 200);
    assert.equal((await res.json()).body, payload);
    const seen = api.since(from);
    assert.equal(seen.length, 2);
    for (const r of seen) {
      assert.equal(r.method, "POST");
      assert.equal(r.body, payload);
      assert.equal(r.headers["content-type"], "application/x-www-form-urlencoded");
      assert.equal(r.headers["x-trace"], "1");
    }
    assert.notEqual(seen[0].token, seen[1].token);
  });

  test("a POST with a ReadableStream body is not retried: the 401 is returned", async () => {
    const client = new TokenClient(optionsFor(as));
    await client.getToken();
    api.rejectNext(1);
    const before = as.stats.tokenRequests;
    const from = api.requests.length;
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("streamed body"));
        controller.close();
      },
    });
    const res = await client.fetch(api.url("/data"), { method: "POST", body: stream, duplex: "half", headers: { "X-Trace": "1" } });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    const seen = api.since(from);
    assert.equal(seen.length, 1, "no retry");
    assert.equal(seen[0].body, "streamed body");
    assert.equal(seen[0].headers["x-trace"], "1");
    assert.equal(as.stats.tokenRequests - before, 0, "no token requested for a retry that cannot happen");
  });

  test("a 401 on a non-replayable request still invalidates the token (the d.ts: reused until invalidate() or a 401 seen by fetch)", async () => {
    const client = new TokenClient(optionsFor(as));
    const old = await client.getToken();
    api.revoke(old.accessToken);
    const before = as.stats.tokenRequests;
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("x"));
        controller.close();
      },
    });
    const res = await client.fetch(api.url("/data"), { method: "POST", body: stream, duplex: "half" });
    assert.equal(res.status, 401);
    await res.arrayBuffer();
    const next = await client.getToken();
    const jti = (t) => decodeJwt(t.accessToken).payload.jti;
    assert.ok(
      next.accessToken !== old.accessToken,
      `after the 401, getToken() still serves the refused token (jti ${jti(old)}); ` +
        `token requests since the 401: ${as.stats.tokenRequests - before}`,
    );
  });

  test("an endpoint that always answers 401: exactly two attempts, then the 401 response", async () => {
    const client = new TokenClient(optionsFor(as));
    await client.getToken();
    const before = as.stats.tokenRequests;
    const from = api.requests.length;
    const res = await client.fetch(api.url("/always401"), { headers: { "X-Trace": "1" } });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer /);
    assert.equal((await res.json()).reason, "always");
    const seen = api.since(from);
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0].token, seen[1].token);
    assert.equal(as.stats.tokenRequests - before, 1);
  });

  test("20 concurrent requests that all see a 401 share one new token", async () => {
    const client = new TokenClient(optionsFor(as));
    const old = await client.getToken();
    api.revoke(old.accessToken);
    const before = as.stats.tokenRequests;
    const from = api.requests.length;
    const responses = await Promise.all(Array.from({ length: 20 }, () => client.fetch(api.url("/data"))));
    assert.ok(responses.every((r) => r.status === 200), `statuses ${responses.map((r) => r.status)}`);
    await Promise.all(responses.map((r) => r.arrayBuffer()));
    assert.equal(as.stats.tokenRequests - before, 1);
    const seen = api.since(from);
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen.map((r) => r.token)).size, 2);
  });
});

describe("client.fetch redirects", () => {
  test("a redirect to another port (another origin) is returned unfollowed; the token never reaches it", async () => {
    const client = new TokenClient(optionsFor(as));
    const target = recorder.url("/collect");
    const from = api.requests.length;
    const res = await client.fetch(api.url(`/redirect?to=${encodeURIComponent(target)}`), { headers: { "X-Trace": "1" } });
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), target);
    await res.arrayBuffer();
    await sleep(50);
    assert.equal(recorder.requests.length, 0, `the other origin saw ${inspect(recorder.requests)}`);
    assert.equal(api.since(from).length, 1);
  });

  test("a redirect to another host name on the same port (another origin) is returned unfollowed", async () => {
    const client = new TokenClient(optionsFor(as));
    const target = `http://localhost:${api.port}/open`;
    const from = api.requests.length;
    const res = await client.fetch(api.url(`/redirect?to=${encodeURIComponent(target)}`));
    assert.equal(res.status, 302);
    await res.arrayBuffer();
    assert.deepEqual(
      api.since(from).map((r) => r.path),
      ["/redirect"],
    );
  });

  test("a same-origin chain that ends in another origin stops at the cross-origin hop", async () => {
    const client = new TokenClient(optionsFor(as));
    const target = recorder.url("/chain");
    const from = api.requests.length;
    const res = await client.fetch(api.url(`/redirect?to=${encodeURIComponent(`/redirect?to=${encodeURIComponent(target)}`)}`));
    assert.equal(res.status, 302);
    assert.equal(res.headers.get("location"), target);
    await res.arrayBuffer();
    await sleep(50);
    assert.equal(recorder.requests.length, 0);
    assert.deepEqual(
      api.since(from).map((r) => r.path),
      ["/redirect", "/redirect"],
    );
  });

  test("a same-origin GET redirect is followed, with the token and the caller's headers", async () => {
    const client = new TokenClient(optionsFor(as));
    const token = await client.getToken();
    const from = api.requests.length;
    const res = await client.fetch(api.url("/redirect?to=/data"), { headers: { "X-Trace": "1" } });
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.equal(body.ok, true);
    assert.equal(body.trace, "1");
    const seen = api.since(from);
    assert.deepEqual(
      seen.map((r) => r.path),
      ["/redirect", "/data"],
    );
    for (const r of seen) assert.equal(r.authorization, `Bearer ${token.accessToken}`);
  });

  test("a same-origin redirect of a POST is returned unfollowed", async () => {
    const client = new TokenClient(optionsFor(as));
    const from = api.requests.length;
    const res = await client.fetch(api.url("/redirect?to=/data"), { method: "POST", body: "x=1" });
    assert.equal(res.status, 302);
    await res.arrayBuffer();
    assert.deepEqual(
      api.since(from).map((r) => r.path),
      ["/redirect"],
    );
  });
});

describe("options", () => {
  test("new TokenClient({}) throws ERR_INVALID_OPTIONS synchronously", () => {
    throwsWith(() => new TokenClient({}), "ERR_INVALID_OPTIONS");
    throwsWith(() => new TokenClient(), "ERR_INVALID_OPTIONS");
  });

  test("both tokenUrl and issuer throw ERR_INVALID_OPTIONS", () => {
    const err = throwsWith(() => new TokenClient({ ...optionsFor(as), issuer: as.issuer }), "ERR_INVALID_OPTIONS");
    assert.match(err.message, /tokenUrl/);
  });

  test("an invalid refreshSkewSeconds throws ERR_INVALID_OPTIONS", () => {
    for (const refreshSkewSeconds of [-1, Number.NaN, Number.POSITIVE_INFINITY, "60"]) {
      const err = throwsWith(() => new TokenClient(optionsFor(as, { refreshSkewSeconds })), "ERR_INVALID_OPTIONS");
      assert.match(err.message, /refreshSkewSeconds/, `for ${inspect(refreshSkewSeconds)}`);
    }
    // The bounds themselves are fine.
    new TokenClient(optionsFor(as, { refreshSkewSeconds: 0 }));
  });

  test("authMethod and scope pass through to the token request", async () => {
    const client = new TokenClient(optionsFor(as, { scope: ["archive:read", "archive:write"] }, "post"));
    const token = await client.getToken();
    const grant = as.stats.grants.at(-1);
    assert.equal(grant.clientId, as.clients.post.clientId);
    assert.equal(grant.authMethod, "client_secret_post");
    assert.equal(token.scope, "archive:read archive:write");
  });
});

describe("fetchClientCredentialsToken with issuer", () => {
  test("discovers the token endpoint and returns a token", async () => {
    const before = as.stats.tokenRequests;
    const token = await fetchClientCredentialsToken(issuerOptionsFor(as, as.issuer));
    assert.equal(as.stats.tokenRequests - before, 1);
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.expiresIn, 300);
    const { payload } = decodeJwt(token.accessToken);
    assert.equal(payload.iss, as.issuer);
    assert.equal(payload.client_id, as.clients.basic.clientId);
  });

  test("works through the RFC 8414 fallback too", async () => {
    const md = await startMetadataServer({ issuerPath: "/other", tokenEndpoint: as.tokenUrl, oidc: false });
    const token = await fetchClientCredentialsToken(issuerOptionsFor(as, md.issuer));
    assert.equal(decodeJwt(token.accessToken).payload.iss, as.issuer);
    assert.equal(md.hits(md.rfc8414Path), 1);
  });

  test("a mismatched issuer is refused with ERR_INVALID_RESPONSE", async () => {
    const before = as.stats.tokenRequests;
    const configured = `http://127.0.0.1:${as.port}${REALM_PATH}`;
    const err = await rejectsWith(fetchClientCredentialsToken(issuerOptionsFor(as, configured)), "ERR_INVALID_RESPONSE");
    assert.ok(err.message.includes(as.issuer) && err.message.includes(configured), err.message);
    assert.equal(as.stats.tokenRequests - before, 0);
  });

  test("both tokenUrl and issuer reject with ERR_INVALID_OPTIONS", async () => {
    await rejectsWith(fetchClientCredentialsToken({ ...optionsFor(as), issuer: as.issuer }), "ERR_INVALID_OPTIONS");
  });
});
