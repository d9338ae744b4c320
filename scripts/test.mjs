#!/usr/bin/env node
// `npm test`: sets up what the suites need (scripts/setup.mjs), builds the
// package, then runs every suite in turn and prints a summary. Any failing
// suite fails the run; nothing is skipped silently, and a suite can't pass on
// nothing:
//
//   - a suite whose folder holds no test files fails; test files are found in
//     subfolders too, under every name node:test runs, and a file named like a
//     test that node:test would not run is an error;
//   - each suite's count of tests run (node:test's `# pass`, cargo's and
//     wasm-bindgen's `test result: ok. N passed`, the fuzz targets passed) must
//     reach its floor in scripts/test-floors.json; 0 always fails;
//   - an unknown suite name exits 2 with the list;
//   - without `build` among the suites, dist/ is rebuilt first if a source is
//     newer (scripts/build-stamp.mjs);
//   - WASM_BINDGEN_TEST_ONLY_* and WASM_BINDGEN_USE_* from the caller's
//     environment are cleared: each wasm suite picks its own runtime.
//
//   npm test                 everything
//   npm test -- rust js      only the suites named (see SUITES below)
//
// CC_TEST_ROOT=DIR runs the suites of the project in DIR (its tests/, its
// scripts/build.mjs, its scripts/test-floors.json) without set-up: the
// runner's own tests (tests/runner/) use it on made-up projects.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { distFreshness } from "./build-stamp.mjs";

const ownRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const root = process.env.CC_TEST_ROOT ? resolve(process.env.CC_TEST_ROOT) : ownRoot;
const FLOORS_FILE = join(root, "scripts", "test-floors.json");

const wasmTestEnv = { CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER: "wasm-bindgen-test-runner" };

/** A node:test suite over the test files in tests/<dir>. */
const nodeSuite = (name, { serial = false, keycloak = false } = {}) => ({
  name,
  dir: `tests/${name}`,
  count: "node",
  dist: true,
  keycloak,
  cmd: "node",
  args: ["--test", "--test-reporter=spec", "--test-reporter-destination=stdout", ...(serial ? ["--test-concurrency=1"] : [])],
});

// `count`: how the suite's number of tests run is read ("node", "cargo", "fuzz"; none for checks
// that run no tests). `dist`: the suite tests the build in dist/. `keycloak`: it needs the shared Keycloak.
export const SUITES = [
  { name: "build", cmd: "node", args: ["scripts/build.mjs"] },
  { name: "fmt", cmd: "cargo", args: ["fmt", "--check"] },
  // The runner's own guards, on made-up projects (fast; no build needed).
  { ...nodeSuite("runner"), dist: false },
  { name: "clippy", cmd: "cargo", args: ["clippy", "--all-targets", "--", "-D", "warnings"] },
  { name: "clippy-wasm", cmd: "cargo", args: ["clippy", "--target", "wasm32-unknown-unknown", "--all-targets", "--", "-D", "warnings"] },
  { name: "rust", cmd: "cargo", args: ["test"], count: "cargo" },
  // A bounded, seeded pass of every fuzz target over the committed corpus.
  { name: "fuzz", cmd: "node", args: ["scripts/fuzz.mjs", "--check"], count: "fuzz" },
  { name: "wasm-node", cmd: "cargo", args: ["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"], env: wasmTestEnv, count: "cargo" },
  {
    name: "wasm-chromium",
    cmd: "cargo",
    args: ["test", "--target", "wasm32-unknown-unknown", "--test", "wasm"],
    env: { ...wasmTestEnv, WASM_BINDGEN_USE_BROWSER: "1", CHROMEDRIVER: process.env.CHROMEDRIVER ?? "/usr/bin/chromedriver" },
    count: "cargo",
  },
  nodeSuite("js"),
  // A fresh clone of this repository: `npm start` with no node_modules, as a newcomer runs it
  // (before Keycloak starts: its npm ci and build are the heaviest minute of the run).
  { ...nodeSuite("setup", { serial: true }), dist: false },
  // The command line, spawned as users run it (and from a packed tarball through npx).
  nodeSuite("cli", { serial: true, keycloak: true }),
  nodeSuite("browser", { serial: true, keycloak: true }),
  // Shared token stores: Redis (Debian redis-server), and KV and the Cache API in workerd (Miniflare).
  nodeSuite("store", { serial: true, keycloak: true }),
  nodeSuite("runtimes", { keycloak: true }),
  // A real Keycloak (scripts/keycloak.mjs): the seed's server.
  nodeSuite("keycloak", { serial: true, keycloak: true }),
  // The Express, Fastify and Hono adapters in real apps (Hono in workerd too), with Keycloak's tokens.
  nodeSuite("frameworks", { serial: true, keycloak: true }),
  // The docs: every ```js sample of README.md and docs/ run (scripts/doctest.mjs), links, the TypeDoc reference check.
  nodeSuite("docs", { serial: true, keycloak: true }),
  // 10,000 token requests against oidc-provider; fails if memory keeps growing.
  { name: "soak", cmd: "node", args: ["scripts/soak.mjs"], dist: true },
  // Benchmarks are not tests; this only checks that `npm run bench -- --quick` runs.
  { name: "bench-quick", cmd: "node", args: ["bench/run.mjs", "--quick"], dist: true },
];

