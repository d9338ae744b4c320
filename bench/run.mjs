#!/usr/bin/env node
// `npm run bench [-- --quick] [-- decode verify size cold fetch keyauth store outage cli]`: runs the
// benchmarks, prints each table and the targets as met or missed, and
// writes bench/results.md (the README's performance section quotes it).
// Benchmarks are not tests: they print and compare.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { quick, root, table, verdict } from "./lib.mjs";

execFileSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit" });

const ALL = { decode: "./decode.mjs", verify: "./verify.mjs", size: "./size.mjs", cold: "./cold-start.mjs", fetch: "./fetch.mjs", keyauth: "./keyauth.mjs", store: "./store.mjs", outage: "./outage.mjs", cli: "./cli.mjs" };
const picked = process.argv.slice(2).filter((a) => a in ALL);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? "CPU"}, Node ${process.version}, ${process.platform}-${process.arch}`;
const date = new Date().toISOString().slice(0, 10);

const out = [`# Benchmarks\n\nMeasured ${date} on ${machine}${quick ? " (--quick: too few rounds to quote)" : ""}. Medians of interleaved rounds after a warm-up; ratios against peers measured in the same run.\n`];
const allTargets = [];
// Sizes are deterministic, so their budgets fail the run (and npm test's
// quick bench); timings only print.
const overBudget = [];
for (const [name, file] of Object.entries(ALL)) {
  if (picked.length && !picked.includes(name)) continue;
  const { run } = await import(file);
  const started = performance.now();
  const { title, markdown, targets, budgets = [] } = await run();
  for (const b of budgets) {
    if (b.size > b.limit) overBudget.push(b);
    else if (b.size > b.budget) console.log(`! ${b.what}: ${(b.size / 1024).toFixed(1)} KB misses its ${(b.budget / 1024).toFixed(1)} KB budget; enforced: its ceiling of ${(b.limit / 1024).toFixed(1)} KB`);
  }
  const section = `## ${title}\n\n${markdown}\n`;
  console.log(`\n${section}\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
  out.push(section);
  allTargets.push(...targets);
}
const summary = `## Targets\n\n${table(["target", "measured", ""], allTargets.map(([what, value, ok]) => [what, value, verdict(ok)]))}\n`;
console.log(`\n${summary}`);
out.push(summary);
if (!quick && !picked.length) writeFileSync(join(root, "bench/results.md"), out.join("\n"));
if (overBudget.length) {
  for (const b of overBudget) console.error(`✘ ${b.what}: ${(b.size / 1024).toFixed(1)} KB, over its limit of ${(b.limit / 1024).toFixed(1)} KB (budget ${(b.budget / 1024).toFixed(1)} KB)`);
  process.exit(1);
}
