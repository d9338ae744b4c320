#!/usr/bin/env node
// Soak test: many token requests against the real authorization server (oidc-provider,
// scripts/dev-auth-server.mjs, in a child process so its memory is not counted here),
// with several in flight at once. Prints requests/s and this process's memory (RSS, JS
// heap, and the wasm instance's linear memory) before, every 1000 requests, and after;
// then checks that memory levels off.
//
//   npm run soak                                  10,000 requests, 16 at a time
//   npm run soak -- --requests 50000 --concurrency 64
//   npm run soak -- --mode client                 a new TokenClient per request, freed after
//   npm run soak -- --errors 10                   every 10th request uses a wrong secret
//
// Checks, over the second half of the run (after a forced GC at its start and end):
//   - the wasm memory grows by at most --max-wasm-growth-kib (default 256 KiB: over
//     5,000 requests, a leak of more than 52 bytes per request fails it);
//   - the JS heap grows by at most --max-heap-growth-mib (default 8 MiB);
//   - RSS grows by at most --max-rss-growth-mib (default 48 MiB; RSS is coarse: the
//     allocator keeps freed pages, so the heap and wasm checks are the precise ones);
//   - every request got the expected answer, and the run ends within --max-seconds.
// Exits 1 if a check fails.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const args = parseArgs(process.argv.slice(2), {
  requests: 10_000,
  concurrency: 16,
  mode: "fetch",
  errors: 0,
  "sample-every": 1000,
  "max-seconds": 300,
  "max-wasm-growth-kib": 256,
  "max-heap-growth-mib": 8,
  "max-rss-growth-mib": 48,
});
if (!["fetch", "client"].includes(args.mode)) usage(`unknown --mode ${args.mode}`);

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc");

// Catch the wasm instance's memory as the package instantiates it: the package
// exports no handle to it, and needs none.
let wasmMemory;
const { Instance } = WebAssembly;
WebAssembly.Instance = function (module, imports) {
  const instance = new Instance(module, imports);
  wasmMemory ??= instance.exports.memory;
  return instance;
};
const { TokenClient, decodeJwt, fetchClientCredentialsToken } = await import("client-credentials");
WebAssembly.Instance = Instance;

const MiB = 1024 * 1024;
function memory() {
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external, wasm: wasmMemory?.buffer.byteLength ?? NaN };
}
const fmt = (bytes) => `${(bytes / MiB).toFixed(1).padStart(7)} MiB`;
const row = (label, done, rate, m) =>
  console.log(`${label.padEnd(10)} ${String(done).padStart(7)} ${rate === undefined ? "".padStart(8) : rate.toFixed(0).padStart(8)} ${fmt(m.rss)} ${fmt(m.heap)} ${fmt(m.external)} ${fmt(m.wasm)}`);

const server = await startServerChild();
const deadline = Date.now() + args["max-seconds"] * 1000;
let failures = 0;
const problems = [];

