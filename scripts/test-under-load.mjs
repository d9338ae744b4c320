#!/usr/bin/env node
// `npm test`, again and again, on a machine kept busy: the check that no test
// depends on a quiet machine (issue 24). Each run starts `stress-ng --cpu N`
// (one busy worker per core by default) before `npm test` and stops it after;
// the first failing run ends the series.
//
//   node scripts/test-under-load.mjs                 10 runs, stress-ng --cpu <cores>
//   node scripts/test-under-load.mjs --runs 3 --cpu 1 -- js keycloak
//
// Each run's whole output goes to <logs>/run-N.log (default: a new folder under
// the system temp folder, printed first); one line per run is printed with its
// time and the load average at its start and end.
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, mkdtempSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: "string", default: "10" },
    cpu: { type: "string", default: String(availableParallelism()) },
    logs: { type: "string" },
  },
});
const runs = Number(values.runs);
const cpu = Number(values.cpu);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(cpu) || cpu < 0) {
  console.error("test-under-load: --runs takes a whole number ≥ 1, --cpu one ≥ 0 (0: no stress-ng)");
  process.exit(2);
}
if (cpu > 0 && spawnSync("stress-ng", ["--version"]).error) {
  console.error("test-under-load: stress-ng is not installed: apt-get install stress-ng (or run with --cpu 0 and a load of your own)");
  process.exit(1);
}
const logs = values.logs ?? mkdtempSync(join(tmpdir(), "cc-under-load-"));
const load = () => loadavg().map((n) => n.toFixed(1)).join(" ");
const head = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: root, encoding: "utf8" }).stdout.trim();
console.log(`test-under-load: ${runs} run(s) of npm test${positionals.length ? ` -- ${positionals.join(" ")}` : ""} at ${head}, stress-ng --cpu ${cpu}; logs in ${logs}`);

/** Resolves to the exit status of `cmd`, its output appended to `log`. */
function run(cmd, args, log) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("error", () => resolve(127));
    child.on("close", (status, signal) => resolve(status ?? (signal ? 128 : 1)));
  });
}

for (let i = 1; i <= runs; i++) {
  const log = createWriteStream(join(logs, `run-${i}.log`));
  const stress = cpu > 0 ? spawn("stress-ng", ["--cpu", String(cpu), "--quiet"], { stdio: "ignore" }) : undefined;
  const loadAtStart = load();
  const started = performance.now();
  const status = await run("npm", ["test", "--", ...positionals], log);
  const minutes = (performance.now() - started) / 60_000;
  stress?.kill("SIGTERM");
  await new Promise((resolve) => log.end(resolve));
  console.log(`run ${i}: ${status === 0 ? "passed" : `failed (exit ${status})`} in ${minutes.toFixed(1)} min; load average ${loadAtStart} at start, ${load()} at end`);
  if (status !== 0) {
    console.log(`test-under-load: run ${i} failed; its output: ${join(logs, `run-${i}.log`)}`);
    process.exit(1);
  }
}
console.log(`test-under-load: ${runs} run(s) in a row passed`);
