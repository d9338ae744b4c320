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
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";
import { FIXTURES, ROOT, installedPackage } from "./support/harness.mjs";
import { startServers } from "./support/scenario.mjs";
import { wasmGlobal, wasmModuleGlobals } from "./support/edge.mjs";

const version = createRequire(join(ROOT, "package.json"))("edge-runtime/package.json").version;

describe(`edge-runtime ${version}`, () => {
  let servers, runtime, bundle, wasmPath;

  before(async () => {
    servers = await startServers();
    const project = installedPackage();
    copyFileSync(join(FIXTURES, "edge", "function.mjs"), join(project.dir, "function.mjs"));
    bundle = await esbuild.build({
      entryPoints: [join(project.dir, "function.mjs")],
      bundle: true,
      write: false,
      format: "iife",
      platform: "browser",
      conditions: ["edge-light", "worker", "browser"],
      plugins: [wasmModuleGlobals],
      metafile: true,
      logLevel: "error",
    });
    wasmPath = join(project.packageDir, "dist", "client_credentials_bg.wasm");
    const { tokenUrl } = servers.as;
    const config = { tokenUrl, clientId: servers.clientId, clientSecret: servers.clientSecret, apiUrl: servers.api.url };
    runtime = new EdgeRuntime({
      extend: (context) => {
        context.CONFIG = config;
        context.__wasm_bytes = new Uint8Array(readFileSync(wasmPath));
        return context;
      },
    });
    // The deployment binds the compiled module; compile it inside the vm so it is the vm's WebAssembly.Module.
    await runtime.evaluate(`globalThis[${JSON.stringify(wasmGlobal(wasmPath))}] = new WebAssembly.Module(__wasm_bytes); delete globalThis.__wasm_bytes;`);
    await runtime.evaluate(bundle.outputFiles[0].text);
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
