#!/usr/bin/env node
// The doc-test runner: every ```js and ```sh block of README.md and docs/*.md runs, as a
// reader would run it, against real servers, so a sample that drifts from the API
// fails `npm test` (suite `docs`, tests/docs/samples.test.mjs).
//
// A block's info string says how it runs:
//
//   ```js                       a Node ES module, against the dev authorization server
//                               (scripts/dev-auth-server.mjs: the seed's realm and client)
//                               and the protected API (scripts/resource-server.mjs);
//                               CLIENT_KEY_PEM is the key of its `private_key_jwt` client
//   ```js keycloak              the same, against the tests' Keycloak (KEYCLOAK_SHARED when
//                               `npm test` started one, else its own)
//   ```js redis                 with a redis-server of its own; REDIS_URL names it
//   ```js worker                a Workers module, bundled as wrangler does and run in workerd
//                               with an `env` of TOKEN_URL, ISSUER, CLIENT_ID, CLIENT_SECRET,
//                               API_URL: `scheduled` must end "ok", `fetch` answer below 400
//   ```js api                   a protected fetch handler, in workerd: it must answer 401 to a
//                               request without a token and 200 to one with the server's token
//   ```js no-run: REASON        not run; the reason is required and shown as a skip
//   ```sh run [keycloak]        a bash script (set -euo pipefail) with the command line on
//                               PATH as `client-credentials` and `npx client-credentials`
//   ```sh no-run: REASON        a shell block must say one or the other
//
// Samples are written with the ports `npm start` uses, so they also run as they
// stand against the demo: the authorization server at http://localhost:9191 and the
// API at http://localhost:8383. The runner points those at the servers it started,
// and sets CLIENT_SECRET to the seed's development secret. Samples import the
// package by name; from a file inside this checkout that resolves to the checkout
// itself (package.json `exports` self-reference), so they run against dist/.
//
//   node scripts/doctest.mjs                  every block of README.md and docs/*.md
//   node scripts/doctest.mjs docs/cli.md      the blocks of the files named
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The seed's development secret: the dev server's and the Keycloak realm's `archival-service`. */
export const SEED_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a";
/** The origins samples are written with: `npm start`'s authorization server and API. */
const AUTH_ORIGIN = "http://localhost:9191";
const API_ORIGIN = "http://localhost:8383";

/** Languages whose blocks must run or say why not. */
const JS_LANGUAGES = new Set(["js", "javascript", "mjs", "cjs", "jsx", "ts", "typescript", "tsx"]);
const SHELL_LANGUAGES = new Set(["sh", "bash", "shell"]);
/** Every block the runner runs or skips with a reason. */
export const RUN_LANGUAGES = new Set([...JS_LANGUAGES, ...SHELL_LANGUAGES]);
/** Attributes a JS block may carry (besides `no-run: REASON`). */
const MODES = new Set(["keycloak", "redis", "worker", "api"]);
/** Attributes a shell block may carry: it must say `run` (or `no-run: REASON`). */
const SHELL_MODES = new Set(["run", "keycloak"]);

/** The Markdown files whose samples `npm test` runs: README.md and docs/ (not the generated docs/api/). */
export function docFiles() {
  const files = ["README.md"];
  const walk = (dir) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory() && path !== "docs/api") walk(path);
      else if (entry.isFile() && entry.name.endsWith(".md")) files.push(path);
    }
  };
  if (existsSync(join(root, "docs"))) walk("docs");
  return files;
}

/**
 * The fenced code blocks of a Markdown text, with their line, language and what the
 * info string asks. A JS block with an unknown attribute or a `no-run` without a
 * reason carries `problem`: the runner fails it rather than guess.
 */
export function extractBlocks(text, file = "(text)") {
  const blocks = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const body = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    const language = info.split(/\s+/)[0].toLowerCase();
    const block = { file, line: i + 1, language, info, code: body.join("\n"), mode: "node", services: [] };
    if (JS_LANGUAGES.has(language)) Object.assign(block, readInfo(info.slice(language.length).trim()));
    if (SHELL_LANGUAGES.has(language)) Object.assign(block, readShellInfo(info.slice(language.length).trim()));
    blocks.push(block);
    i = j;
  }
  return blocks;
}

function readInfo(rest) {
  const noRun = /^no-run(?::\s*(.*))?$/.exec(rest);
  if (noRun) {
    return noRun[1]?.trim() ? { skip: noRun[1].trim() } : { problem: "`no-run` needs a reason: ```js no-run: why it can't run here" };
  }
  const words = rest ? rest.split(/\s+/) : [];
  const unknown = words.filter((w) => !MODES.has(w));
  if (unknown.length) return { problem: `unknown doc-test attribute(s) ${unknown.map((w) => `"${w}"`).join(", ")}; known: ${[...MODES].join(", ")}, no-run: REASON` };
  const services = words.filter((w) => w === "keycloak" || w === "redis");
  const mode = words.includes("worker") ? "worker" : words.includes("api") ? "api" : "node";
  return { mode, services };
}

