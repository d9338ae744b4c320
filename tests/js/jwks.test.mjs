// JwksClient and verifyJwt against a real authorization server (oidc-provider, shaped like
// the seed's Keycloak realm): real tokens and their JWKS, discovery from the issuer with
// the exact-issuer check, one shared fetch for concurrent callers, key rotation (a new
// `kid`: one refetch, then success), a flood of made-up `kid`s (at most one fetch per
// cooldown), and failures that are not cached. JWKS requests are counted at the server
// (`stats.jwksRequests`); the faults a real server won't produce come from a small hand
// server in front of it.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { JwksClient, clientRoles, fetchClientCredentialsToken, realmRoles, verifyJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { randomKidToken } from "../support/random-kid.mjs";

let as;
let front; // a hand server in front of `as`'s JWKS, for faults
const closers = [];

before(async () => {
  as = await startAuthServer({ accessTokenTtl: 300 });
  closers.push(as.close);
  front = await startFront(as.jwksUri);
  closers.push(front.close);
});

after(async () => {
  await Promise.allSettled(closers.map((close) => close()));
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A real token from oidc-provider, for the seed's client. */
async function realToken() {
  const { clientId, clientSecret } = as.clients.basic;
  const { accessToken } = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret });
  return accessToken;
}

const verifyOptions = (jwks, extra = {}) => ({ jwks, issuer: as.issuer, audience: `${as.issuer}/account`, ...extra });


/**
 * A JWKS endpoint that relays `upstream`, except that the next `failNext(n)` requests get a
 * 503 and `hang()` makes every request wait forever. Counts requests.
 */
