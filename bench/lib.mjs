// Shared helpers for the benchmarks: timing with warm-up and medians, the
// input tokens, and table printing. Benchmarks print and compare; they
// assert nothing.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");
export const quick = process.argv.includes("--quick");

const b64 = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

/** The three inputs the issue names. */
export function tokens() {
  const seed = readFileSync(join(root, "tests/fixtures/seed-token.txt"), "utf8").trim();
  // ~4 KB of non-ASCII text (Greek, CJK, emoji) in nested objects. Deterministic.
  const words = ["Αθήνα", "καλημέρα", "東京", "漢字テスト", "😀", "🚀", "ελληνικά", "中文字符", "🎉"];
  const nested = [];
  for (let i = 0; nested.length < 40; i++) {
    nested.push({ id: i, name: words[i % words.length] + " " + words[(i * 7) % words.length], tags: [words[(i * 3) % words.length], i % 2 === 0], meta: { ok: true, n: i * 1.5 } });
  }
  const unicodePayload = { iss: "https://sso.example/realms/σίβα", sub: "χρήστης-😀", exp: 1900000000, items: nested };
  const unicode = `${b64({ alg: "RS256", typ: "JWT", kid: "κλειδί" })}.${b64(unicodePayload)}.${b64("signature-bytes-".repeat(16))}`;
  const tiny = `${b64({ alg: "none" })}.${b64({ a: 1 })}.`;
  return { seed, unicode, tiny };
}

/**
 * Runs `fn` in rounds after a warm-up and returns the median time per call
 * in nanoseconds. Rounds are interleaved by the caller for fairness.
 */
export function timePerCall(fn, { iterations }) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

export async function timePerCallAsync(fn, { iterations }) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - t0) / iterations;
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Measures several contenders with interleaved rounds (so drift on a noisy
 * machine hits all of them alike) and returns the median ns per call of each.
 */
export async function compare(contenders, { rounds = quick ? 3 : 9, iterations, warmup = iterations, async = false }) {
  const samples = new Map(contenders.map(([name]) => [name, []]));
  for (const [, fn] of contenders) {
    if (async) await timePerCallAsync(fn, { iterations: warmup });
    else timePerCall(fn, { iterations: warmup });
  }
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round, so no contender always runs first.
    for (const [name, fn] of r % 2 ? [...contenders].reverse() : contenders) {
      samples.get(name).push(async ? await timePerCallAsync(fn, { iterations }) : timePerCall(fn, { iterations }));
    }
  }
  return new Map([...samples].map(([name, xs]) => [name, median(xs)]));
}

/** A markdown table from rows of cells. */
export function table(header, rows) {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const r of rows) lines.push(`| ${r.join(" | ")} |`);
  return lines.join("\n");
}

export const fmtNs = (ns) => (ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : ns >= 1e3 ? `${(ns / 1e3).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
export const fmtRatio = (r) => `${r.toFixed(2)}×`;
export const verdict = (ok) => (ok ? "**met**" : "**missed**");

/**
 * Operations per second with `concurrency` callers in flight, median of
 * `rounds` interleaved rounds of `total` calls each (the order alternates
 * each round, so no contender always runs first). With `cpu`, resolves to
 * `{ ops, cpuUs }` per contender: also the process's CPU time per call
 * (main thread and WebCrypto's or libuv's threads together), which other
 * processes on a shared machine move far less than wall time.
 */
export async function opsPerSecond(list, { rounds, total, concurrency, warmup = Math.min(200, total), cpu = false }) {
  const samples = new Map(list.map(([n]) => [n, []]));
  const cpuSamples = new Map(list.map(([n]) => [n, []]));
  const burst = async (fn, n) => {
    let left = n;
    const worker = async () => {
      while (left-- > 0) await fn();
    };
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const used = process.cpuUsage(cpu0);
    return [n / (Number(process.hrtime.bigint() - t0) / 1e9), (used.user + used.system) / n];
  };
  for (const [, fn] of list) await burst(fn, warmup);
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of r % 2 ? [...list].reverse() : list) {
      const [ops, cpuUs] = await burst(fn, total);
      samples.get(name).push(ops);
      cpuSamples.get(name).push(cpuUs);
    }
  }
  return new Map([...samples].map(([n, xs]) => [n, cpu ? { ops: median(xs), cpuUs: median(cpuSamples.get(n)) } : median(xs)]));
}

/** A function that returns the items of `list` in turn, forever. */
export function cycle(list) {
  let i = 0;
  return () => list[i++ % list.length];
}
