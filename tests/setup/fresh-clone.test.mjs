// A fresh clone, as a newcomer has it: no node_modules, no dist/. `npm start`
// must set itself up (scripts/setup.mjs: npm ci), build, serve the page and a
// token URL that works, and stop on Ctrl-C (SIGINT to its process group) with
// nothing left listening. Then the set-up's run with nothing to do is timed.
//
// The clone is of HEAD (committed files only). It shares with this checkout
// what a newcomer's machine shares between projects: the npm cache (~/.npm)
// and Cargo's registry (~/.cargo). Its Cargo target folder is its own,
// target/fresh-clone/ here, kept between runs: sharing this checkout's target/
// would not be sound, since a cdylib's output (client_credentials.wasm) has
// the same path for every checkout, so one build could hand the other's wasm
// to build.mjs. Kept between runs it holds the dependencies and the rebuilt
// standard library, so only the crate itself is compiled again.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { listening } from "../../scripts/net.mjs";
import { printed, processGroupAlive } from "../support/process-group.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(tmpdir(), "cc-fresh-clone-"));
const clone = join(work, "client-credentials");
after(() => rmSync(work, { recursive: true, force: true }));

/** The environment of a newcomer's shell: none of the variables `npm test` and node:test set for their children. */
function newcomerEnv() {
  const env = { ...process.env, CARGO_TARGET_DIR: join(root, "target", "fresh-clone") };
  for (const key of Object.keys(env)) {
    if (/^npm_/i.test(key) || ["INIT_CWD", "NODE_TEST_CONTEXT", "KEYCLOAK_SHARED", "CC_TEST_ROOT"].includes(key)) delete env[key];
  }
  return env;
}

// npm ci and a build of the crate take 1–2 minutes on the loaded 2-core machine: 10× that.
test("npm start on a fresh clone installs, builds, serves a working token URL and page, and stops cleanly on SIGINT", { timeout: 20 * 60_000 }, async (t) => {
  const cloned = spawnSync("git", ["clone", "--quiet", root, clone], { encoding: "utf8" });
  assert.equal(cloned.status, 0, cloned.stderr);
  assert.ok(!existsSync(join(clone, "node_modules")) && !existsSync(join(clone, "dist")), "a fresh clone has neither node_modules nor dist/");

  const child = spawn("npm", ["start", "--", "--port", "0", "--auth-port", "0", "--api-port", "0"], {
    cwd: clone,
    env: newcomerEnv(),
    // Its own process group, like a terminal's foreground job: Ctrl-C signals the whole group.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (processGroupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
  });
  let output = "";
  const seen = (chunk) => {
    output += chunk;
    // Progress for whoever watches the suite: the set-up's and the build's lines.
    for (const line of String(chunk).split("\n")) if (/^(setup|build): /.test(line)) console.log(`  clone: ${line}`);
  };
  child.stdout.on("data", seen);
  child.stderr.on("data", seen);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));

  const ready = await printed(child, () => output, /^Ready: /m, { exited, limitMs: 15 * 60_000 });
  assert.ok(ready, `no "Ready" line:\n${output}`);

  // What a newcomer sees first: npm's header, then the set-up installing the packages, then the build.
  const lines = output.split("\n").filter((l) => l.trim());
  assert.match(lines.find((l) => l.startsWith("setup:")), /^setup: npm packages: npm ci \(no node_modules yet\)$/);
  assert.match(output, /^setup: npm packages: done in [\d.]+ s$/m);
  assert.match(output, /^setup: npm packages installed; ready in [\d.]+ s$/m);
  assert.match(output, /^build: dist\/\.build-stamp is missing .*; building$/m);
  assert.doesNotMatch(output, /\n\s+at .*\(.*:\d+:\d+\)/, "no stack trace");
  console.log(`  clone: first lines of npm start:\n    ${lines.slice(0, 8).join("\n    ")}`);

  const page = /Page\s+(http:\S+)/.exec(output)[1];
  const tokenUrl = /Token endpoint\s+(http:\S+)/.exec(output)[1];
  const api = /Protected API\s+(http:\S+)/.exec(output)[1];
  const ports = [page, tokenUrl, api].map((u) => Number(new URL(u).port));

  // The page, the package build it imports, and its prefilled form.
  const html = await fetch(page);
  assert.equal(html.status, 200);
  assert.match(await html.text(), /<title>client-credentials/);
  const wasm = await fetch(new URL("/dist/client_credentials_bg.wasm", page));
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get("content-type"), "application/wasm");
  assert.ok((await wasm.arrayBuffer()).byteLength > 1024);
  const config = await (await fetch(new URL("/config.json", page))).json();
  assert.equal(config.tokenUrl, tokenUrl);

  // A token from the printed token URL, with the page's client, accepted by the API.
  const tokenRes = await fetch(tokenUrl, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: config.clientId, client_secret: config.clientSecret }),
  });
  assert.equal(tokenRes.status, 200);
  const { access_token: accessToken, token_type: tokenType } = await tokenRes.json();
  assert.equal(tokenType, "Bearer");
  const apiRes = await fetch(api, { headers: { authorization: `Bearer ${accessToken}` } });
  assert.equal(apiRes.status, 200, await apiRes.text());

  // Ctrl-C: SIGINT to the whole group, as a terminal sends it.
  for (const port of ports) assert.equal(await listening(port), true, `port ${port} listens`);
  process.kill(-child.pid, "SIGINT");
  const result = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 30_000).unref())]);
  assert.notEqual(result, "timeout", `npm start did not exit within 30 s of SIGINT:\n${output}`);
  assert.match(output, /SIGINT: stopping the demo servers/);
  for (const port of ports) assert.equal(await listening(port), false, `port ${port} still listens`);
  assert.equal(processGroupAlive(child.pid), false, "a process of npm start is still running");
});

test("the set-up with nothing to do takes well under a second", async () => {
  assert.ok(existsSync(join(clone, "node_modules")), "runs after the fresh clone's npm start");
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const r = spawnSync(process.execPath, ["scripts/setup.mjs", "start"], { cwd: clone, env: newcomerEnv(), encoding: "utf8" });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const m = /^setup: nothing to do; ready in ([\d.]+) s$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    runs.push(Number(m[1]));
  }
  console.log(`  setup: no-op runs took ${runs.map((s) => `${s.toFixed(2)} s`).join(", ")} (measured inside setup.mjs)`);
  // The fastest of three, so that a busy machine's pause falls out.
  assert.ok(Math.min(...runs) < 1, `the fastest no-op set-up took ${Math.min(...runs)} s`);
});
