// Vercel's Edge Runtime, as npm's `edge-runtime` emulates it in a Node vm. The function is
// bundled with the `edge-light` condition first, as Next.js and Vercel resolve for the
// edge, so it takes dist/edge-light.mjs, which imports the wasm with Vercel's `?module`
// suffix. Here that import reads a WebAssembly.Module bound as a global, the way Next.js's
// own edge sandbox binds wasm. Note: edge-runtime, unlike Vercel's deployed Edge Runtime
// and unlike workerd, lets code compile wasm from bytes, so this test proves the entry and
// the runtime's web APIs, not that the deployed platform accepts the module import.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, ROOT, installedPackage } from "./support/harness.mjs";
import { startServers } from "./support/scenario.mjs";
import { edgeFunction } from "./support/edge.mjs";

const version = createRequire(join(ROOT, "package.json"))("edge-runtime/package.json").version;

describe(`edge-runtime ${version}`, () => {
  let servers, runtime, bundle;

  before(async () => {
    servers = await startServers();
    const project = installedPackage();
    copyFileSync(join(FIXTURES, "edge", "function.mjs"), join(project.dir, "function.mjs"));
    const { tokenUrl } = servers.as;
    const config = { tokenUrl, clientId: servers.clientId, clientSecret: servers.clientSecret, apiUrl: servers.api.url };
    ({ runtime, bundle } = await edgeFunction(join(project.dir, "function.mjs"), [join(project.packageDir, "dist", "client_credentials_bg.wasm")], (context) => {
      context.CONFIG = config;
      return context;
    }));
  });

  after(() => servers?.close());

  test("the bundle took dist/edge-light.mjs through the `edge-light` condition", () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    assert.ok(inputs.some((p) => p.endsWith("node_modules/client-credentials/dist/edge-light.mjs")), inputs.join("\n"));
  });

  test("two concurrent requests share one TokenClient, get a token and decode it", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const [a, b] = await Promise.all([runtime.dispatchFetch("http://edge.test/"), runtime.dispatchFetch("http://edge.test/?2")]);
    const [x, y] = await Promise.all([a.json(), b.json()]);
    assert.equal(a.status, 200, JSON.stringify(x));
    assert.equal(x.header.alg, "RS256");
    assert.equal(x.payload.azp, servers.clientId);
    assert.equal(x.payload.iss, servers.as.issuer);
    assert.equal(x.payload.jti, y.payload.jti);
    assert.equal(servers.as.stats.tokenRequests, 1);
  });

  test("TokenClient.fetch calls the secured API with the cached token", async () => {
    const res = await runtime.dispatchFetch("http://edge.test/api");
    assert.equal(res.status, 200);
    assert.equal((await res.json()).caller, servers.clientId);
    assert.equal(servers.as.stats.tokenRequests, 1);
  });
});