/**
 * A shell block runs only when it says `run` (bash, `set -euo pipefail`, the CLI as
 * `client-credentials` and `npx client-credentials` on PATH), or says why it can't.
 */
function readShellInfo(rest) {
  if (/^no-run\b/.test(rest)) return readInfo(rest);
  const words = rest ? rest.split(/\s+/) : [];
  const unknown = words.filter((w) => !SHELL_MODES.has(w));
  if (unknown.length) return { problem: `unknown doc-test attribute(s) ${unknown.map((w) => `"${w}"`).join(", ")}; known for shell blocks: run, keycloak, no-run: REASON` };
  if (!words.includes("run")) return { problem: "a shell block must say `run` (```sh run) or why it can't (```sh no-run: REASON)" };
  return { mode: "shell", services: words.filter((w) => w === "keycloak") };
}

/** The servers samples run against, started on first need and closed by `close()`. */
export class DocServers {
  #auth;
  #api;
  #keycloak;
  #redis;
  #workerd;

  /**
   * The dev authorization server (oidc-provider shaped like the seed's realm) and the
   * protected API. Besides the seed's `archival-service`, it knows two clients of the
   * key-based methods: `archival-signed-jwt` (`private_key_jwt`, its private key in
   * CLIENT_KEY_PEM) and `archival-secret-jwt` (`client_secret_jwt` with the seed's secret).
   */
  async dev() {
    this.#auth ??= (async () => {
      const { startAuthServer } = await import("./dev-auth-server.mjs");
      const { exportJWK, exportPKCS8, generateKeyPair } = await import("jose");
      const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
      this.clientKeyPem = await exportPKCS8(privateKey);
      const jwk = { ...(await exportJWK(publicKey)), kid: "archival-2026", alg: "RS256", use: "sig" };
      return startAuthServer({
        port: 0,
        clients: {
          signedJwt: { clientId: "archival-signed-jwt", authMethod: "private_key_jwt", metadata: { jwks: { keys: [jwk] } } },
          secretJwt: { clientId: "archival-secret-jwt", clientSecret: SEED_SECRET, authMethod: "client_secret_jwt" },
        },
      });
    })();
    const auth = await this.#auth;
    this.#api ??= (async () => {
      const { startResourceServer } = await import("./resource-server.mjs");
      return startResourceServer({ issuer: auth.issuer, port: 0 });
    })();
    const api = await this.#api;
    return { origin: new URL(auth.issuer).origin, issuer: auth.issuer, tokenUrl: auth.issuerTokenUrl, apiUrl: api.url };
  }

  /** The tests' Keycloak: the shared instance under `npm test`, else one of our own. */
  async keycloak() {
    this.#keycloak ??= (async () => {
      const { startKeycloak } = await import("./keycloak.mjs");
      return startKeycloak();
    })();
    const kc = await this.#keycloak;
    return { origin: kc.url, issuer: kc.issuer, tokenUrl: kc.tokenUrl };
  }

  /** A packed copy of the package and the workerd binary, for `worker` and `api` blocks. */
  async workerd() {
    this.#workerd ??= (async () => {
      const { installedPackage, runtimeBinary } = await import("../tests/runtimes/support/harness.mjs");
      return { project: installedPackage(), binary: runtimeBinary("workerd") };
    })();
    return this.#workerd;
  }

  async redis() {
    this.#redis ??= (async () => {
      const { startRedis } = await import("../tests/support/redis.mjs");
      return startRedis();
    })();
    return (await this.#redis).url;
  }

  async close() {
    const settle = async (p, close) => {
      if (!p) return;
      try {
        await close(await p);
      } catch {
        // it never started; nothing to close
      }
    };
    await settle(this.#api, (api) => api.close());
    await settle(this.#auth, (auth) => auth.close());
    await settle(this.#keycloak, (kc) => kc.stop());
    await settle(this.#redis, (redis) => redis.stop());
  }
}

/** Where samples are written: inside the checkout (not under node_modules), so `client-credentials` resolves to it. */
const workDir = join(root, ".doctest");

/** workerd's config: the sample as a Worker with its `env`, and a driver Worker bound to it (for `scheduled`). */
function workerdConfig(vars, wasm) {
  const text = (v) => `"${String(v).replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "sample", worker = .sample),
    (name = "driver", worker = .driver),
    # The dev servers listen on 127.0.0.1; workerd's default outbound allows public addresses only.
    (name = "loopback-allowed", network = (allow = ["public", "local"])),
  ],
  sockets = [
    (name = "sample", address = "127.0.0.1:0", http = (), service = "sample"),
    (name = "driver", address = "127.0.0.1:0", http = (), service = "driver"),
  ],
);
const sample :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "out/worker.mjs"),
    (name = "${wasm}", wasm = embed "out/${wasm}"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [${Object.entries(vars).map(([k, v]) => `(name = "${k}", text = ${text(v)})`).join(", ")}],
  globalOutbound = "loopback-allowed",
);
const driver :Workerd.Worker = (
  modules = [(name = "driver.mjs", esModule = embed "driver.mjs")],
  compatibilityDate = "2025-09-01",
  compatibilityFlags = ["experimental", "service_binding_extra_handlers"],
  bindings = [(name = "SAMPLE", service = "sample")],
);
`;
}

/** The driver Worker: GET /__scheduled fires the sample's scheduled() as a cron trigger would. */
const WORKERD_DRIVER = `export default {
  async fetch(request, env) {
    return Response.json(await env.SAMPLE.scheduled({ cron: "*/5 * * * *" }));
  },
};
`;

/**
 * Runs a `worker` or `api` block in workerd, bundled as wrangler bundles it (esbuild,
 * conditions workerd > worker > browser) against a packed copy of the package:
 * - worker: its `scheduled` handler must finish with outcome "ok" and its `fetch`
 *   handler answer below 400;
 * - api: it must answer 401 to a request without a token and 200 with the token
 *   the authorization server gives archival-service.
 */
async function runInWorkerd(block, samplePath, vars, servers) {
  const { project, binary } = await servers.workerd();
  const { bundleWorker, serveWorkerd } = await import("../tests/runtimes/support/harness.mjs");
  const dir = mkdtempSync(join(project.dir, "doc-"));
  let server;
  try {
    const bundle = await bundleWorker(project, samplePath, dir);
    // bundleWorker copied the wasm of the entry the sample imports, under its own name.
    writeFileSync(join(dir, "config.capnp"), workerdConfig(vars, bundle.wasm));
    writeFileSync(join(dir, "driver.mjs"), WORKERD_DRIVER);
    server = serveWorkerd(binary, dir, ["sample", "driver"]);
    const ports = await server.ready;
    const get = (socket, headers = {}) =>
      fetch(`http://127.0.0.1:${ports[socket]}/api/archives`, { headers, signal: AbortSignal.timeout(30_000) });
    const failed = (why) => ({ ok: false, output: `${why}\n${server.output()}` });
    // Which handlers the module has: method definitions at the start of a line.
    const has = (name) => new RegExp(`^\\s*(async\\s+)?${name}\\s*\\(`, "m").test(block.code);
    if (block.mode === "worker") {
      if (has("scheduled")) {
        const result = await (await get("driver")).json();
        if (result.outcome !== "ok") return failed(`scheduled() ended with outcome "${result.outcome}"`);
      }
      if (has("fetch")) {
        const res = await get("sample");
        const body = await res.text();
        if (res.status >= 400) return failed(`fetch() answered ${res.status}: ${body.slice(0, 300)}`);
      }
      if (!has("scheduled") && !has("fetch")) return failed("a worker sample must export default { fetch } or { scheduled }");
    } else {
      const anonymous = await get("sample");
      if (anonymous.status !== 401) return failed(`a protected API must answer 401 to a request without a token, not ${anonymous.status}`);
      const tokenRes = await fetch(vars.TOKEN_URL, {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`${vars.CLIENT_ID}:${vars.CLIENT_SECRET}`)}` },
        body: new URLSearchParams({ grant_type: "client_credentials" }),
      });
      if (tokenRes.status !== 200) return failed(`the token request for the check failed: ${tokenRes.status}`);
      const { access_token } = await tokenRes.json();
      const authorized = await get("sample", { authorization: `Bearer ${access_token}` });
      const body = await authorized.text();
      if (authorized.status !== 200) return failed(`with a valid token: ${authorized.status} ${body.slice(0, 300)}`);
    }
    return { ok: true, output: server.output() };
  } catch (err) {
    return { ok: false, output: `${err.stack}\n${server?.output() ?? ""}` };
  } finally {
    server?.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs one block. Resolves to `{ ok, skipped, output }`: `ok` false with the
 * sample's stderr when it throws, exits non-zero, or outlives `timeoutMs`.
 */
export async function runBlock(block, servers, { timeoutMs = 90_000 } = {}) {
  if (block.problem) return { ok: false, output: `${block.file}:${block.line}: ${block.problem}` };
  if (block.skip) return { ok: true, skipped: block.skip, output: "" };
  if (["ts", "typescript", "tsx"].includes(block.language)) {
    return { ok: false, output: `${block.file}:${block.line}: TypeScript blocks are not run; write the sample in js, or mark it no-run with a reason` };
  }

  const server = block.services.includes("keycloak") ? await servers.keycloak() : await servers.dev();
  const dev = await servers.dev();
  const env = { ...process.env, CLIENT_SECRET: SEED_SECRET, CLIENT_KEY_PEM: servers.clientKeyPem, NO_COLOR: "1" };
  if (block.services.includes("redis")) env.REDIS_URL = await servers.redis();
  const code = block.code.replaceAll(AUTH_ORIGIN, server.origin).replaceAll(API_ORIGIN, new URL(dev.apiUrl).origin);

  mkdirSync(workDir, { recursive: true });
  const name = `${block.file.replace(/[^\w.-]+/g, "_")}-${block.line}`;
  if (block.mode === "shell") return runShell(name, code, env, timeoutMs);
  const samplePath = join(workDir, `${name}.mjs`);
  writeFileSync(samplePath, code);
  if (block.mode === "worker" || block.mode === "api") {
    const vars = { TOKEN_URL: server.tokenUrl, ISSUER: server.issuer, CLIENT_ID: "archival-service", CLIENT_SECRET: SEED_SECRET, API_URL: dev.apiUrl };
    try {
      return await runInWorkerd(block, samplePath, vars, servers);
    } finally {
      rmSync(samplePath, { force: true });
    }
  }
  try {
    return await spawnAndWait(process.execPath, [samplePath], env, timeoutMs);
  } finally {
    rmSync(samplePath, { force: true });
  }
}

/**
 * Runs a shell block with bash. `client-credentials` is this checkout's bin, and
 * `npx client-credentials` runs it too (npx itself would look in the registry).
 */
async function runShell(name, code, env, timeoutMs) {
  const bin = join(workDir, "bin");
  mkdirSync(bin, { recursive: true });
  const cli = join(root, "bin/client-credentials.mjs");
  writeFileSync(join(bin, "client-credentials"), `#!/bin/sh\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  writeFileSync(join(bin, "npx"), `#!/bin/sh\n[ "$1" = client-credentials ] || { echo "doctest: npx runs only client-credentials here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${cli}" "$@"\n`, { mode: 0o755 });
  const script = join(workDir, `${name}.sh`);
  writeFileSync(script, `set -euo pipefail\n${code}\n`);
  try {
    return await spawnAndWait("bash", [script], { ...env, PATH: `${bin}:${env.PATH}` }, timeoutMs);
  } finally {
    rmSync(script, { force: true });
  }
}

/** Runs a command; resolves to `{ ok, output, status, signal }`, killing it after `timeoutMs`. */
function spawnAndWait(command, args, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const keep = (chunk) => {
      output += chunk;
      if (output.length > 20_000) output = output.slice(-10_000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => {
      output += `\n(doctest: killed after ${timeoutMs / 1000} s)`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ ok: status === 0, output, status, signal });
    });
  });
}

/** A one-line name for a block: where it is and its first meaningful line. */
export function describeBlock(block) {
  const first = block.code.split("\n").find((l) => l.trim() && !l.trim().startsWith("import")) ?? "";
  const mode = block.skip ? "no-run" : [block.mode, ...block.services].filter((m) => m !== "node").join("+") || "dev";
  return `${block.file}:${block.line} [${mode}] ${first.trim().slice(0, 60)}`;
}

// Standalone: run the blocks of the files named (default: all) and print a summary.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = process.argv.slice(2).length ? process.argv.slice(2) : docFiles();
  const servers = new DocServers();
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    for (const file of files) {
      const path = join(root, file);
      for (const block of extractBlocks(readFileSync(path, "utf8"), relative(root, path))) {
        if (!RUN_LANGUAGES.has(block.language)) continue;
        const result = await runBlock(block, servers);
        if (result.skipped) {
          skipped++;
          console.log(`- ${describeBlock(block)} (no-run: ${result.skipped})`);
        } else if (result.ok) {
          passed++;
          console.log(`✔ ${describeBlock(block)}`);
        } else {
          failed++;
          console.log(`✘ ${describeBlock(block)}\n${result.output.trim().replace(/^/gm, "    ")}`);
        }
      }
    }
  } finally {
    await servers.close();
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
}

export { JS_LANGUAGES };