try {
  const { tokenUrl, clientId, clientSecret } = server;
  const good = { tokenUrl, clientId, clientSecret };
  const bad = { ...good, clientSecret: `${clientSecret}-wrong` };

  async function once(i) {
    const wrong = args.errors > 0 && i % args.errors === args.errors - 1;
    const options = wrong ? bad : good;
    try {
      let token;
      if (args.mode === "client") {
        const client = new TokenClient(options);
        try {
          token = await client.getToken();
        } finally {
          client.free();
        }
      } else {
        token = await fetchClientCredentialsToken(options);
      }
      if (wrong) throw new Error("a wrong secret was accepted");
      if (decodeJwt(token.accessToken).payload.client_id !== clientId) throw new Error("the token is for another client");
    } catch (err) {
      if (wrong && err?.code === "ERR_OAUTH" && err.error === "invalid_client") return;
      failures += 1;
      if (problems.length < 5) problems.push(`#${i}: ${err?.code ?? ""} ${err?.message ?? err}`);
    }
  }

  /** Runs requests [from, to) with `concurrency` in flight. */
  async function run(from, to) {
    let next = from;
    const worker = async () => {
      while (next < to) {
        if (Date.now() > deadline) throw new Error(`--max-seconds ${args["max-seconds"]} passed`);
        await once(next++);
      }
    };
    await Promise.all(Array.from({ length: Math.min(args.concurrency, to - from) }, worker));
  }

  console.log(`soak: ${args.requests} requests, ${args.concurrency} in flight, mode ${args.mode}${args.errors ? `, every ${args.errors}th with a wrong secret` : ""}, against oidc-provider at ${tokenUrl}`);
  console.log(`${"".padEnd(10)} ${"requests".padStart(7)} ${"req/s".padStart(8)} ${"RSS".padStart(11)} ${"JS heap".padStart(11)} ${"external".padStart(11)} ${"wasm".padStart(11)}`);
  gc();
  const before = memory();
  row("before", 0, undefined, before);

  // Warm-up: JIT, connection pool, the wasm allocator's first growth.
  const warmup = Math.min(200, Math.floor(args.requests / 10));
  await run(0, warmup);
  gc();
  const warm = memory();
  row("warm", warmup, undefined, warm);

  // Checkpoints: every --sample-every requests, and the midpoint, where the
  // second half's growth is measured from.
  const half = Math.floor((args.requests + warmup) / 2);
  const every = args["sample-every"];
  const checkpoints = [...new Set([half, args.requests, ...Array.from({ length: Math.floor(args.requests / every) }, (_, k) => (k + 1) * every)])]
    .filter((n) => n > warmup && n <= args.requests)
    .sort((a, b) => a - b);
  const started = performance.now();
  let done = warmup;
  let lastAt = started;
  let mid;
  const samples = [];
  for (const to of checkpoints) {
    await run(done, to);
    const now = performance.now();
    const rate = (to - done) / ((now - lastAt) / 1000);
    done = to;
    lastAt = now;
    if (to === half) {
      gc();
      mid = memory();
      row("midpoint", done, rate, mid);
    } else {
      const m = memory();
      samples.push(m);
      row("", done, rate, m);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  gc();
  const end = memory();
  row("after", done, (done - warmup) / seconds, end);

  const growth = {
    wasmKiB: (end.wasm - mid.wasm) / 1024,
    heapMiB: (end.heap - mid.heap) / MiB,
    rssMiB: (end.rss - mid.rss) / MiB,
  };
  const peakRss = Math.max(...samples.map((s) => s.rss), end.rss);
  console.log(
    `\nsoak: ${done - warmup} requests in ${seconds.toFixed(1)} s, ${((done - warmup) / seconds).toFixed(0)} req/s; ` +
      `second half growth: wasm ${growth.wasmKiB.toFixed(0)} KiB, JS heap ${growth.heapMiB.toFixed(2)} MiB, RSS ${growth.rssMiB.toFixed(1)} MiB; ` +
      `peak RSS ${(peakRss / MiB).toFixed(0)} MiB; wasm memory ${(before.wasm / 1024).toFixed(0)} KiB at start, ${(end.wasm / 1024).toFixed(0)} KiB at end`,
  );

  const checks = [
    [failures === 0, `${failures} requests failed${problems.length ? `: ${problems.join("; ")}` : ""}`],
    // A measure that is missing (NaN) fails its check: `NaN <= limit` is false.
    [growth.wasmKiB <= args["max-wasm-growth-kib"], `wasm memory grew ${growth.wasmKiB.toFixed(0)} KiB in the second half (limit ${args["max-wasm-growth-kib"]} KiB)`],
    [growth.heapMiB <= args["max-heap-growth-mib"], `the JS heap grew ${growth.heapMiB.toFixed(1)} MiB in the second half (limit ${args["max-heap-growth-mib"]} MiB)`],
    [growth.rssMiB <= args["max-rss-growth-mib"], `RSS grew ${growth.rssMiB.toFixed(1)} MiB in the second half (limit ${args["max-rss-growth-mib"]} MiB)`],
    [Number.isFinite(before.wasm) && Number.isFinite(mid.wasm) && Number.isFinite(end.wasm), "the wasm memory could not be observed"],
  ];
  const failed = checks.filter(([ok]) => !ok);
  for (const [, why] of failed) console.log(`✘ ${why}`);
  console.log(failed.length ? `soak: ${failed.length} check(s) failed` : "soak: memory levels off; every check passed");
  process.exitCode = failed.length ? 1 : 0;
} catch (err) {
  console.error(`soak: ${err.message}`);
  process.exitCode = 1;
} finally {
  server.stop();
}

/** Starts scripts/dev-auth-server.mjs on a free port and reads its URL and client from its output. */
function startServerChild() {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, "scripts", "dev-auth-server.mjs"), "--port", "0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the authorization server did not start: ${out}`));
    }, 30_000);
    child.on("exit", (code) => reject(new Error(`the authorization server exited (${code}): ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const tokenUrl = /token URL:\s+(\S+)/.exec(out)?.[1];
      const client = /client basic\s+id="([^"]+)" secret="([^"]+)"/.exec(out);
      if (tokenUrl && client) {
        clearTimeout(timer);
        resolve({ tokenUrl, clientId: client[1], clientSecret: client[2], stop: () => child.kill("SIGTERM") });
      }
    });
  });
}

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split("=", 2);
    const name = flag.replace(/^--/, "");
    if (!flag.startsWith("--") || !(name in defaults)) usage(`unknown argument ${argv[i]}`);
    const value = inline ?? argv[++i];
    out[name] = typeof defaults[name] === "number" ? Number(value) : value;
    if (typeof defaults[name] === "number" && !Number.isFinite(out[name])) usage(`${flag} needs a number`);
  }
  return out;
}

function usage(why) {
  console.error(`soak: ${why}\nusage: node scripts/soak.mjs [--requests N] [--concurrency N] [--mode fetch|client] [--errors N] [--max-seconds N]`);
  process.exit(2);
}
