#!/usr/bin/env node
// Diagnostic, not a target: where verifyJwt's distance to the bare
// crypto.subtle.verify (bench/verify.mjs's "limit") comes from.
//
// 1. Our own work: verifyJwt with crypto.subtle.verify replaced by an
//    already-resolved promise, in a tight loop (everything hot in cache).
// 2. The same work before a real verify: a wasm call (decodeJwt of the same
//    token) or the same amount of plain JavaScript, then the limit. Each adds
//    more wall time than it costs alone: after ~60-150 µs waiting for
//    WebCrypto's thread the main thread's caches are cold.
// 3. The bench's measure (each contender in its own block of calls) beside
//    one that alternates the three contenders call by call. Alternating
//    charges the limit with the others' cache misses too, so it flatters
//    us; it is shown for the explanation, never used as the target.
//
//   node bench/diagnostics/verify-gap.mjs [RS256|ES256|EdDSA]
import { decodeJwt, verifyJwt } from "client-credentials";
import { createLocalJWKSet, jwtVerify } from "jose";
import { ISSUER as issuer, PARAMS, fixture } from "../verify.mjs";

const alg = process.argv[2] ?? "RS256";
if (!PARAMS[alg]) throw new Error(`usage: verify-gap.mjs [${Object.keys(PARAMS).join("|")}]`);
// The benchmark's own key, token and limit (bench/verify.mjs).
const { jwk, token, limit } = await fixture(alg);
const p = token.split(".")[1];
const options = { jwks: { keys: [jwk] }, issuer, audience: "account" };
const set = createLocalJWKSet({ keys: [jwk] });
const median = (xs) => xs.sort((a, b) => a - b)[xs.length >> 1];
const us = (ms) => `${(ms * 1000).toFixed(1)} µs`;

/** Median per-call time of `fn` over `rounds` blocks of `n` awaited calls. */
async function block(fn, n = 3000, rounds = 7) {
  for (let i = 0; i < n; i++) await fn();
  const xs = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await fn();
    xs.push((performance.now() - t0) / n);
  }
  return median(xs);
}

// 1. Our own work, with WebCrypto out of the way.
const real = crypto.subtle.verify;
Object.defineProperty(crypto.subtle, "verify", { value: async () => true, configurable: true });
const own = await block(() => verifyJwt(token, options), 20000);
Object.defineProperty(crypto.subtle, "verify", { value: real, configurable: true });
console.log(`${alg}: verifyJwt's own work, hot (WebCrypto stubbed): ${us(own)}`);

// 2. The limit alone, and after other work.
const parse = () => JSON.parse(Buffer.from(p, "base64url").toString());
const rows = [
  ["limit alone", limit],
  ["decodeJwt (wasm), then the limit", () => (decodeJwt(token), limit())],
  ["JSON.parse of the payload (JS), then the limit", () => (parse(), limit())],
  ["verifyJwt", () => verifyJwt(token, options)],
];
const alone = await block(limit);
for (const [name, fn] of rows) {
  const t = name === "limit alone" ? alone : await block(fn);
  console.log(`  ${name}: ${us(t)} (+${us(t - alone)})`);
}
const hot = { decode: await block(() => decodeJwt(token), 20000), parse: await block(parse, 20000) };
console.log(`  hot alone: decodeJwt ${us(hot.decode)}, JSON.parse of the payload ${us(hot.parse)}`);

// 3. Blocks against call-by-call alternation.
const contenders = [limit, () => verifyJwt(token, options), () => jwtVerify(token, set, { issuer, audience: "account" })];
const blocks = [];
for (const fn of contenders) blocks.push(await block(fn));
const alternated = [0, 0, 0];
const N = 6000;
for (let i = 0; i < N; i++) {
  for (let j = 0; j < 3; j++) {
    const k = (i + j) % 3;
    const t0 = performance.now();
    await contenders[k]();
    alternated[k] += (performance.now() - t0) / N;
  }
}
const ratios = (t) => `ours ${(t[0] / t[1]).toFixed(2)}×, jose ${(t[0] / t[2]).toFixed(2)}× of the limit (limit ${us(t[0])})`;
console.log(`  in blocks (the bench): ${ratios(blocks)}`);
console.log(`  alternated call by call: ${ratios(alternated)}`);
