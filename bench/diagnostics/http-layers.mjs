#!/usr/bin/env node
// Diagnostic, not a target: over real HTTP to the bench's token server, how
// much each layer costs against raw fetch. `send` is src/js/http.js alone (the
// timeout's signal, manual redirects, the body reader); `send+session` adds
// the core's Session (options, request, response); `ours` is the public
// fetchClientCredentialsToken. The order alternates each round, and raw
// fetch runs twice so its own spread shows the noise. Beside each rate: the
// client process's CPU time per request (the server is another process),
// which the machine's other load moves less than the rate.
//   node bench/diagnostics/http-layers.mjs
import { fork } from "node:child_process";
import { fetchClientCredentialsToken } from "client-credentials";
import { send } from "../../dist/http.js";
import { Session } from "../../dist/client_credentials.js";
import { opsPerSecond } from "../lib.mjs";

const child = fork(new URL("../token-server.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
const port = await new Promise((resolve) => child.once("message", (m) => resolve(m.port)));
const tokenUrl = `http://127.0.0.1:${port}/token`;
const options = { tokenUrl, clientId: "archival-service", clientSecret: "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a" };
const basic = `Basic ${Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64")}`;
const headers = { authorization: basic, "content-type": "application/x-www-form-urlencoded", accept: "application/json" };
const raw = async (extra = {}) => (await fetch(tokenUrl, { method: "POST", headers, body: "grant_type=client_credentials", ...extra })).json();

const list = [
  ["raw fetch", () => raw()],
  ["raw + AbortSignal", () => raw({ signal: new AbortController().signal })],
  ["raw + redirect: manual", () => raw({ redirect: "manual" })],
  ["send (src/js/http.js)", () => send(tokenUrl, basic, "grant_type=client_credentials", 10_000, undefined)],
  ["send + Session", async () => {
    const session = new Session(options, false);
    try {
      const [url, authorization, form] = session.tokenRequest(Date.now()).split("\n");
      const res = await send(url, authorization, form, 10_000, undefined);
      return session.acceptToken(res.status, res.meta, res.body, Date.now());
    } finally {
      session.free();
    }
  }],
  ["fetchClientCredentialsToken", () => fetchClientCredentialsToken(options)],
  ["raw fetch (again)", () => raw()],
];
const samples = await opsPerSecond(list, { rounds: 9, total: 1000, concurrency: 8, warmup: 300, cpu: true });
const base = (samples.get("raw fetch").ops + samples.get("raw fetch (again)").ops) / 2;
const baseCpu = (samples.get("raw fetch").cpuUs + samples.get("raw fetch (again)").cpuUs) / 2;
for (const [name, { ops, cpuUs }] of samples) {
  console.log(`${name.padEnd(28)} ${String(Math.round(ops)).padStart(6)} req/s  ${(ops / base).toFixed(2)}×   client CPU ${cpuUs.toFixed(1).padStart(6)} µs/request (+${(cpuUs - baseCpu).toFixed(1)})`);
}
child.kill();
