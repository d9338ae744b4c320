#!/usr/bin/env node
// Runs the cargo-fuzz targets in fuzz/ (libFuzzer) and prints, per target, the
// executions, the coverage reached and any crash. Exits 1 if a target crashed.
//
//   npm run fuzz                   every target for 60 s
//   npm run fuzz -- 300            every target for 300 s
//   npm run fuzz -- 30 jwt_decode  one target for 30 s
//   node scripts/fuzz.mjs --check  the `npm test` pass: the committed seeds, then a
//                                  fixed number of mutations from a fixed seed, so the
//                                  pass is deterministic and takes seconds
//
// The committed seeds in fuzz/corpus/<target>/ are only read; what libFuzzer finds
// goes to fuzz/target/corpus/<target>/ (ignored by git) and is reused by the next
// run. A crash is written to fuzz/artifacts/<target>/ and can be replayed with
// `cargo +nightly fuzz run <target> fuzz/artifacts/<target>/crash-...`.
//
// Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without
// nightly it uses the stable one with RUSTC_BOOTSTRAP=1, which builds the same.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = ["jwt_decode", "base64url", "form", "token_response", "json_object", "jwks", "dpop_proof"];
/** Longest input per target: the JWT one reaches jwt::MAX_TOKEN_LENGTH (65,536). */
const MAX_LEN = { jwt_decode: 70_000 };
const CHECK_RUNS = 20_000;

const args = process.argv.slice(2);
const check = args.includes("--check");
const rest = args.filter((a) => a !== "--check");
const seconds = rest.length && /^\d+$/.test(rest[0]) ? Number(rest.shift()) : 60;
const targets = rest.length ? rest : TARGETS;
for (const t of targets) {
  if (!TARGETS.includes(t)) {
    console.error(`fuzz: unknown target ${t}; the targets are ${TARGETS.join(", ")}`);
    process.exit(2);
  }
}

if (spawnSync("cargo", ["fuzz", "--version"], { cwd: root }).status !== 0) {
  console.error("fuzz: cargo-fuzz is not installed; run `cargo install cargo-fuzz`");
  process.exit(1);
}
const toolchains = spawnSync("rustup", ["toolchain", "list"], { cwd: root, encoding: "utf8" }).stdout ?? "";
const nightly = /^nightly/m.test(toolchains);
const cargo = nightly ? ["+nightly", "fuzz"] : ["fuzz"];
const env = nightly ? process.env : { ...process.env, RUSTC_BOOTSTRAP: "1" };
console.log(`fuzz: ${check ? `check, ${CHECK_RUNS} runs from seed 1` : `${seconds} s`} per target, toolchain ${nightly ? "nightly" : "stable with RUSTC_BOOTSTRAP=1"}`);

const build = spawnSync("cargo", [...cargo, "build"], { cwd: root, env, stdio: "inherit" });
if (build.status !== 0) process.exit(1);

const results = [];
for (const target of targets) {
  const seeds = join(root, "fuzz", "corpus", target);
  const work = join(root, "fuzz", "target", "corpus", target);
  mkdirSync(work, { recursive: true });
  const libfuzzer = [
    `-max_len=${MAX_LEN[target] ?? 16_384}`,
    "-timeout=10", // one input taking 10 s is a finding (a quadratic loop), not a slow machine
    "-rss_limit_mb=2048",
    "-print_final_stats=1",
    ...(check ? [`-runs=${CHECK_RUNS}`, "-seed=1"] : [`-max_total_time=${seconds}`]),
  ];
  // In check mode only the committed seeds are read, so the pass does not depend
  // on what earlier runs left in the work folder.
  const corpora = check ? [freshDir(target), seeds] : [work, seeds];
  process.stdout.write(`fuzz: ${target} … `);
  const started = performance.now();
  const hardLimitMs = ((check ? 120 : seconds) + 120) * 1000;
  const { status, output } = await run("cargo", [...cargo, "run", target, ...corpora, "--", ...libfuzzer], hardLimitMs);
  const elapsed = (performance.now() - started) / 1000;
  const stat = (name) => Number(output.match(new RegExp(`stat::${name}:\\s+(\\d+)`))?.[1] ?? NaN);
  const done = output.match(/#\d+\s+DONE\s+cov: (\d+) ft: (\d+) corp: (\d+)/);
  const crash = output.match(/Test unit written to (\S+)/)?.[1];
  const r = {
    target,
    ok: status === 0 && !crash,
    runs: stat("number_of_executed_units"),
    perSecond: stat("average_exec_per_sec") || Math.round(stat("number_of_executed_units") / elapsed),
    cov: done ? Number(done[1]) : NaN,
    corpus: done ? Number(done[3]) : NaN,
    crash,
    seconds: elapsed,
  };
  results.push(r);
  console.log(r.ok ? `${r.runs} runs (${r.perSecond}/s), cov ${r.cov}, corpus ${r.corpus}` : "FAILED");
  if (!r.ok) {
    const why = output.split("\n").filter((l) => /panicked at|leaked|assert|left:|right:|ERROR: libFuzzer|SUMMARY/.test(l));
    console.log((why.length ? why : output.split("\n").slice(-30)).map((l) => `    ${l}`).join("\n"));
    if (crash) console.log(`    replay: cargo ${cargo.join(" ")} run ${target} ${crash}`);
  }
}

console.log("\nfuzz: summary");
for (const r of results) {
  const line = `${r.target.padEnd(16)} ${String(r.runs).padStart(10)} runs ${r.seconds.toFixed(0).padStart(5)} s`;
  console.log(`${r.ok ? "✔" : "✘"} ${line}${r.crash ? `  crash: ${r.crash}` : ""}`);
}
const crashed = results.filter((r) => !r.ok);
console.log(`${results.length - crashed.length} passed, ${crashed.length} failed`);
process.exit(crashed.length ? 1 : 0);

/** An empty folder for one check run's findings. */
function freshDir(target) {
  const dir = join(root, "fuzz", "target", "check-corpus", target);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a command, collecting stdout and stderr, killed if it outlives `limitMs`. */
function run(cmd, argv, limitMs) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk) => {
      output += chunk;
      // libFuzzer reports every new input; keep the head (the seeds) and the tail (the verdict).
      if (output.length > 4_000_000) output = output.slice(0, 1_000_000) + output.slice(-2_000_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}
