#!/usr/bin/env node
// Diagnostic, not a target: the CPU time each verification costs the whole
// process (main thread and WebCrypto's threads together, from
// process.cpuUsage), with 16 calls in flight over distinct tokens. On two
// cores 16 verifications in flight keep the CPU busy, so operations/s follow
// CPU per operation; unlike wall time, CPU time barely moves when other
// processes load the machine, so this shows the gap the bench's ratio
// measures, without its noise. Also: our own JavaScript and wasm per call,
// with WebCrypto's verify replaced by a resolved promise.
//   node bench/diagnostics/verify-cpu.mjs [RS256|ES256|EdDSA]
import { verifyJwt } from "client-credentials";
import { createLocalJWKSet, jwtVerify } from "jose";
import { ISSUER as issuer, PARAMS, fixture } from "../verify.mjs";
import { cycle, median } from "../lib.mjs";

const alg = process.argv[2] ?? "RS256";
if (!PARAMS[alg]) throw new Error(`usage: verify-cpu.mjs [${Object.keys(PARAMS).join("|")}]`);
const N = 256;
const { jwk, tokens, limits } = await fixture(alg, N);
const set = createLocalJWKSet({ keys: [jwk] });
const fixed = { keys: [jwk] };
const base = { issuer, audience: "account" };

/** Median CPU µs and wall µs per call, 16 in flight, over `rounds` bursts of `n` calls. */
async function measure(fn, n = 512, rounds = 15) {
  const burst = async () => {
    let left = n;
    const worker = async () => {
      while (left-- > 0) await fn();
    };
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 16 }, worker));
    const cpu = process.cpuUsage(cpu0);
    return [(cpu.user + cpu.system) / n, ((performance.now() - t0) * 1000) / n];
  };
  await burst();
  const cpu = [], wall = [];
  for (let r = 0; r < rounds; r++) {
    const [c, w] = await burst();
    cpu.push(c);
    wall.push(w);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

const each = (make) => {
  const next = cycle(tokens);
  return () => make(next());
};
const nextLimit = cycle(limits);
const uncached = { ...base, jwks: fixed, tokenCache: false };
const thrashed = { ...base, jwks: fixed, tokenCache: { maxEntries: N / 2 } };
const rows = [
  ["crypto.subtle.verify (the limit)", () => nextLimit()()],
  ["verifyJwt, tokenCache: false", each((t) => verifyJwt(t, uncached))],
  ["verifyJwt, cache of N/2 (every call a miss)", each((t) => verifyJwt(t, thrashed))],
  ["jose jwtVerify", each((t) => jwtVerify(t, set, base))],
];
const results = [];
for (const [name, fn] of rows) results.push([name, await measure(fn)]);
const limit = results[0][1];
console.log(`${alg}, ${N} distinct tokens, 16 in flight (CPU of the whole process per call; wall per call)`);
for (const [name, { cpu, wall }] of results) {
  console.log(`  ${name.padEnd(46)} CPU ${cpu.toFixed(1).padStart(6)} µs (+${(cpu - limit.cpu).toFixed(1)}, ${(limit.cpu / cpu).toFixed(2)}× of the limit)   wall ${wall.toFixed(1).padStart(6)} µs (${(limit.wall / wall).toFixed(2)}×)`);
}

// Our own work with WebCrypto out of the way, one call at a time (hot).
const real = crypto.subtle.verify;
Object.defineProperty(crypto.subtle, "verify", { value: async () => true, configurable: true });
const own = [];
for (const [name, options] of [
  ["tokenCache: false", uncached],
  ["cache of N/2 (insert + evict)", thrashed],
]) {
  const next = cycle(tokens);
  for (let i = 0; i < 5000; i++) await verifyJwt(next(), options);
  const xs = [];
  for (let r = 0; r < 9; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 5000; i++) await verifyJwt(next(), options);
    xs.push(((performance.now() - t0) * 1000) / 5000);
  }
  own.push(`${name} ${median(xs).toFixed(2)} µs`);
}
Object.defineProperty(crypto.subtle, "verify", { value: real, configurable: true });
console.log(`  our own work per call, WebCrypto stubbed: ${own.join("; ")}`);