/** node:test's default file names (Node 20): *.test.js, *-test.js, *_test.js, test-*.js, test.js, in .js, .mjs, .cjs. */
const TEST_FILE = /^(?:.+[.\-_]test|test-.+|test)\.[cm]?js$/;
/** Named like a test, but node:test would not run it (a typo, another runner's naming, TypeScript). */
const LOOKS_LIKE_A_TEST = /(?:^|[.\-_])(?:tests?|spec)(?:[.\-_]|$)/i;

/**
 * The test files under `dir` (subfolders too; `fixtures/` and `support/` hold
 * helpers, not tests), and the files named like tests that node:test would not run.
 */
export function findTestFiles(dir) {
  const files = [];
  const strays = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "fixtures" && entry.name !== "support" && entry.name !== "node_modules") walk(path);
      } else if (TEST_FILE.test(entry.name)) files.push(path);
      else if (LOOKS_LIKE_A_TEST.test(entry.name.replace(/\.[^.]+$/, ""))) strays.push(path);
    }
  };
  if (existsSync(dir)) walk(dir);
  return { files: files.sort(), strays: strays.sort() };
}

/**
 * The number of tests a suite ran, from its output (or node:test's TAP file,
 * given the suite's test `files`); undefined if none is reported.
 */
export function countTests(kind, output, tap = "", files = []) {
  if (kind === "node") {
    // A file that defines no test still counts as one passing test, named after the file: not a test run.
    const named = new Set(files);
    const empty = [...tap.matchAll(/^ok \d+ - (.*)$/gm)].map((m) => m[1]).filter((name) => named.has(name));
    // The TAP reporter's closing lines: `# tests 12`, `# pass 11`, `# skipped 1`, `# todo 0`.
    const field = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, "m").exec(tap)?.[1] ?? NaN);
    const [tests, pass, skip, todo] = ["tests", "pass", "skipped", "todo"].map(field);
    // Skipped and todo tests ran nothing: only passes count.
    if (!Number.isFinite(tests)) return undefined;
    return { ran: pass - empty.length, note: skip || todo ? `${skip} skipped, ${todo} todo` : "", empty };
  }
  if (kind === "cargo") {
    const results = [...output.matchAll(/^test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
    if (!results.length) return undefined;
    const sum = (i) => results.reduce((n, m) => n + Number(m[i]), 0);
    return { ran: sum(1), note: sum(3) ? `${sum(3)} ignored` : "" };
  }
  if (kind === "fuzz") {
    const m = /^(\d+) passed, (\d+) failed$/m.exec(output);
    return m ? { ran: Number(m[1]), note: "" } : undefined;
  }
  return undefined;
}

/** Runs a command, its output shown as it comes; resolves to `{ status, output }` (output only when `capture`). */
function run(cmd, args, { env, capture }) {
  return new Promise((resolvePromise) => {
    const child = spawn(cmd, args, { cwd: root, env, stdio: ["inherit", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"] });
    let output = "";
    if (capture) {
      const keep = (stream) => (chunk) => {
        stream.write(chunk);
        output += chunk;
        // The counts are on lines of their own; a huge log keeps its head and tail.
        if (output.length > 8_000_000) output = output.slice(0, 2_000_000) + output.slice(-4_000_000);
      };
      child.stdout.on("data", keep(process.stdout));
      child.stderr.on("data", keep(process.stderr));
    }
    const stopChild = () => {
      interrupted = true;
      child.kill("SIGINT");
    };
    process.on("SIGINT", stopChild);
    child.on("error", (err) => {
      output += `\n${err.message}`;
      console.error(`✘ cannot run ${cmd}: ${err.message}`);
    });
    child.on("close", (status, signal) => {
      process.off("SIGINT", stopChild);
      resolvePromise({ status: status ?? (signal ? 128 : 1), output: output.replace(/\x1b\[[0-9;]*m/g, "") });
    });
  });
}

/** Set by Ctrl-C: the suite running gets it, and no further suite starts. */
let interrupted = false;

function readFloors() {
  if (!existsSync(FLOORS_FILE)) return {};
  const floors = JSON.parse(readFileSync(FLOORS_FILE, "utf8"));
  delete floors["//"];
  return floors;
}

async function main() {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
  if (unknown.length) {
    console.error(`test: unknown suite${unknown.length > 1 ? "s" : ""} ${unknown.join(", ")}. The suites are:\n  ${SUITES.map((s) => s.name).join(" ")}`);
    process.exit(2);
  }
  const selected = SUITES.filter((s) => !wanted.length || wanted.includes(s.name));

  // The wasm suites choose their runtime; a caller's choice would turn one into a "skipped" pass.
  for (const key of Object.keys(process.env)) {
    if (/^WASM_BINDGEN_(TEST_ONLY|USE)_/.test(key)) {
      console.log(`test: ignoring ${key}=${process.env[key]} from the environment (each wasm suite picks its runtime)`);
      delete process.env[key];
    }
  }

  if (root === ownRoot) {
    const { setup, SetupError } = await import("./setup.mjs");
    try {
      await setup({ purpose: "test", suites: wanted });
    } catch (err) {
      console.error(`\nsetup: ${err instanceof SetupError ? err.message : `unexpected failure: ${err.message}`}`);
      process.exit(1);
    }
  }

  const floors = readFloors();
  const results = [];
  let keycloak;
  const tapDir = mkdtempSync(join(tmpdir(), "cc-test-"));
  const fail = (name, why) => {
    console.error(`\n✘ ${name}: ${why}`);
    results.push({ name, ok: false, seconds: 0, why });
  };

  // Without `build`, the suites must not test a stale dist/.
  if (!selected.some((s) => s.name === "build") && selected.some((s) => s.dist)) {
    const { fresh, why } = distFreshness(root);
    if (!fresh) {
      console.log(`\n━━ build: ${why}; rebuilding dist/ first`);
      const started = performance.now();
      const r = await run("node", ["scripts/build.mjs"], { env: process.env });
      results.push({ name: "build", ok: r.status === 0, seconds: (performance.now() - started) / 1000, why: "dist/ was stale" });
      if (r.status !== 0) return finish(results, keycloak, tapDir);
    }
  }

  for (const suite of selected) {
    let args = suite.args;
    let tap;
    let files = [];
    if (suite.dir) {
      const found = findTestFiles(join(root, suite.dir));
      const { strays } = found;
      files = found.files;
      if (strays.length) {
        fail(suite.name, `${strays.map((f) => relative(root, f)).join(", ")} named like a test, but node:test would not run it: name it *.test.mjs (or .js, .cjs)`);
        continue;
      }
      if (!files.length) {
        fail(suite.name, `no test files in ${suite.dir}/`);
        continue;
      }
      tap = join(tapDir, `${suite.name}.tap`);
      args = [...args, "--test-reporter=tap", `--test-reporter-destination=${tap}`, ...files.map((f) => relative(root, f))];
    }
    // One Keycloak for every suite that needs it, started right before the first of them:
    // its JVM start would otherwise compete with the suites before.
    if (suite.keycloak && !keycloak) {
      const { startKeycloak } = await import("./keycloak.mjs");
      console.log("\n━━ keycloak: starting the shared instance");
      try {
        keycloak = await startKeycloak({ log: (line) => console.log(line) });
      } catch (err) {
        fail("keycloak-start", err.message);
        break;
      }
      console.log(`Keycloak ${keycloak.version} (Java ${keycloak.java}) ready in ${keycloak.startSeconds.toFixed(1)} s at ${keycloak.url}`);
      process.env.KEYCLOAK_SHARED = keycloak.shareable;
    }

    console.log(`\n━━ ${suite.name}: ${suite.cmd} ${args.join(" ")}`);
    const started = performance.now();
    const r = await run(suite.cmd, args, { env: { ...process.env, ...suite.env }, capture: suite.count === "cargo" || suite.count === "fuzz" });
    const seconds = (performance.now() - started) / 1000;
    const result = { name: suite.name, ok: r.status === 0, seconds };
    if (suite.count) {
      const counted = countTests(suite.count, r.output, tap && existsSync(tap) ? readFileSync(tap, "utf8") : "", files);
      const floor = floors[suite.name];
      result.ran = counted?.ran;
      result.note = counted?.note;
      if (!counted) {
        result.ok = false;
        result.why = "it reported no count of tests run";
      } else if (counted.empty?.length) {
        result.ok = false;
        result.why = `${counted.empty.map((f) => relative(root, f)).join(", ")} defines no test (node:test counts such a file as one passing test)`;
      } else if (counted.ran === 0) {
        result.ok = false;
        result.why = "it ran 0 tests";
      } else if (floor === undefined) {
        result.ok = false;
        result.why = `no floor for it in ${relative(root, FLOORS_FILE)}: add "${suite.name}": ${counted.ran}`;
      } else if (counted.ran < floor) {
        result.ok = false;
        result.why = `it ran ${counted.ran} tests, under its floor of ${floor} (${relative(root, FLOORS_FILE)}); lower the floor only in a commit that says why`;
      }
      if (result.why) console.error(`\n✘ ${suite.name}: ${result.why}`);
    }
    results.push(result);
    if (interrupted) {
      fail("interrupted", "SIGINT: no further suite runs");
      break;
    }
    if (suite.name === "build" && !result.ok) break;
  }
  return finish(results, keycloak, tapDir);
}

async function finish(results, keycloak, tapDir) {
  await keycloak?.stop();
  rmSync(tapDir, { recursive: true, force: true });
  console.log("\n━━ summary");
  for (const r of results) {
    const count = r.ran === undefined ? "" : `  ${String(r.ran).padStart(5)} tests${r.note ? ` (${r.note})` : ""}`;
    console.log(`${r.ok ? "✔" : "✘"} ${r.name.padEnd(14)} ${r.seconds.toFixed(1).padStart(6)} s${count}${r.why && !r.ok ? `  ${r.why}` : ""}`);
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length) {
    console.log(`\n${failed.length} suite(s) failed: ${failed.map((r) => r.name).join(", ")}`);
    process.exit(1);
  }
  console.log(`\nall ${results.length} suites passed`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