async function startFront(upstream) {
  let failures = 0;
  let hanging = false;
  const state = { requests: 0 };
  const server = http.createServer(async (req, res) => {
    state.requests++;
    if (hanging) return;
    if (failures > 0) {
      failures--;
      res.writeHead(503, { "content-type": "text/plain" }).end("down for maintenance");
      return;
    }
    const body = await fetch(upstream).then((r) => r.text());
    res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/certs`,
    state,
    failNext(n) {
      failures = n;
    },
    hang(on = true) {
      hanging = on;
    },
    close() {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

describe("oidc-provider's tokens and JWKS", () => {
  test("a JwksClient from the issuer (discovery) verifies a real token", async () => {
    const token = await realToken();
    const jwks = new JwksClient({ issuer: as.issuer });
    const { header, payload } = await verifyJwt(token, verifyOptions(jwks, { authorizedParty: "archival-service" }));
    assert.equal(header.alg, "RS256");
    assert.equal(jwks.jwksUri, `${as.issuer}/protocol/openid-connect/certs`);
    assert.equal(payload.azp, "archival-service");
    assert.deepEqual(realmRoles(payload), ["default-roles-sivalabs", "offline_access", "uma_authorization"]);
    assert.deepEqual(clientRoles(payload, "account"), ["manage-account", "manage-account-links", "view-profile"]);
    await assert.rejects(verifyJwt(token, verifyOptions(jwks, { audience: "archive-api" })), { code: "ERR_JWT_CLAIM", claim: "aud" });
  });

  test("a JwksClient with jwksUri; the issuer check of discovery", async () => {
    const token = await realToken();
    assert.ok(await verifyJwt(token, verifyOptions(new JwksClient({ jwksUri: as.jwksUri }))));
    // Metadata that names another issuer is refused, as TokenClient's discovery refuses it.
    const wrong = new JwksClient({ issuer: `${as.issuer}/` });
    await assert.rejects(verifyJwt(token, verifyOptions(wrong)), { code: "ERR_INVALID_RESPONSE" });
  });

  test("concurrent callers share one fetch; imported keys are kept", async () => {
    const token = await realToken();
    const jwks = new JwksClient({ jwksUri: as.jwksUri });
    as.resetStats();
    const results = await Promise.all(Array.from({ length: 200 }, () => verifyJwt(token, verifyOptions(jwks))));
    assert.equal(results.length, 200);
    for (let i = 0; i < 50; i++) await verifyJwt(token, verifyOptions(jwks));
    assert.equal(as.stats.jwksRequests, 1);
  });

  test("key rotation: a new kid causes one refetch, then success", async () => {
    const jwks = new JwksClient({ issuer: as.issuer, cooldownSeconds: 0.2 });
    assert.ok(await verifyJwt(await realToken(), verifyOptions(jwks)));
    await sleep(250);
    const kid = await as.rotateKeys();
    const rotated = await realToken();
    assert.notEqual(JSON.parse(Buffer.from(rotated.split(".")[0], "base64url")).kid, undefined);
    as.resetStats();
    const { header } = await verifyJwt(rotated, verifyOptions(jwks));
    assert.equal(header.kid, kid);
    assert.equal(as.stats.jwksRequests, 1);
    await verifyJwt(rotated, verifyOptions(jwks));
    assert.equal(as.stats.jwksRequests, 1);
  });

  test("1000 tokens with made-up kids: at most one JWKS fetch per cooldown", async (t) => {
    const jwks = new JwksClient({ jwksUri: as.jwksUri, cooldownSeconds: 30 });
    await randomKidToken(as.issuer);
    const tokens = await Promise.all(Array.from({ length: 1000 }, randomKidToken));
    as.resetStats();
    // Cold: all 1000 at once share the first load, and none refetches.
    const cold = await Promise.allSettled(tokens.map((t) => verifyJwt(t, verifyOptions(jwks))));
    assert.ok(cold.every((r) => r.status === "rejected" && r.reason.code === "ERR_JWKS_NO_KEY"));
    assert.equal(as.stats.jwksRequests, 1);
    // Warm, one after another: still within the cooldown.
    for (const t of tokens) await assert.rejects(verifyJwt(t, verifyOptions(jwks)), { code: "ERR_JWKS_NO_KEY" });
    assert.equal(as.stats.jwksRequests, 1);
    // A warm client past its cooldown refetches once for the whole flood. The clock (node:test's
    // mock of Date) stands still meanwhile: a flood slower than the cooldown on a busy machine
    // would rightly refetch again.
    const known = await realToken();
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() });
    const quick = new JwksClient({ jwksUri: as.jwksUri, cooldownSeconds: 0.2 });
    assert.ok(await verifyJwt(known, verifyOptions(quick)));
    t.mock.timers.tick(250);
    as.resetStats();
    await Promise.allSettled(tokens.map((t) => verifyJwt(t, verifyOptions(quick))));
    assert.equal(as.stats.jwksRequests, 1);
  });
});

describe("failures", () => {
  test("a failed fetch is not cached: with no keys, the next call fetches again", async () => {
    const token = await realToken();
    const jwks = new JwksClient({ jwksUri: front.url });
    front.failNext(1);
    const before = front.state.requests;
    await assert.rejects(verifyJwt(token, verifyOptions(jwks)), (e) => e.code === "ERR_HTTP" && e.status === 503 && !e.message.includes(token));
    assert.ok(await verifyJwt(token, verifyOptions(jwks)));
    assert.equal(front.state.requests - before, 2);
  });

  test("with keys known, a failed refresh keeps them in use; each failure reaches onRefreshError", async () => {
    const token = await realToken();
    const errors = [];
    const jwks = new JwksClient({ jwksUri: front.url, maxAgeSeconds: 0, onRefreshError: (e) => errors.push(e) });
    assert.ok(await verifyJwt(token, verifyOptions(jwks)));
    front.failNext(3);
    const before = front.state.requests;
    for (let i = 0; i < 20; i++) {
      assert.ok(await verifyJwt(token, verifyOptions(jwks)));
      await sleep(100);
    }
    const made = front.state.requests - before;
    // Max age 0: every call may refetch, in the background, spaced by the backoff (1 s, 2 s caps).
    assert.ok(made >= 2, `only ${made} refetches in 2 s`);
    assert.equal(errors.length, Math.min(made, 3), "each failed refetch reported");
    assert.ok(errors.every((e) => e.code === "ERR_HTTP" && e.status === 503));
    front.failNext(0);
  });

  test("timeoutMs bounds a key set request", async () => {
    const token = await realToken();
    const jwks = new JwksClient({ jwksUri: front.url, timeoutMs: 200 });
    front.hang();
    try {
      const started = Date.now();
      await assert.rejects(verifyJwt(token, verifyOptions(jwks)), { code: "ERR_TIMEOUT" });
      // Not before the timeout (a timer never fires early); doesn't hang: 10× the timeout and a request.
      const tookMs = Date.now() - started;
      assert.ok(tookMs >= 190 && tookMs < 10 * (200 + 200), `took ${tookMs} ms`);
    } finally {
      front.hang(false);
    }
  });

  test("a redirect is not followed; an aborted signal stops the fetch", async () => {
    const token = await realToken();
    const redirector = http.createServer((_req, res) => res.writeHead(302, { location: as.jwksUri }).end());
    await new Promise((r) => redirector.listen(0, "127.0.0.1", r));
    try {
      const jwks = new JwksClient({ jwksUri: `http://127.0.0.1:${redirector.address().port}/certs` });
      await assert.rejects(verifyJwt(token, verifyOptions(jwks)), (e) => e.code === "ERR_INVALID_RESPONSE" && /redirect/.test(e.message));
    } finally {
      redirector.close();
    }
    const controller = new AbortController();
    controller.abort();
    const aborted = new JwksClient({ jwksUri: as.jwksUri, signal: controller.signal });
    await assert.rejects(verifyJwt(token, verifyOptions(aborted)), { code: "ERR_ABORTED" });
  });

  test("a body that is not a key set is ERR_INVALID_RESPONSE", async () => {
    const token = await realToken();
    const jwks = new JwksClient({ jwksUri: as.discoveryUrl });
    await assert.rejects(verifyJwt(token, verifyOptions(jwks)), (e) => e.code === "ERR_INVALID_RESPONSE" && /keys/.test(e.message));
  });

  test("options: issuer or jwksUri, https except loopback, numbers in range", () => {
    for (const bad of [
      {},
      { issuer: as.issuer, jwksUri: as.jwksUri },
      { jwksUri: "http://sso.example/certs" },
      { jwksUri: "not a url" },
      { issuer: "https://sso.example/realms/x?tenant=1" },
      { jwksUri: as.jwksUri, cooldownSeconds: -1 },
      { jwksUri: as.jwksUri, maxAgeSeconds: "600" },
      { jwksUri: as.jwksUri, timeoutMs: 0 },
      { jwksUri: as.jwksUri, signal: "stop" },
    ]) {
      assert.throws(() => new JwksClient(bad), { code: "ERR_INVALID_OPTIONS" }, JSON.stringify(bad));
    }
    assert.ok(new JwksClient({ jwksUri: "http://sso.example/certs", allowInsecureHttp: true }));
  });
});
