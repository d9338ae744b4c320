// Through an outage of a real Keycloak: the client `archival-service` gets 20 s tokens
// (its `access.token.lifespan`, set through the admin API), and TokenClient refreshes
// them 10 s ahead with `minValiditySeconds: 3`: the advisory window is 7 s long. A
// JwksClient with `maxAgeSeconds: 5`, `maxStaleSeconds: 12` verifies a token of another
// client throughout. Keycloak is paused with SIGSTOP, so requests connect and hang
// (`timeoutMs: 1000` ends them), while callers ask every 50 ms:
//
//   A. paused through the advisory window: no getToken() or verification fails, and no
//      getToken() waits more than 5 ms;
//   B. still paused past minValiditySeconds (and maxStaleSeconds): calls fail with the
//      transport's code (ERR_TIMEOUT), the background errors as `cause`;
//   C. resumed (SIGCONT): the next call recovers;
//   D. paused again in the next token's advisory window and resumed inside it: the new
//      token comes at the next backoff step, and no call failed.
//
// The instance is this file's own (not the shared one), since pausing it would stall
// the other suites.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fetchClientCredentialsToken, JwksClient, TokenClient, verifyJwt } from "client-credentials";
import { startKeycloak, REALM_FILE } from "../../scripts/keycloak.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const secretOf = (id) => realm.clients.find((c) => c.clientId === id).secret;
const SEED = { clientId: "archival-service", clientSecret: secretOf("archival-service") };
const OTHER = { clientId: "archival-special", clientSecret: secretOf("archival-special") };

const LIFESPAN_S = 20, SKEW_S = 10, MIN_VALIDITY_S = 3, TIMEOUT_MS = 1000;
const MAX_AGE_S = 5, MAX_STALE_S = 12;

let kc;
let paused = false;
const pause = () => {
  process.kill(-kc.pid, "SIGSTOP");
  paused = true;
};
const resume = () => {
  process.kill(-kc.pid, "SIGCONT");
  paused = false;
};

before(async () => {
  // Options of its own: a dedicated instance, never KEYCLOAK_SHARED.
  kc = await startKeycloak({ port: 0 });
  console.log(`# dedicated Keycloak ${kc.version} ready in ${kc.startSeconds.toFixed(1)} s (pid ${kc.pid})`);
  const [client] = await kc.adminApi(`/clients?clientId=${SEED.clientId}`);
  await kc.adminApi(`/clients/${client.id}`, {
    method: "PUT",
    body: { ...client, attributes: { ...client.attributes, "access.token.lifespan": String(LIFESPAN_S) } },
  });
});

