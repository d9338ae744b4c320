// Browsers, in Debian's Chromium driven by playwright-core:
// - the Vite example (examples/vite) built for production by Vite 7 against the packed
//   package: Vite resolves the `browser` condition, bundles dist/browser.mjs and emits the
//   .wasm as an asset; the test fills the form and reads the decoded token;
// - the same app under Vite's dev server, with the example's vite.config.js (which keeps
//   the package out of dependency pre-bundling: pre-bundled, the .wasm URL breaks);
// - a plain page whose <script type="module"> imports dist/browser.mjs with no bundler.
// All three get a real token from the auth server across origins (CORS).
import assert from "node:assert/strict";
import { cpSync, existsSync, readdirSync, readFileSync } from "node:fs";
import * as http from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import { chromium } from "playwright-core";
import { build, createServer, version as viteVersion } from "vite";
import { FIXTURES, ROOT, installedPackage } from "./support/harness.mjs";
import { startServers } from "./support/scenario.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };

/** Serves the Vite build at /, the plain page at /plain.html and the package at /node_modules/client-credentials/. */
async function startStaticServer({ viteOut, packageDir }) {
  const server = http.createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    let file;
    if (path === "/plain.html") file = join(FIXTURES, "browser", "plain.html");
    else if (path.startsWith("/node_modules/client-credentials/")) file = join(packageDir, normalize(path.slice("/node_modules/client-credentials/".length)));
    else file = join(viteOut, normalize(path === "/" ? "index.html" : path.slice(1)));
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => (server.close(resolve), server.closeAllConnections())),
  };
}

describe(`Chromium (${CHROMIUM}), Vite ${viteVersion}`, () => {
  let servers, web, dev, browser, project, viteOut;
  const problems = [];

  before(async () => {
    project = installedPackage();
    const app = join(project.dir, "vite-app");
    for (const f of ["index.html", "src", "vite.config.js"]) cpSync(join(ROOT, "examples", "vite", f), join(app, f), { recursive: true });
    viteOut = join(app, "dist");
    await build({ root: app, logLevel: "error", build: { outDir: viteOut } });
    web = await startStaticServer({ viteOut, packageDir: project.packageDir });
    dev = await createServer({ root: app, logLevel: "error", server: { host: "127.0.0.1", port: 0 } });
    await dev.listen();
    dev.origin = `http://127.0.0.1:${dev.httpServer.address().port}`;
    servers = await startServers({ corsOrigins: [web.origin, dev.origin] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    });
  });

  after(async () => {
    await browser?.close();
    await dev?.close();
    await web?.close();
    await servers?.close();
  });

  async function open(origin, path) {
    const page = await browser.newPage();
    page.on("pageerror", (err) => problems.push(`${path}: ${err.message}`));
    page.on("console", (msg) => ["error", "warning"].includes(msg.type()) && problems.push(`${path}: ${msg.text()}`));
    page.on("response", (res) => res.status() >= 400 && problems.push(`${path}: ${res.status()} ${res.url()}`));
    await page.goto(`${origin}${path}`);
    return page;
  }

  test("the Vite build bundles the browser entry and emits the .wasm as an asset", () => {
    const assets = readdirSync(join(viteOut, "assets"));
    assert.ok(assets.some((f) => /^client_credentials_client_bg-.*\.wasm$/.test(f)), assets.join(", "));
    const js = assets.filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(viteOut, "assets", f), "utf8")).join("\n");
    assert.ok(!js.includes('from "client-credentials"'), "the package is bundled, not left as a bare import");
    // wasm-bindgen's import names survive minification.
    assert.ok(js.includes("__wbg_copy_token"), "the glue is in the bundle");
  });

  async function fillAndSubmit(page) {
    await page.fill("#tokenUrl", servers.as.tokenUrl);
    await page.fill("#clientId", servers.clientId);
    await page.fill("#clientSecret", servers.clientSecret);
    await page.click("#get"); // waits until main.js has loaded the package and enabled the button
    // The status line ends as "Got a Bearer token…" or as an error's code and message.
    await page.waitForFunction(() => /^(Got|ERR_|\w*Error)/.test(document.getElementById("status").textContent), null, { timeout: 15_000 });
    const status = await page.textContent("#status");
    assert.match(status, /Got a Bearer token/, status);
    return JSON.parse(await page.textContent("#result"));
  }

  test("Vite production build: the form gets a token from the auth server and shows its decoded claims", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const page = await open(web.origin, "/");
    const { header, payload } = await fillAndSubmit(page);
    assert.equal(header.alg, "RS256");
    assert.equal(payload.azp, servers.clientId);
    assert.equal(payload.iss, servers.as.issuer);
    assert.equal(servers.as.stats.grants[0].origin, web.origin, "a cross-origin request");
    await page.close();
  });

  test("Vite dev server with the example's config: the same form works", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const page = await open(dev.origin, "/");
    const { payload } = await fillAndSubmit(page);
    assert.equal(payload.azp, servers.clientId);
    assert.equal(servers.as.stats.grants[0].origin, dev.origin);
    await page.close();
  });

  test("plain <script type=module> page importing dist/browser.mjs: TokenClient and decodeJwt", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const args = encodeURIComponent(JSON.stringify({ tokenUrl: servers.as.tokenUrl, clientId: servers.clientId, clientSecret: servers.clientSecret }));
    const page = await open(web.origin, `/plain.html#${args}`);
    await page.waitForFunction(() => document.getElementById("result").textContent !== "pending", null, { timeout: 15_000 });
    const out = JSON.parse(await page.textContent("#result"));
    assert.deepEqual(out, { alg: "RS256", azp: servers.clientId, iss: servers.as.issuer, scope: "openid profile", same: true });
    assert.equal(servers.as.stats.tokenRequests, 1);
    await page.close();
  });

  test("no page errors or console warnings (the .wasm was served as application/wasm and streamed)", () => {
    assert.deepEqual(problems, []);
  });
});
