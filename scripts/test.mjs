#!/usr/bin/env node
// `npm test`: builds the package, then runs every suite in turn and prints a
// summary. Any failing suite fails the run; nothing is skipped silently.
//
//   npm test                 everything
//   npm test -- rust js      only the suites named (see SUITES below)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wasmTestEnv = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: "wasm-bindgen-test-runner" };
const testFiles = (dir) =>
  existsSync(join(root, dir))
    ? readdirSync(join(root, dir)).filter((f) => /\.test\.(mjs|cjs)$/.test(f)).sort().map((f) => join(dir, f))
    : [];

const SUITES = [
  { name: "build", cmd: "node", args: ["scripts/build.mjs"] },
  { name: "fmt", cmd: "cargo", args: ["fmt", "--check"] },
  { name: "clippy", cmd: "cargo", args: ["clippy", "--all-targets", "--", "-D", "warnings"] },
  { name: "clippy-wasm", cmd: "cargo", args: ["clippy", "--target", "wasm32-unknown-unknown", "--all-targets", "--", "-D", "warnings"] },
  { name: "rust", cmd: "cargo", args: ["test"] },
  // A bounded, seeded pass of every fuzz target over the committed corpus.
  { name: "fuzz", cmd: "node", args: ["scripts/fuzz.mjs", "--check"] },
  { name: "wasm-node", cmd: "cargo", args: ["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"], env: wasmTestEnv },
  {
    name: "wasm-chromium",
    cmd: "cargo",
    args: ["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"],
    env: { ...wasmTestEnv, WASM_BINDGEN_USE_BROWSER: "1", CHROMEDRIVER: process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver" },
  },
  { name: "js", cmd: "node", args: ["--test", "--test-reporter=spec", ...testFiles("tests/js")] },
  // The command line, spawned as users run it (and from a packed tarball through npx).
  { name: "cli", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...testFiles("tests/cli")] },
  { name: "browser", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...testFiles("tests/browser")] },
  // Shared token stores: Redis (Debian redis-server), and KV and the Cache API in workerd (Miniflare).
  { name: "store", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...testFiles("tests/store")] },
  { name: "runtimes", cmd: "node", args: ["--test", "--test-reporter=spec", ...testFiles("tests/runtimes")] },
  // A real Keycloak (scripts/keycloak.mjs; .ci/run installs it): the seed's server.
  { name: "keycloak", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...testFiles("tests/keycloak")] },
  // The docs: every ```js sample of README.md and docs/ run (scripts/doctest.mjs), links, the TypeDoc reference check.
  { name: "docs", cmd: "node", args: ["--test", "--test-reporter=spec", "--test-concurrency=1", ...testFiles("tests/docs")] },
  // 10,000 token requests against oidc-provider; fails if memory keeps growing.
  { name: "soak", cmd: "node", args: ["scripts/soak.mjs"] },
  // Benchmarks are not tests; this only checks that `npm run bench -- --quick` runs.
  { name: "bench-quick", cmd: "node", args: ["bench/run.mjs", "--quick"] },
];

// Suites whose tests may talk to Keycloak. One instance serves them all (tests attach
// through KEYCLOAK_SHARED): a start costs ~30 s of this machine's two cores.
const KEYCLOAK_SUITES = new Set(["js", "browser", "runtimes", "keycloak", "cli", "store", "docs"]);
let keycloak;

const wanted = process.argv.slice(2);
const results = [];
for (const suite of SUITES) {
  if (wanted.length && !wanted.includes(suite.name)) continue;
  if (KEYCLOAK_SUITES.has(suite.name) && !keycloak) {
    const { startKeycloak } = await import("./keycloak.mjs");
    console.log("\n━━ keycloak: starting the shared instance");
    try {
      keycloak = await startKeycloak({ log: (line) => console.log(line) });
    } catch (err) {
      console.error(`✘ keycloak: ${err.message}`);
      results.push({ name: "keycloak-start", ok: false, seconds: 0 });
      break;
    }
    console.log(`Keycloak ${keycloak.version} (Java ${keycloak.java}) ready in ${keycloak.startSeconds.toFixed(1)} s at ${keycloak.url}`);
    process.env.KEYCLOAK_SHARED = keycloak.shareable;
  }
  if (suite.cmd === "node" && suite.args[0] === "--test" && suite.args.length === 2) {
    console.error(`\n✘ ${suite.name}: no test files found`);
    results.push({ name: suite.name, ok: false, seconds: 0 });
    continue;
  }
  console.log(`\n━━ ${suite.name}: ${suite.cmd} ${suite.args.join(" ")}`);
  const started = performance.now();
  const r = spawnSync(suite.cmd, suite.args, { cwd: root, stdio: "inherit", env: { ...process.env, ...suite.env } });
  const seconds = (performance.now() - started) / 1000;
  results.push({ name: suite.name, ok: r.status === 0, seconds });
  if (suite.name === "build" && r.status !== 0) break;
}

await keycloak?.stop();

console.log("\n━━ summary");
for (const r of results) console.log(`${r.ok ? "✔" : "✘"} ${r.name.padEnd(14)} ${r.seconds.toFixed(1).padStart(6)} s`);
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.log(`\n${failed.length} suite(s) failed: ${failed.map((r) => r.name).join(", ")}`);
  process.exit(1);
}
console.log(`\nall ${results.length} suites passed`);
