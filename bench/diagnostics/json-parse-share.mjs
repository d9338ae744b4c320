#!/usr/bin/env node
// Diagnostic, not a target: how much of the native decode baseline is
// JSON.parse alone, on the seed token. What is left is all the time a
// decoder at 0.8x native may spend on everything else.
//   node bench/diagnostics/json-parse-share.mjs
import { compare, tokens } from "../lib.mjs";

const token = tokens().seed;
const [h, p] = token.split(".");
const header = Buffer.from(h, "base64url").toString();
const payload = Buffer.from(p, "base64url").toString();
const ns = await compare([
  // The bench's native baseline (bench/decode.mjs).
  ["native baseline", () => {
    const [hh, pp] = token.split(".");
    return { header: JSON.parse(Buffer.from(hh, "base64url").toString()), payload: JSON.parse(Buffer.from(pp, "base64url").toString()) };
  }],
  ["JSON.parse only", () => ({ header: JSON.parse(header), payload: JSON.parse(payload) })],
], { iterations: 8000 });
const all = ns.get("native baseline"), parse = ns.get("JSON.parse only");
console.log(`native baseline ${(all / 1000).toFixed(2)} µs, JSON.parse alone ${(parse / 1000).toFixed(2)} µs (${Math.round((100 * parse) / all)}%)`);
console.log(`at 0.8x native a decoder has ${((all / 0.8 - parse) / 1000).toFixed(2)} µs for everything but JSON.parse`);
