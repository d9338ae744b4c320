// Shared by the runtime tests: the package as a user installs it, the runtimes'
// binaries from npm, and child processes that cannot hang a test.
import { spawn, execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
export const FIXTURES = join(ROOT, "tests", "runtimes", "fixtures");
const require = createRequire(join(ROOT, "package.json"));

/**
 * A scratch project with the package installed from `npm pack` (so `files` and
 * `exports` are exactly what npm users get) under node_modules/client-credentials.
 * Removed when the test process exits.
 */
export function installedPackage() {
  if (!existsSync(join(ROOT, "dist", "node.cjs"))) {
    throw new Error("dist/ is missing: run `npm run build` (npm test builds first)");
  }
  const dir = mkdtempSync(join(tmpdir(), "cc-runtime-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const out = execFileSync("npm", ["pack", "--silent", "--ignore-scripts", "--pack-destination", dir], { cwd: ROOT, encoding: "utf8" });
  const tarball = join(dir, out.trim().split("\n").pop());
  mkdirSync(join(dir, "node_modules"));
  execFileSync("tar", ["-xzf", tarball, "-C", join(dir, "node_modules")]);
  renameSync(join(dir, "node_modules", "package"), join(dir, "node_modules", "client-credentials"));
  rmSync(tarball);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "runtime-test", private: true, type: "module" }));
  return { dir, packageDir: join(dir, "node_modules", "client-credentials") };
}

// npm installs each runtime's binary as an optional dependency (`@deno/linux-x64-glibc`, ...).
// The wrapper packages (`deno`, `bun`, `workerd`) link it into place in a postinstall script,
// which npm may not run (`--ignore-scripts`, or scripts not approved): then bun's wrapper
// fails, so the binary is taken from the platform package directly.
const PLATFORM_BINARIES = {
  deno: {
    "linux-x64": ["@deno/linux-x64-glibc", "deno"],
    "linux-arm64": ["@deno/linux-arm64-glibc", "deno"],
    "darwin-x64": ["@deno/darwin-x64", "deno"],
    "darwin-arm64": ["@deno/darwin-arm64", "deno"],
  },
  bun: {
    "linux-x64": ["@oven/bun-linux-x64", "bin/bun"],
    "linux-arm64": ["@oven/bun-linux-aarch64", "bin/bun"],
    "darwin-x64": ["@oven/bun-darwin-x64", "bin/bun"],
    "darwin-arm64": ["@oven/bun-darwin-aarch64", "bin/bun"],
  },
  workerd: {
    "linux-x64": ["@cloudflare/workerd-linux-64", "bin/workerd"],
    "linux-arm64": ["@cloudflare/workerd-linux-arm64", "bin/workerd"],
    "darwin-x64": ["@cloudflare/workerd-darwin-64", "bin/workerd"],
    "darwin-arm64": ["@cloudflare/workerd-darwin-arm64", "bin/workerd"],
  },
};
// Where each wrapper's postinstall leaves the binary (it moves bun's out of the platform package).
const INSTALLED_BINARIES = { deno: ["deno", "deno"], bun: ["bun", "bin/bun.exe"], workerd: ["workerd", "bin/workerd"] };

const isExecutable = (file) => {
  try {
    return statSync(file).size > 1_000_000; // the real binary, not a JS or shell stub
  } catch {
    return false;
  }
};

/** The path of a runtime's native binary from node_modules, or an Error saying why there is none. */
export function runtimeBinary(name) {
  const candidates = [];
  const platform = PLATFORM_BINARIES[name][`${process.platform}-${process.arch}`];
  const installed = INSTALLED_BINARIES[name];
  for (const [pkg, file] of [platform, installed].filter(Boolean)) {
    try {
      candidates.push(join(dirname(require.resolve(`${pkg}/package.json`)), file));
    } catch {
      // not installed for this platform
    }
  }
  const found = candidates.find(isExecutable);
  if (found) return found;
  throw new Error(`no ${name} binary in node_modules for ${process.platform}-${process.arch} (looked at: ${candidates.join(", ") || "nothing installed"}); run \`npm ci\``);
}