after(async () => {
  if (paused) resume();
  await kc?.stop();
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sleepUntil = (epochMs) => sleep(Math.max(0, epochMs - Date.now()));

/**
 * Calls getToken() and verifyJwt() every 50 ms until `stop()`, recording for each call
 * when it started, how long it took and how it ended.
 */
function callers(client, jwks, token) {
  const calls = [];
  let running = true;
  const loop = (kind, call) =>
    (async () => {
      while (running) {
        const at = Date.now();
        const started = performance.now();
        const record = { kind, at, paused };
        try {
          record.value = await call();
          record.ok = true;
        } catch (error) {
          record.ok = false;
          record.error = error;
        }
        record.ms = performance.now() - started;
        calls.push(record);
        await sleep(Math.max(0, 50 - record.ms));
      }
    })();
  const verifyOptions = { jwks, issuer: kc.issuer, audience: false };
  const loops = [loop("getToken", () => client.getToken()), loop("verify", () => verifyJwt(token, verifyOptions))];
  return {
    calls,
    between: (from, to, kind) => calls.filter((c) => c.kind === kind && c.at >= from && c.at < to),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** When a token's advisory and mandatory windows start: the skew is capped at half the lifetime, minValiditySeconds at the skew. */
function windows(token) {
  const skew = Math.min(SKEW_S, token.expiresIn / 2);
  return { advisoryAt: token.expiresAt - skew * 1000, mandatoryAt: token.expiresAt - Math.min(MIN_VALIDITY_S, skew) * 1000 };
}

const longest = (calls) => Math.max(0, ...calls.map((c) => c.ms));
const failed = (calls) => calls.filter((c) => !c.ok);

test("through a Keycloak outage: the advisory window serves, the mandatory one fails with the cause, recovery follows", { timeout: 180_000 }, async () => {
  const refreshErrors = [];
  const refetchErrors = [];
  const client = new TokenClient({
    tokenUrl: kc.tokenUrl,
    ...SEED,
    refreshSkewSeconds: SKEW_S,
    minValiditySeconds: MIN_VALIDITY_S,
    timeoutMs: TIMEOUT_MS,
    onRefreshError: (e) => refreshErrors.push({ at: Date.now(), e }),
  });
  const jwks = new JwksClient({
    jwksUri: kc.jwksUri,
    maxAgeSeconds: MAX_AGE_S,
    maxStaleSeconds: MAX_STALE_S,
    timeoutMs: TIMEOUT_MS,
    onRefreshError: (e) => refetchErrors.push({ at: Date.now(), e }),
  });
  // The verified token is another client's, with Keycloak's default 300 s: it outlives the test.
  const { accessToken: verified } = await fetchClientCredentialsToken({ tokenUrl: kc.tokenUrl, ...OTHER });

  const first = await client.getToken();
  // Keycloak says 19 or 20 (its iat and exp are whole seconds).
  assert.ok([LIFESPAN_S - 1, LIFESPAN_S].includes(first.expiresIn), `Keycloak honours the client's access.token.lifespan: ${first.expiresIn}`);
  const obtained = first.expiresAt - first.expiresIn * 1000;
  const { advisoryAt, mandatoryAt } = windows(first);
  await verifyJwt(verified, { jwks, issuer: kc.issuer, audience: false });
  const run = callers(client, jwks, verified);
  try {
    // A. Paused a second before the advisory window, through it.
    await sleepUntil(advisoryAt - 1000);
    const pausedAt = Date.now();
    pause();
    await sleepUntil(mandatoryAt - 100);
    const tokensA = run.between(pausedAt, mandatoryAt - 100, "getToken");
    const verifiesA = run.between(pausedAt, mandatoryAt - 100, "verify");
    console.log(
      `# A (paused through the advisory window, ${((mandatoryAt - pausedAt) / 1000).toFixed(1)} s): ` +
        `getToken ${tokensA.length} calls, ${failed(tokensA).length} failed, longest ${longest(tokensA).toFixed(2)} ms; ` +
        `verifyJwt ${verifiesA.length} calls, ${failed(verifiesA).length} failed, longest ${longest(verifiesA).toFixed(2)} ms; ` +
        `background failures: ${refreshErrors.length} token, ${refetchErrors.length} key set`,
    );
    assert.ok(tokensA.length >= 100, `only ${tokensA.length} calls`);
    assert.deepEqual(failed(tokensA).map((c) => c.error?.code), [], "no getToken() failed in the advisory window");
    assert.ok(tokensA.every((c) => c.value === first), "the cached token served throughout");
    assert.ok(longest(tokensA) <= 5, `a getToken() waited ${longest(tokensA).toFixed(2)} ms`);
    assert.deepEqual(failed(verifiesA).map((c) => c.error?.code), [], "no verification failed while the keys were stale");
    // A verification that waited for the paused network would take timeoutMs.
    assert.ok(longest(verifiesA) < TIMEOUT_MS / 4, `a verification waited ${longest(verifiesA).toFixed(1)} ms`);
    assert.ok(refreshErrors.length >= 1 && refreshErrors.every(({ e }) => e.code === "ERR_TIMEOUT"), "onRefreshError heard the timeouts");
    assert.ok(refetchErrors.length >= 1 && refetchErrors.every(({ e }) => e.code === "ERR_TIMEOUT"));

    // B. Still paused past minValiditySeconds: the callers wait, and fail with the cause.
    const failingFrom = mandatoryAt + 2 * TIMEOUT_MS;
    await sleepUntil(failingFrom + 4000);
    const tokensB = run.between(failingFrom, failingFrom + 4000, "getToken");
    // The keys were last fetched about MAX_AGE_S after `obtained` (the refetch before the pause).
    const staleFrom = obtained + (MAX_AGE_S + MAX_STALE_S) * 1000 + 2 * TIMEOUT_MS;
    const verifiesB = run.between(staleFrom, Date.now(), "verify");
    console.log(
      `# B (past minValiditySeconds, still paused): getToken ${tokensB.length} calls, ${failed(tokensB).length} failed ` +
        `(${[...new Set(failed(tokensB).map((c) => c.error.code))]}), causes: ${[...new Set(failed(tokensB).map((c) => c.error.cause?.code))]}; ` +
        `verifyJwt ${verifiesB.length} calls, ${failed(verifiesB).length} failed`,
    );
    assert.ok(tokensB.length >= 1 && failed(tokensB).length === tokensB.length, "past minValiditySeconds every call fails");
    for (const { error } of tokensB) {
      assert.equal(error.code, "ERR_TIMEOUT");
      assert.ok(refreshErrors.some(({ e }) => e === error.cause), "its cause is a background error");
    }
    assert.ok(verifiesB.length >= 1 && verifiesB.every((c) => !c.ok && c.error.code === "ERR_TIMEOUT" && c.error.cause?.code === "ERR_TIMEOUT"), "past maxStaleSeconds verification fails, with the cause");

    // C. Resumed: the next calls recover.
    const resumedAt = Date.now();
    resume();
    await sleep(3 * TIMEOUT_MS);
    const second = await client.getToken();
    assert.notEqual(second, first);
    const recovered = run.calls.find((c) => c.kind === "getToken" && c.ok && c.at >= resumedAt);
    const verified2 = run.calls.find((c) => c.kind === "verify" && c.ok && c.at >= resumedAt);
    const failedTokens = failed(run.calls.filter((c) => c.kind === "getToken"));
    assert.ok(failedTokens.every((c) => c.at >= mandatoryAt - 50 && c.at < resumedAt), "getToken() failed only past minValiditySeconds, while paused");
    console.log(`# C (resumed): first token ${((recovered.at + recovered.ms - resumedAt) / 1000).toFixed(2)} s after SIGCONT, first verification ${((verified2.at + verified2.ms - resumedAt) / 1000).toFixed(2)} s after`);

    // D. Paused in the next token's advisory window, resumed inside it: no call fails,
    // and the new token comes at the next backoff step.
    const { advisoryAt: secondAdvisory, mandatoryAt: secondMandatory } = windows(second);
    await sleepUntil(secondAdvisory - 500);
    const errorsBefore = refreshErrors.length;
    const pausedD = Date.now();
    pause();
    await sleepUntil(secondAdvisory + 2500);
    const resumedD = Date.now();
    resume();
    let third;
    while (Date.now() < secondMandatory && (third = await client.getToken()) === second) await sleep(20);
    const arrivedD = Date.now();
    const failuresD = refreshErrors.slice(errorsBefore);
    const callsD = run.between(pausedD, arrivedD, "getToken");
    // After the last failure the next attempt waits at most its cap (1 s, 2 s, 4 s ...), then takes a moment.
    const cap = Math.min(30_000, 1000 * 2 ** Math.max(0, failuresD.length - 1));
    const lastFailure = failuresD.at(-1)?.at ?? resumedD;
    console.log(
      `# D (paused ${((resumedD - pausedD) / 1000).toFixed(1)} s in the advisory window): ${failuresD.length} background failures, ` +
        `new token ${((arrivedD - resumedD) / 1000).toFixed(2)} s after SIGCONT (backoff cap ${cap / 1000} s); ` +
        `getToken ${callsD.length} calls, ${failed(callsD).length} failed, longest ${longest(callsD).toFixed(2)} ms`,
    );
    assert.notEqual(third, second, "a new token before the mandatory window");
    assert.ok(failuresD.length >= 1, "the pause was felt");
    assert.ok(arrivedD - Math.max(lastFailure, resumedD) <= cap + 2 * TIMEOUT_MS, "the new token came at the next backoff step");
    assert.deepEqual(failed(callsD).map((c) => c.error?.code), []);
    assert.ok(longest(callsD) <= 5, `a getToken() waited ${longest(callsD).toFixed(2)} ms`);
  } finally {
    if (paused) resume();
    await run.stop();
    const all = run.calls.filter((c) => c.kind === "getToken");
    console.log(`# all: getToken ${all.length} calls, ${failed(all).length} failed (all past minValiditySeconds while paused)`);
  }
});
