// scripts/setup.mjs when a step can't run: one message naming what is missing
// and the command that installs it, exit 1, never a stack trace. Shown with a
// PATH that lacks the tool (or holds a stand-in that fails like a machine
// without network), not by uninstalling anything.

import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SetupError, lockedWasmBindgen, setup, which } from "../../scripts/setup.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const made = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A folder for PATH with the named tools linked from this machine, and `scripts` as small sh scripts. */
function binDir(tools, scripts = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cc-setup-bin-"));
  made.push(dir);
  for (const tool of tools) {
    const found = which(tool);
    assert.ok(found, `${tool} is on this machine's PATH`);
    symlinkSync(found, join(dir, tool));
  }
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

function runSetup(args, path) {
  const r = spawnSync(process.execPath, [join(root, "scripts", "setup.mjs"), ...args], { env: { ...process.env, PATH: path }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const noStack = (text) => assert.doesNotMatch(text, /^\s+at .+:\d+:\d+\)?$/m, `a stack trace:\n${text}`);
const RUST = ["rustup", "cargo", "rustc"];

test("without Rust: names it and the command that installs it", () => {
  const { status, stderr } = runSetup(["start"], binDir([]));
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^setup: Rust is missing \(rustup and cargo\)\. Install it with: curl .*https:\/\/sh\.rustup\.rs/m);
  noStack(stderr);
});

test("a cargo install that fails (no network): the command, its last lines, what to run; no stack", () => {
  const version = lockedWasmBindgen();
  const path = binDir(RUST.filter((t) => t !== "cargo"), {
    "wasm-bindgen": 'echo "wasm-bindgen 0.0.1"',
    cargo: 'echo "    Updating crates.io index" >&2; echo "error: failed to get successful HTTP response from https://index.crates.io (Could not resolve host)" >&2; exit 101',
  });
  const { status, stdout, stderr } = runSetup(["start"], path);
  assert.equal(status, 1, stdout + stderr);
  assert.match(stdout, new RegExp(`^setup: wasm-bindgen-cli ${version} \\(wasm-bindgen 0\\.0\\.1\\): cargo install wasm-bindgen-cli --version ${version}`, "m"));
  assert.match(stderr, new RegExp(`setup: cargo install wasm-bindgen-cli ${version}: \`cargo install wasm-bindgen-cli --version ${version}\` failed \\(exit 101\\)`));
  assert.match(stderr, /Could not resolve host/);
  assert.match(stderr, new RegExp(`Run \`cargo install wasm-bindgen-cli --version ${version}\` yourself to see why\\.`));
  noStack(stderr);
});

test("a missing Debian package without apt-get: names the packages to install", () => {
  const path = binDir([...RUST, "wasm-bindgen"]);
  const { status, stderr } = runSetup(["test", "wasm-chromium"], path);
  assert.equal(status, 1, stderr);
  assert.match(stderr, /^setup: chromium and chromedriver missing, and there is no apt-get here: install the Debian packages chromium chromium-driver/m);
  noStack(stderr);
});

test("a missing Debian package when not root: the sudo apt-get command", async (t) => {
  const path = binDir([...RUST, "wasm-bindgen", "apt-get"]);
  t.mock.method(process, "getuid", () => 1000);
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    await assert.rejects(setup({ purpose: "test", suites: ["store"], log: () => {} }), (err) => {
      assert.ok(err instanceof SetupError);
      // (With Keycloak not yet installed, Maven and a JDK join the list.)
      assert.match(err.message, /^redis-server(, Maven and a JDK)? missing, and installing them needs root\. Install them with: sudo apt-get install -y redis-server( maven default-jdk-headless)?$/);
      return true;
    });
  } finally {
    process.env.PATH = saved;
  }
});

test("only what the named suites need: `js` needs no chromium", async () => {
  const path = binDir([...RUST, "wasm-bindgen", "redis-server", "redis-cli", "glewlwyd", "sqlite3", "curl", "script", "openssl"]);
  const saved = process.env.PATH;
  process.env.PATH = path;
  try {
    const lines = [];
    const { did } = await setup({ purpose: "test", suites: ["js"], log: (line) => lines.push(line) });
    assert.deepEqual(did, []);
    assert.match(lines.at(-1), /^setup: nothing to do; ready in [\d.]+ s$/);
  } finally {
    process.env.PATH = saved;
  }
});