/**
 * Runs a command without blocking the event loop (the auth server lives in this
 * process), kills it after `timeoutMs`, and resolves with its exit and output.
 */
export function run(cmd, args, { cwd = ROOT, env = {}, timeoutMs = 30_000, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")} did not finish in ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The last stdout line of a run as JSON, or an error carrying the whole output. */
export function lastJsonLine({ code, stdout, stderr }) {
  const line = stdout.trim().split("\n").pop();
  try {
    if (code !== 0) throw new Error(`exit code ${code}`);
    return JSON.parse(line);
  } catch (err) {
    throw new Error(`${err.message}\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

/** Starts `workerd serve` on `dir`/config.capnp; `ready` resolves with the port of each of `sockets`, read from its control fd. */
export function serveWorkerd(workerd, dir, sockets) {
  const child = spawn(workerd, ["serve", "config.capnp", "--experimental", "--control-fd=3"], {
    cwd: dir,
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const ports = {};
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`workerd did not listen within 15 s:\n${output}`)), 15_000);
    let buffered = "";
    child.stdio[3].on("data", (d) => {
      buffered += d;
      for (const line of buffered.split("\n").slice(0, -1)) {
        const event = JSON.parse(line);
        if (event.event === "listen") ports[event.socket] = event.port;
      }
      buffered = buffered.slice(buffered.lastIndexOf("\n") + 1);
      if (sockets.every((name) => ports[name])) {
        clearTimeout(timer);
        resolve(ports);
      }
    });
    child.once("exit", (code) => reject(new Error(`workerd exited with ${code}:\n${output}`)));
  });
  return { child, ready, output: () => output };
}

/**
 * A workerd config (capnp text) serving one worker, `name`, from what bundleWorker left in out/ (the bundle and
 * `wasm`, the entry's wasm module), on a loopback socket of the same name, with text `bindings` (`{ NAME: value }`). Test-only: outbound requests may reach
 * loopback, where the test's servers listen and workerd's default network refuses.
 */
export function oneWorkerConfig(name, bindings, wasm = "client_credentials_bg.wasm") {
  // A JSON string is a capnp text literal too.
  const list = Object.entries(bindings).map(([key, value]) => `    (name = "${key}", text = ${JSON.stringify(value)}),`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "${name}", worker = .${name}),
    (name = "loopback-allowed", network = (allow = ["public", "local"])),
  ],
  sockets = [(name = "${name}", address = "127.0.0.1:0", http = (), service = "${name}")],
);
const ${name} :Workerd.Worker = (
  modules = [
    (name = "worker.mjs", esModule = embed "out/worker.mjs"),
    (name = "${wasm}", wasm = embed "out/${wasm}"),
  ],
  compatibilityDate = "2025-09-01",
  bindings = [
${list.join("\n")}
  ],
  globalOutbound = "loopback-allowed",
);
`;
}

/**
 * Bundles `source` as wrangler does (esbuild, conditions workerd > worker > browser, the
 * .wasm import kept as a module of its own) into `dir`/out/worker.mjs, beside the
 * package's .wasm; resolves to esbuild's result (with its metafile).
 */
export async function bundleWorker(project, source, dir) {
  const esbuild = await import("esbuild");
  mkdirSync(join(dir, "out"), { recursive: true });
  copyFileSync(source, join(dir, "index.js"));
  const result = await esbuild.build({
    entryPoints: [join(dir, "index.js")],
    outfile: join(dir, "out", "worker.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    external: ["*.wasm", "cloudflare:*"],
    metafile: true,
    logLevel: "error",
  });
  // The wasm of the entry the bundle took (`.`, or /verify for the framework adapters, ...), under its own
  // name, which the entry imports it by; `result.wasm` names it for the config.
  const entry = Object.keys(result.metafile.inputs).map((p) => /client-credentials\/dist\/(?:(\w+)\/)?workerd\.mjs$/.exec(p)).find(Boolean);
  const from = join(project.packageDir, "dist", entry?.[1] ?? "");
  result.wasm = readdirSync(from).find((f) => f.endsWith("_bg.wasm"));
  copyFileSync(join(from, result.wasm), join(dir, "out", result.wasm));
  return result;
}
