// Through an outage, with a fake clock (node:test's mocked Date; real sockets and
// timers): TokenClient's advisory window (the cached token at once, one background
// refresh), the backoff of a failed background refresh (Retry-After first), no more
// than one token request in flight, invalid_client not retried in the background,
// no token handed out with less than minValiditySeconds left, and the kept error as
// the `cause` once the token runs out. JwksClient's refetch ahead and its stale keys up
// to maxStaleSeconds. The token and key set endpoints are hand servers, since the
// faults (a refusal on demand, Retry-After, a held answer) are ones a real server
// won't produce when asked; tests/keycloak/outage.test.mjs runs the same against a
// real Keycloak that is paused.

import { after, afterEach, beforeEach, describe, mock, test } from "node:test";
import assert from "node:assert/strict";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { JwksClient, TokenClient, verifyJwt } from "client-credentials";
import { closeAll, httpServer } from "../support/hand-server.mjs";

after(closeAll);

const T0 = Date.UTC(2026, 0, 1);
const clock = {
  set(ms) {
    mock.timers.setTime(ms);
  },
  advance(ms) {
    mock.timers.setTime(Date.now() + ms);
  },
};
beforeEach(() => mock.timers.enable({ apis: ["Date"], now: T0 }));
afterEach(() => mock.timers.reset());

/** Real time passing (the sockets and timers are real), for background work to settle. */
const settle = async (until, what, limitMs = 30_000) => {
  const started = performance.now();
  while (!until()) {
    if (performance.now() - started > limitMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
};

/**
 * A token endpoint under the test's control: `answer` says what the next request gets
 * (a status and body, or a promise of one, for held answers); it counts requests and
 * the most that were in flight at once.
 */
async function tokenEndpoint() {
  let n = 0;
  const state = {
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    answer: () => ({ status: 200, body: { access_token: `token-${++n}`, token_type: "Bearer", expires_in: 600 } }),
  };
  const server = await httpServer(async (_req, res) => {
    state.requests++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    try {
      const { status, body, headers = {} } = await state.answer();
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));
    } finally {
      state.inFlight--;
    }
  });
  state.url = server.url("/token");
  state.ok = state.answer;
  return state;
}

const down = () => ({ status: 503, body: { error: "temporarily_unavailable" } });

function client(endpoint, extra = {}) {
  const errors = [];
  const background = [];
  const c = new TokenClient({
    tokenUrl: endpoint.url,
    clientId: "c",
    clientSecret: "s",
    allowInsecureHttp: true,
    refreshSkewSeconds: 300,
    minValiditySeconds: 10,
    onRefreshError: (e) => errors.push(e),
    // The background refreshes, for the test to await (as a Worker's waitUntil would).
    waitUntil: (p) => background.push(p),
    ...extra,
  });
  return { c, errors, idle: () => Promise.all(background) };
}

// 600 s tokens, skew 300 s, minValidity 10 s: fresh until 300 s, advisory until 590 s.
const ADVISORY = 300_000, MANDATORY = 590_000;

