// Cloudflare Workers (workerd from npm): refresh ahead in the background. workerd cancels
// what a finished request left running, so a TokenClient hands its background refresh to
// `waitUntil` (here `cloudflare:workers`' own, usable at module scope): the response
// goes out with the cached token at once, and the refresh still completes. Without
// `waitUntil`, the refresh runs inside the request that needs it, and a failure there
// still answers with the cached token. The token endpoint is a hand server, to hold or
// refuse its answers on demand.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, installedPackage, run, runtimeBinary, serveWorkerd, bundleWorker, oneWorkerConfig } from "./support/harness.mjs";
import { closeAll, httpServer } from "../support/hand-server.mjs";

const workerd = runtimeBinary("workerd");
const version = (await run(workerd, ["--version"])).stdout.trim();

const LIFETIME_S = 8; // refreshSkewSeconds 3, minValiditySeconds 1: advisory from 5 s to 7 s
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe(`${version}: refresh ahead with waitUntil`, () => {
  let server, port, endpoint;
  const get = async (client) => {
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/token?client=${client}`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: await res.json(), ms: performance.now() - started };
  };

  before(async () => {
    let n = 0;
    endpoint = { requests: 0, delayMs: 0, status: 200, answered: 0 };
    const tokenServer = await httpServer(async (_req, res) => {
      endpoint.requests++;
      await sleep(endpoint.delayMs);
      endpoint.answered++;
      if (endpoint.status !== 200) return res.writeHead(endpoint.status, { "content-type": "application/json" }).end('{"error":"temporarily_unavailable"}');
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: `token-${++n}`, token_type: "Bearer", expires_in: LIFETIME_S }));
    });
    const project = installedPackage();
    const dir = join(project.dir, "outage-worker");
    await bundleWorker(project, join(FIXTURES, "workerd", "outage.mjs"), dir);
    writeFileSync(join(dir, "config.capnp"), oneWorkerConfig("outage", { TOKEN_URL: tokenServer.url("/token") }));
    server = serveWorkerd(workerd, dir, ["outage"]);
    ({ outage: port } = await server.ready);
  });

  after(async () => {
    if (process.env.SHOW_WORKERD_OUTPUT) console.log(server?.output());
    server?.child.kill();
    await closeAll();
  });

  /** Sleeps into the advisory window of a token that expires at `expiresAt`. */
  const intoAdvisory = (expiresAt) => sleep(Math.max(0, expiresAt - 3000 + 300 - Date.now()));

  /** With the endpoint answering at once: `client`'s current token, once it is in its advisory window. */
  const advisoryToken = async (client) => {
    endpoint.delayMs = 0;
    endpoint.status = 200;
    const current = await get(client);
    assert.equal(current.status, 200, JSON.stringify(current.body));
    await intoAdvisory(current.body.expiresAt);
    return current;
  };

  test("with waitUntil: the response carries the cached token at once, and the refresh completes after it", { timeout: 60_000 }, async () => {
    const first = await advisoryToken("waitUntil");
    endpoint.delayMs = 1500;
    const before = endpoint.requests;
    const during = await get("waitUntil");
    assert.equal(during.body.accessToken, first.body.accessToken, "the cached token");
    assert.ok(during.ms < 1000, `the response waited ${during.ms.toFixed(0)} ms for the refresh`);
    // The response is out; the refresh lives on through waitUntil.
    await sleep(2000);
    assert.equal(endpoint.requests - before, 1, "one background request");
    assert.equal(endpoint.answered, endpoint.requests);
    const after = await get("waitUntil");
    assert.notEqual(after.body.accessToken, first.body.accessToken, "the background refresh completed");
    assert.equal(endpoint.requests - before, 1, "and no request since");
    console.log(`# waitUntil: the advisory-window response took ${during.ms.toFixed(1)} ms, the token request ${endpoint.delayMs} ms`);
  });

  test("with waitUntil: a failed background refresh keeps the token and reaches onRefreshError", { timeout: 60_000 }, async () => {
    const current = await advisoryToken("waitUntil");
    endpoint.status = 503;
    const during = await get("waitUntil");
    assert.equal(during.status, 200);
    assert.equal(during.body.accessToken, current.body.accessToken);
    await sleep(500);
    assert.match(server.output(), /onRefreshError\(waitUntil\): ERR_OAUTH/);
    // Past minValiditySeconds the caller waits, and the failure reaches it with the cause.
    await sleep(Math.max(0, current.body.expiresAt - 1000 + 100 - Date.now()));
    const late = await get("waitUntil");
    assert.equal(late.status, 500);
    assert.deepEqual([late.body.code, late.body.cause], ["ERR_OAUTH", "ERR_OAUTH"]);
    endpoint.status = 200;
  });

  test("without waitUntil: the refresh runs inside the request that needs it, and a failure answers with the cached token", { timeout: 60_000 }, async () => {
    const first = await advisoryToken("inline");
    endpoint.delayMs = 800;
    const refreshed = await get("inline");
    assert.ok(refreshed.ms >= 700, `answered in ${refreshed.ms.toFixed(0)} ms, before the refresh`);
    assert.notEqual(refreshed.body.accessToken, first.body.accessToken, "the request carried the new token");
    await intoAdvisory(refreshed.body.expiresAt);
    endpoint.delayMs = 0;
    endpoint.status = 503;
    const kept = await get("inline");
    assert.equal(kept.status, 200, JSON.stringify(kept.body));
    assert.equal(kept.body.accessToken, refreshed.body.accessToken, "the failed refresh left the cached token");
    assert.doesNotMatch(server.output(), /different request context|hung|never resolve/i);
    endpoint.status = 200;
  });
});
