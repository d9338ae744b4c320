#!/usr/bin/env node
// Diagnostic, not a target: where a token request's time goes in-process,
// with the bench's fake fetch (bench/fetch.mjs), so only the library's own
// work shows. First the layers, each a median of awaited calls: raw fetch,
// src/js/http.js's send alone, send with the core's Session, and the public
// fetchClientCredentialsToken. Then each crossing into the core alone, in a
// tight loop: building the Session (reading and checking the options),
// tokenRequest (the form, the Basic header), acceptToken (the strict JSON
// reader, the result object), free.
//   node bench/diagnostics/token-request-layers.mjs
import { fetchClientCredentialsToken } from "client-credentials";
import { send } from "../../dist/http.js";
import { Session } from "../../dist/client_credentials.js";
import { median } from "../lib.mjs";

const body = JSON.stringify({ access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", token_type: "Bearer", expires_in: 300, scope: "profile" });
const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
globalThis.fetch = async () => new Response(body, { status: 200, headers });
const tokenUrl = "http://127.0.0.1:9/token";
const options = { tokenUrl, clientId: "archival-service", clientSecret: "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a" };
const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64")}`;
const form = "grant_type=client_credentials";

const us = (ns) => `${(ns / 1000).toFixed(2)} µs`;
async function p50(fn, calls = 3000, rounds = 7) {
  for (let i = 0; i < calls; i++) await fn();
  const xs = [];
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < calls / 10; i++) {
      const t0 = process.hrtime.bigint();
      await fn();
      xs.push(Number(process.hrtime.bigint() - t0));
    }
  }
  return median(xs);
}

const layers = [
  ["raw fetch + res.json()", async () => (await fetch(tokenUrl, { method: "POST", headers: { authorization: basic, "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: form })).json()],
  ["send (src/js/http.js)", () => send(tokenUrl, basic, form, 10_000, undefined)],
  ["send + Session", async () => {
    const session = new Session(options, false);
    try {
      const [url, authorization, f] = session.tokenRequest(Date.now()).split("\n");
      const res = await send(url, authorization, f, 10_000, undefined);
      return session.acceptToken(res.status, res.meta, res.body, Date.now());
    } finally {
      session.free();
    }
  }],
  ["fetchClientCredentialsToken", () => fetchClientCredentialsToken(options)],
];
const measured = [];
for (const [name, fn] of layers) measured.push([name, await p50(fn)]);
const raw = measured[0][1];
console.log("Layers, fake fetch (p50 per call):");
for (const [name, t] of measured) console.log(`  ${name.padEnd(30)} ${us(t).padStart(10)}  ${(t / raw).toFixed(2)}× raw`);

// Each crossing alone.
const bytes = new TextEncoder().encode(body);
const session = new Session(options, false);
const loop = (fn, n = 20000) => {
  for (let i = 0; i < n; i++) fn();
  const xs = [];
  for (let r = 0; r < 7; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    xs.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(xs);
};
const parts = [
  ["new Session + free", () => new Session(options, false).free()],
  ["tokenRequest", () => session.tokenRequest(Date.now())],
  ["acceptToken", () => session.acceptToken(200, "", bytes, Date.now())],
  ["JSON.parse of the body (for scale)", () => JSON.parse(body)],
];
console.log("Crossings into the core, each alone (hot loop):");
for (const [name, fn] of parts) console.log(`  ${name.padEnd(36)} ${us(loop(fn))}`);
session.free();