describe("TokenClient: the advisory window", () => {
  test("the cached token comes at once and one background request replaces it, however many callers", async () => {
    const ep = await tokenEndpoint();
    const { c, idle } = client(ep);
    const first = await c.getToken();
    assert.equal(first.accessToken, "token-1");
    clock.set(T0 + ADVISORY);
    let release;
    ep.answer = () => new Promise((r) => (release = () => r(ep.ok())));
    const answers = await Promise.all(Array.from({ length: 100 }, () => c.getToken()));
    assert.ok(answers.every((t) => t === first), "every caller got the cached token at once");
    await settle(() => ep.requests === 2, "the background request");
    await Promise.all(Array.from({ length: 100 }, () => c.getToken()));
    assert.equal(ep.requests, 2, "exactly one background request while it is in flight");
    release();
    await idle();
    assert.equal((await c.getToken()).accessToken, "token-2", "the new token replaced the cached one");
    assert.equal(ep.requests, 2);
    assert.equal(ep.maxInFlight, 1);
  });

  test("a failed background refresh keeps the token, reports the error, and waits out the backoff", async () => {
    const ep = await tokenEndpoint();
    const { c, errors, idle } = client(ep);
    const first = await c.getToken();
    // The promise every caller gets while the token is cached: already resolved, no network.
    const cached = c.getToken();
    ep.answer = down;
    clock.set(T0 + ADVISORY);
    assert.equal(c.getToken(), cached);
    await idle();
    assert.equal(errors.length, 1, "onRefreshError");
    assert.equal(errors[0].code, "ERR_OAUTH");
    assert.equal(errors[0].error, "temporarily_unavailable");
    // The caps: 1, 2, 4, 8, 16, 30, 30 s. Within a cap at most one request; past it, one.
    const caps = [1, 2, 4, 8, 16, 30, 30];
    for (const [i, cap] of caps.entries()) {
      const before = ep.requests;
      clock.advance(cap * 1000);
      for (let k = 0; k < 20; k++) {
        assert.equal(c.getToken(), cached, "the cached token, at once");
        assert.equal(await c.getToken(), first);
      }
      await idle();
      assert.equal(errors.length, i + 2, `failure ${i + 2}`);
      assert.equal(ep.requests - before, 1, `one request once the ${cap} s cap passed`);
    }
    assert.equal(ep.maxInFlight, 1, "never more than one request in flight");
    // Recovery at the next step.
    ep.answer = ep.ok;
    clock.advance(30_000);
    assert.equal(await c.getToken(), first);
    await idle();
    assert.equal(ep.requests, 3 + caps.length, "one more attempt, which got the token");
    assert.equal((await c.getToken()).accessToken, "token-2");
    assert.equal(errors.length, 1 + caps.length);
  });

  test("a Retry-After from the server wins over the backoff", async () => {
    const ep = await tokenEndpoint();
    const { c, errors } = client(ep);
    await c.getToken();
    ep.answer = () => ({ status: 503, body: { error: "temporarily_unavailable" }, headers: { "retry-after": "120" } });
    clock.set(T0 + ADVISORY);
    await c.getToken();
    await settle(() => errors.length === 1, "the first failure");
    assert.equal(errors[0].retryAfter, "120");
    for (let s = 1; s < 120; s += 7) {
      clock.set(T0 + ADVISORY + s * 1000);
      await c.getToken();
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ep.requests, 2, "no request before the 120 s the server asked for");
    clock.set(T0 + ADVISORY + 120_000);
    await c.getToken();
    await settle(() => ep.requests === 3, "the request after Retry-After");
  });

  test("invalid_client is not retried in the background; the token is kept until minValiditySeconds, then the caller's error has it as cause", async () => {
    const ep = await tokenEndpoint();
    const { c, errors } = client(ep);
    const first = await c.getToken();
    ep.answer = () => ({ status: 401, body: { error: "invalid_client", error_description: "Invalid client credentials" } });
    clock.set(T0 + ADVISORY);
    await c.getToken();
    await settle(() => errors.length === 1, "onRefreshError");
    assert.equal(errors[0].error, "invalid_client");
    for (let t = ADVISORY; t < MANDATORY; t += 10_000) {
      clock.set(T0 + t);
      assert.equal(await c.getToken(), first);
    }
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ep.requests, 2, "not retried in the background");
    clock.set(T0 + MANDATORY);
    const err = await c.getToken().then(
      () => assert.fail("resolved past minValiditySeconds"),
      (e) => e,
    );
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(ep.requests, 3, "the caller's own request");
    assert.equal(err.cause, errors[0], "the background error is the cause");
  });

  test("never handed out with less than minValiditySeconds left; an outage then reaches the caller with the background errors as cause", async () => {
    const ep = await tokenEndpoint();
    const { c, errors } = client(ep, { timeoutMs: 1000 });
    const first = await c.getToken();
    ep.answer = down;
    clock.set(T0 + MANDATORY - 1);
    assert.equal(await c.getToken(), first, "1 ms before: still handed out");
    await settle(() => errors.length === 1, "the background failure");
    clock.set(T0 + MANDATORY);
    const err = await c.getToken().then(
      () => assert.fail("handed out with 10 s left"),
      (e) => e,
    );
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.cause, errors[0]);
    // Back: the next caller gets a new token.
    ep.answer = ep.ok;
    const next = await c.getToken();
    assert.equal(next.accessToken, "token-2");
    assert.ok(next.expiresAt - Date.now() >= 10_000);
    assert.equal(ep.maxInFlight, 1);
  });

  test("waitUntil gets each background refresh; it settles and never rejects", async () => {
    const ep = await tokenEndpoint();
    const handed = [];
    const { c } = client(ep, { waitUntil: (p) => handed.push(p) });
    await c.getToken();
    assert.equal(handed.length, 0, "the first request is the caller's, not background work");
    ep.answer = down;
    clock.set(T0 + ADVISORY);
    await c.getToken();
    await c.getToken();
    assert.equal(handed.length, 1);
    assert.equal(await handed[0], undefined, "a failed refresh settles the handed promise without rejecting");
    ep.answer = ep.ok;
    clock.advance(1000);
    await c.getToken();
    assert.equal(handed.length, 2);
    await handed[1];
    assert.equal((await c.getToken()).accessToken, "token-2");
  });

  test("a throwing onRefreshError changes nothing", async () => {
    const ep = await tokenEndpoint();
    const { c, idle } = client(ep, {
      onRefreshError: () => {
        throw new Error("handler bug");
      },
    });
    const first = await c.getToken();
    ep.answer = down;
    clock.set(T0 + ADVISORY);
    assert.equal(await c.getToken(), first);
    await idle();
    assert.equal(ep.requests, 2);
    assert.equal(await c.getToken(), first);
  });

  test("bad options throw ERR_INVALID_OPTIONS", () => {
    const base = { tokenUrl: "https://as.example/token", clientId: "c", clientSecret: "s" };
    for (const bad of [{ minValiditySeconds: -1 }, { minValiditySeconds: 86_401 }, { minValiditySeconds: "10" }, { onRefreshError: 5 }, { waitUntil: "ctx" }]) {
      assert.throws(() => new TokenClient({ ...base, ...bad }), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(bad));
    }
    for (const good of [{ minValiditySeconds: 0 }, { onRefreshError: null }, { waitUntil: undefined }]) new TokenClient({ ...base, ...good }).free();
  });
});

