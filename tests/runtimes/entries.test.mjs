// The subpath entries (`client-credentials/decode`, `/verify`, `/client`) in every runtime,
// from an installed package: tests/runtimes/fixtures/entries.mjs gets a token through
// `/client`, decodes it with `/decode`, verifies it with `/verify`, and checks that an error
// of one entry is an instance of every entry's ClientCredentialsError. And what each entry
// pulls into a bundle: `/decode` must bring its own wasm and no other.
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import * as esbuild from "esbuild";
import { chromium } from "playwright-core";
import { build } from "vite";
import { bundleWorker, installedPackage, lastJsonLine, run, runtimeBinary, serveWorkerd } from "./support/harness.mjs";
import { assertEntries, ENTRY_EXPORTS } from "./support/entries.mjs";
import { edgeFunction } from "./support/edge.mjs";
import { copyFixtures, startServers } from "./support/scenario.mjs";

const WASM = { decode: "client_credentials_decode_bg.wasm", verify: "client_credentials_verify_bg.wasm", client: "client_credentials_client_bg.wasm" };

describe("package entries", () => {
  let project, servers;
  before(async () => {
    project = installedPackage();
    copyFixtures(project.dir, "entries.mjs", "entries.cjs");
    servers = await startServers();
  });
  after(() => servers?.close());

  const args = () => JSON.stringify({ tokenUrl: servers.as.tokenUrl, clientId: servers.clientId, clientSecret: servers.clientSecret, issuer: servers.as.issuer, jwksUri: servers.as.jwksUri });

  test(`Node ${process.version}, import: each entry's exports, one call each, one error class`, async () => {
    assertEntries(lastJsonLine(await run(process.execPath, ["entries.mjs", args()], { cwd: project.dir })), servers);
  });

  test(`Node ${process.version}, require: dist/<entry>/node.cjs, and instanceof across entries`, async () => {
    const out = lastJsonLine(await run(process.execPath, ["entries.cjs"], { cwd: project.dir }));
    assert.deepEqual(out.exports, ENTRY_EXPORTS);
    assert.deepEqual(out.error, { code: "ERR_INVALID_JWT", decode: true, verify: true, client: true });
    assert.deepEqual(out.resolved, ["dist/decode/node.cjs", "dist/verify/node.cjs", "dist/client/node.cjs"]);
  });

  test("an error thrown by the CommonJS build is an instance of the ESM class too", async () => {
    const script = `
      import { createRequire } from "node:module";
      import { ClientCredentialsError } from "client-credentials/decode";
      const cjs = createRequire(import.meta.url)("client-credentials/decode");
      let err; try { cjs.decodeJwt(42); } catch (e) { err = e; }
      console.log(JSON.stringify({ esm: err instanceof ClientCredentialsError, plain: new Error("x") instanceof ClientCredentialsError, code: err.code }));`;
    const out = lastJsonLine(await run(process.execPath, ["--input-type=module", "-"], { cwd: project.dir, input: script }));
    assert.deepEqual(out, { esm: true, plain: false, code: "ERR_INVALID_JWT" });
  });

  test("Deno: the `deno` condition of each entry, with --allow-net=127.0.0.1 only", async () => {
    const deno = runtimeBinary("deno");
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "entries.mjs", args()], {
      cwd: project.dir,
      env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" },
      timeoutMs: 60_000,
    });
    assertEntries(lastJsonLine(result), servers);
  });

  test("Bun: import and require of each entry", async () => {
    const bun = runtimeBinary("bun");
    const env = { BUN_INSTALL_CACHE_DIR: `${project.dir}/.bun-cache`, DO_NOT_TRACK: "1" };
    assertEntries(lastJsonLine(await run(bun, ["run", "entries.mjs", args()], { cwd: project.dir, env })), servers);
    const cjs = lastJsonLine(await run(bun, ["run", "entries.cjs"], { cwd: project.dir, env }));
    assert.deepEqual(cjs.error, { code: "ERR_INVALID_JWT", decode: true, verify: true, client: true });
  });

  test("workerd: three entries in one Worker, each wasm imported as a module of its own name", { timeout: 60_000 }, async () => {
    const dir = join(project.dir, "entries-worker");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(project.dir, "entries-worker.js"),
      `import { runEntries } from "../entries.mjs";
       export default { async fetch(request, env) { return Response.json(await runEntries(JSON.parse(env.ARGS))); } };`,
    );
    const bundle = await bundleWorker(project, join(project.dir, "entries-worker.js"), dir);
    const inputs = Object.keys(bundle.metafile.inputs);
    for (const entry of Object.keys(WASM)) assert.ok(inputs.some((p) => p.endsWith(`client-credentials/dist/${entry}/workerd.mjs`)), inputs.join("\n"));
    // bundleWorker copies one entry's wasm; this Worker takes three.
    const modules = Object.entries(WASM).map(([entry, name]) => {
      copyFileSync(join(project.packageDir, "dist", entry, name), join(dir, "out", name));
      return `(name = "${name}", wasm = embed "out/${name}")`;
    });
    const capnp = (s) => s.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
    writeFileSync(
      join(dir, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
       const config :Workerd.Config = (
         services = [(name = "entries", worker = .entries), (name = "loopback-allowed", network = (allow = ["public", "local"]))],
         sockets = [(name = "entries", address = "127.0.0.1:0", http = (), service = "entries")],
       );
       const entries :Workerd.Worker = (
         modules = [(name = "worker.mjs", esModule = embed "out/worker.mjs"), ${modules.join(", ")}],
         compatibilityDate = "2025-09-01",
         bindings = [(name = "ARGS", text = "${capnp(args())}")],
         globalOutbound = "loopback-allowed",
       );`,
    );
    const server = serveWorkerd(runtimeBinary("workerd"), dir, ["entries"]);
    try {
      const ports = await server.ready;
      const res = await fetch(`http://127.0.0.1:${ports.entries}/`, { signal: AbortSignal.timeout(30_000) });
      assert.equal(res.status, 200, server.output());
      assertEntries(await res.json(), servers);
    } finally {
      server.child.kill();
    }
  });

  test("edge-runtime: the `edge-light` condition of each entry, each wasm bound as a module", { timeout: 60_000 }, async () => {
    const dir = join(project.dir, "entries-edge");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "function.mjs"),
      `import { runEntries } from "../entries.mjs";
       addEventListener("fetch", (event) => event.respondWith(runEntries(globalThis.ARGS).then((r) => Response.json(r))));`,
    );
    const wasmPaths = Object.entries(WASM).map(([entry, name]) => join(project.packageDir, "dist", entry, name));
    const { runtime, bundle } = await edgeFunction(join(dir, "function.mjs"), wasmPaths, (context) => {
      context.ARGS = JSON.parse(args());
      return context;
    });
    const inputs = Object.keys(bundle.metafile.inputs);
    for (const entry of Object.keys(WASM)) assert.ok(inputs.some((p) => p.endsWith(`client-credentials/dist/${entry}/edge-light.mjs`)), inputs.join("\n"));
    const res = await runtime.dispatchFetch("http://edge.test/");
    assert.equal(res.status, 200);
    assertEntries(await res.json(), servers);
  });

  test("esbuild: importing /decode bundles its own wasm and no other", async () => {
    for (const [entry, wasm] of Object.entries(WASM)) {
      const dir = join(project.dir, `only-${entry}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "index.js"), `export { decodeJwt } from "client-credentials/${entry}";`);
      const result = await esbuild.build({
        entryPoints: [join(dir, "index.js")],
        outdir: join(dir, "out"),
        bundle: true,
        format: "esm",
        platform: "browser",
        conditions: ["workerd", "worker", "browser"],
        loader: { ".wasm": "file" },
        metafile: true,
        logLevel: "error",
      });
      const wasms = Object.keys(result.metafile.inputs).filter((p) => p.endsWith(".wasm"));
      assert.deepEqual(wasms.map((p) => p.split("client-credentials/")[1]), [`dist/${entry}/${wasm}`], `${entry}: ${wasms.join(", ")}`);
    }
  });

  describe("Chromium through Vite", () => {
    let browser, web, outDir, decodeOut;
    before(async () => {
      const app = join(project.dir, "entries-vite");
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, "index.html"), `<!doctype html><pre id="out">waiting</pre><script type="module" src="./main.js"></script>`);
      writeFileSync(
        join(app, "main.js"),
        `import { runEntries } from "../entries.mjs";
         const args = JSON.parse(decodeURIComponent(location.hash.slice(1)));
         runEntries(args).then((r) => (document.getElementById("out").textContent = JSON.stringify(r)), (e) => (document.getElementById("out").textContent = "ERROR " + e.message));`,
      );
      outDir = join(app, "dist");
      await build({ root: app, logLevel: "error", build: { outDir } });
      // A page that only decodes: Vite must emit the /decode wasm alone.
      const decodeApp = join(project.dir, "decode-vite");
      mkdirSync(decodeApp, { recursive: true });
      writeFileSync(join(decodeApp, "index.html"), `<!doctype html><script type="module" src="./main.js"></script>`);
      writeFileSync(join(decodeApp, "main.js"), `import { decodeJwt } from "client-credentials/decode"; console.log(decodeJwt);`);
      decodeOut = join(decodeApp, "dist");
      await build({ root: decodeApp, logLevel: "error", build: { outDir: decodeOut } });

      const server = http.createServer((req, res) => {
        const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
        const file = join(outDir, normalize(path === "/" ? "index.html" : path.slice(1)));
        if (!existsSync(file) || !statSync(file).isFile()) return res.writeHead(404).end();
        const type = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" }[extname(file)] ?? "application/octet-stream";
        res.writeHead(200, { "content-type": type }).end(readFileSync(file));
      });
      await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
      web = { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => (server.close(r), server.closeAllConnections())) };
      await servers.close();
      servers = await startServers({ corsOrigins: [web.origin] });
      browser = await chromium.launch({
        executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
        args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
      });
    });
    after(async () => {
      await browser?.close();
      await web?.close();
    });

    test("Vite emits one wasm per entry imported, and the page runs all three", { timeout: 30_000 }, async () => {
      const assets = readdirSync(join(outDir, "assets"));
      for (const wasm of Object.values(WASM)) {
        const stem = wasm.replace(/\.wasm$/, "");
        assert.ok(assets.some((f) => f.startsWith(`${stem}-`) && f.endsWith(".wasm")), `${wasm} not in ${assets.join(", ")}`);
      }
      const page = await browser.newPage();
      await page.goto(`${web.origin}/#${encodeURIComponent(args())}`);
      await page.waitForFunction(() => document.getElementById("out").textContent !== "waiting", null, { timeout: 20_000 });
      const text = await page.locator("#out").textContent();
      assert.ok(text.startsWith("{"), text);
      assertEntries(JSON.parse(text), servers);
    });

    test("a page that imports only /decode gets the decode wasm and no other", () => {
      const wasms = readdirSync(join(decodeOut, "assets")).filter((f) => f.endsWith(".wasm"));
      assert.equal(wasms.length, 1, wasms.join(", "));
      assert.match(wasms[0], /^client_credentials_decode_bg-.*\.wasm$/);
    });
  });
});