// ---------------------------------------------------------------------------------------

/** A key set endpoint under the test's control, with a key pair and tokens it signed. */
async function keySetEndpoint() {
  const { privateKey, publicKey } = await generateKeyPair("ES256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  const state = { requests: 0, inFlight: 0, maxInFlight: 0, up: true };
  const server = await httpServer(async (_req, res) => {
    state.requests++;
    state.inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    state.inFlight--;
    if (!state.up) return res.writeHead(503, { "content-type": "text/plain" }).end("down");
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] }));
  });
  state.url = server.url("/certs");
  state.sign = (kid = "k1") =>
    new SignJWT({ sub: "svc" }).setProtectedHeader({ alg: "ES256", kid }).setIssuer("https://as.example").setIssuedAt().setExpirationTime("100d").sign(privateKey);
  return state;
}

describe("JwksClient: refetch ahead, stale keys up to maxStaleSeconds", () => {
  const options = (jwks) => ({ jwks, issuer: "https://as.example", audience: false });

  test("past maxAgeSeconds the keys serve at once while one background refetch runs; a failed one keeps them, up to maxStaleSeconds", async () => {
    const ep = await keySetEndpoint();
    const errors = [];
    const background = [];
    const jwks = new JwksClient({
      jwksUri: ep.url,
      allowInsecureHttp: true,
      maxAgeSeconds: 600,
      maxStaleSeconds: 3600,
      onRefreshError: (e) => errors.push(e),
      waitUntil: (p) => background.push(p),
    });
    const token = await ep.sign();
    await verifyJwt(token, options(jwks));
    assert.equal(ep.requests, 1);
    ep.up = false;
    clock.set(T0 + 600_000);
    await Promise.all(Array.from({ length: 50 }, () => verifyJwt(token, options(jwks))));
    await settle(() => errors.length === 1, "the failed refetch");
    assert.equal(ep.requests, 2, "one background refetch for 50 callers");
    assert.equal(errors[0].code, "ERR_HTTP");
    // Through the stale window, each call verifies; the backoff spaces the refetches.
    for (let t = 600_000; t < 3_600_000; t += 31_000) {
      clock.set(T0 + t);
      await verifyJwt(token, options(jwks));
      // The refetch ends before the clock jumps further than a request can take.
      await Promise.all(background);
    }
    assert.equal(ep.maxInFlight, 1);
    assert.ok(errors.length >= 90 && errors.length === ep.requests - 1, `${errors.length} failures reported for ${ep.requests - 1} refetches`);
    // An unknown kid while the endpoint is down: ERR_JWKS_NO_KEY with the transport error as cause.
    clock.set(T0 + 3_599_000);
    const unknown = await verifyJwt(await ep.sign("k2"), options(jwks)).catch((e) => e);
    assert.equal(unknown.code, "ERR_JWKS_NO_KEY");
    assert.equal(unknown.cause?.code, "ERR_HTTP");
    // Past maxStaleSeconds the keys are not used.
    clock.set(T0 + 3_600_000);
    const stale = await verifyJwt(token, options(jwks)).catch((e) => e);
    assert.equal(stale.code, "ERR_HTTP");
    assert.equal(stale.cause?.code, "ERR_HTTP", "the earlier refetch failure is its cause");
    // Back up: the next call fetches and verifies.
    ep.up = true;
    assert.ok(await verifyJwt(token, options(jwks)));
  });

  test("the background refetch goes to waitUntil; options are checked", async () => {
    const ep = await keySetEndpoint();
    const handed = [];
    const jwks = new JwksClient({ jwksUri: ep.url, allowInsecureHttp: true, waitUntil: (p) => handed.push(p) });
    const token = await ep.sign();
    await verifyJwt(token, options(jwks));
    assert.equal(handed.length, 0);
    clock.set(T0 + 600_000);
    await verifyJwt(token, options(jwks));
    assert.equal(handed.length, 1);
    await handed[0];
    assert.equal(ep.requests, 2);
    for (const bad of [{ maxStaleSeconds: 100 }, { maxStaleSeconds: 2_592_001 }, { maxStaleSeconds: "1" }, { onRefreshError: {} }, { waitUntil: 1 }]) {
      assert.throws(() => new JwksClient({ jwksUri: ep.url, allowInsecureHttp: true, ...bad }), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(bad));
    }
  });
});
