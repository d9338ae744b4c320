#!/usr/bin/env node
// The set-up that `npm start` and `npm test` run first, so that a fresh clone
// needs nothing but those two commands. Every step looks before it acts, so a
// run with nothing to do takes a fraction of a second (it prints how long).
//
//   node scripts/setup.mjs start           what `npm start` needs: npm packages, the
//                                          wasm32 target, wasm-bindgen-cli at Cargo.lock's
//                                          version, nightly's rust-src where a nightly exists
//   node scripts/setup.mjs test [suite...] that, plus what the named suites (default: all)
//                                          need: Debian's chromium, chromium-driver,
//                                          redis-server, glewlwyd, sqlite3, curl, script,
//                                          openssl; cargo-fuzz; Keycloak (scripts/keycloak.mjs)
//
// It runs before node_modules exists, so it imports node: built-ins only; so
// does everything `npm start` and `npm test` load before it. When a step can't
// run (not root, no apt-get, no network) it stops with one message naming
// what is missing and the command that installs it.
import { spawn, execFile } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// Node built-ins only, like this file.
import { KEYCLOAK_VERSION, keycloakInstalled } from "./keycloak.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

const CARGO_FUZZ_VERSION = "0.13.2";
const KEYCLOAK_SUITES = ["cli", "browser", "store", "runtimes", "keycloak"];

/** Debian packages the suites need, each checked by the commands it provides. */
export const DEBIAN_TOOLS = [
  { what: "chromium and chromedriver", commands: ["chromium", "chromedriver"], packages: ["chromium", "chromium-driver"], suites: ["wasm-chromium", "browser", "runtimes"] },
  { what: "redis-server", commands: ["redis-server", "redis-cli"], packages: ["redis-server"], suites: ["js", "store"] },
  // The server basicEncoding "raw" is tested against; its package starts a service we stop.
  // Without its recommends: they would add a database server it doesn't need here.
  { what: "glewlwyd and sqlite3", commands: ["glewlwyd", "sqlite3"], packages: ["glewlwyd", "sqlite3"], suites: ["js"], service: "glewlwyd", noRecommends: true },
  // The CLI tests: a token piped into curl, a pseudo-terminal, a test certificate.
  { what: "curl, script and openssl", commands: ["curl", "script", "openssl"], packages: ["curl", "bsdutils", "openssl"], suites: ["js", "cli"] },
  // Keycloak's download (mvn) and build (a JDK: 21 or 25 supported, Debian's 17 works with a warning), once.
  { what: "Maven and a JDK", commands: ["mvn", "java"], packages: ["maven", "default-jdk-headless"], suites: KEYCLOAK_SUITES, unless: () => keycloakInstalled() },
];

/** A failure with a message that says what to run; printed without a stack. */
export class SetupError extends Error {}

const isTTY = Boolean(process.stdout.isTTY);
const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;

/** The absolute path of `command` on PATH, or undefined. Looks in the file system only. */
export function which(command, path = process.env.PATH ?? "") {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, command);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** stdout of a short command, or undefined when it can't run or fails. */
function capture(cmd, args) {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: "utf8", timeout: 30_000 }, (err, stdout) => resolve(err ? undefined : stdout.trim()));
  });
}

/**
 * Runs a long command with its output folded into one progress line (a line
 * every 15 s when not on a terminal); on failure, throws with its last lines.
 */
function runLong(label, cmd, args, { env = process.env, cwd = root, hint } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const tail = [];
    let last = "";
    let lastPrinted = started;
    const show = (force = false) => {
      const line = `setup: ${label}: ${seconds(performance.now() - started)}${last ? `  ${last.slice(0, 100)}` : ""}`;
      if (isTTY) process.stdout.write(`\r\x1b[K${line}`);
      else if (force || performance.now() - lastPrinted > 15_000) {
        console.log(line);
        lastPrinted = performance.now();
      }
    };
    const timer = setInterval(() => show(), isTTY ? 500 : 15_000);
    const child = spawn(cmd, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    const read = (chunk) => {
      for (const raw of chunk.toString().split(/[\r\n]+/)) {
        const line = raw.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trim();
        if (!line) continue;
        last = line;
        if (tail.push(line) > 25) tail.shift();
      }
      if (isTTY) show();
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    const finish = (err) => {
      clearInterval(timer);
      if (isTTY) process.stdout.write("\r\x1b[K");
      if (err) reject(err);
      else resolve(performance.now() - started);
    };
    child.on("error", (err) =>
      finish(new SetupError(`${label}: cannot run ${cmd} (${err.code ?? err.message})${hint ? `. ${hint}` : ""}`)),
    );
    child.on("close", (code, signal) => {
      if (code === 0) return finish();
      finish(new SetupError(`${label}: \`${[cmd, ...args].join(" ")}\` failed (${signal ?? `exit ${code}`}). Its last lines:\n  ${tail.join("\n  ")}${hint ? `\n${hint}` : ""}`));
    });
  });
}

/** The version of wasm-bindgen in Cargo.lock: the CLI must match it exactly. */
export function lockedWasmBindgen(lock = readFileSync(join(root, "Cargo.lock"), "utf8")) {
  const m = /\[\[package\]\]\nname = "wasm-bindgen"\nversion = "([^"]+)"/.exec(lock);
  if (!m) throw new SetupError("Cargo.lock names no wasm-bindgen version");
  return m[1];
}

const rustupHome = () => process.env.RUSTUP_HOME ?? join(homedir(), ".rustup");

/** Installed nightly toolchains, read from rustup's folder (no process started). */
function nightlies() {
  try {
    return readdirSync(join(rustupHome(), "toolchains")).filter((t) => t.startsWith("nightly"));
  } catch {
    return [];
  }
}

/** Whether node_modules holds what package-lock.json says (npm writes its own copy after installing). */
function npmPackagesCurrent() {
  const installed = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(installed)) return false;
  return statSync(installed).mtimeMs >= statSync(join(root, "package-lock.json")).mtimeMs;
}

const aptHint = (packages) =>
  `Install them with: ${process.getuid?.() === 0 ? "" : "sudo "}apt-get install -y ${packages.join(" ")}`;

/**
 * Makes sure what `npm start` (`purpose` "start") or the named test suites
 * (`purpose` "test", `suites` empty for all) need is installed, installing
 * what is missing. Resolves to `{ ms, did }`: the time taken and the steps run.
 */
export async function setup({ purpose = "start", suites = [], log = console.log } = {}) {
  const started = performance.now();
  const did = [];
  const needs = (suiteNames) => purpose === "test" && (suites.length === 0 || suiteNames.some((s) => suites.includes(s)));
  const step = async (label, run) => {
    const ms = await run();
    did.push(label);
    log(`setup: ${label}: done in ${seconds(ms)}`);
  };

  // What can be looked at without installing anything, at once.
  const rustup = which("rustup");
  if (!rustup || !which("cargo")) {
    throw new SetupError(
      "Rust is missing (rustup and cargo). Install it with: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y, then open a new shell",
    );
  }
  const wbVersion = lockedWasmBindgen();
  const [sysroot, wbSays] = await Promise.all([capture("rustc", ["--print", "sysroot"]), capture("wasm-bindgen", ["--version"])]);
  if (!sysroot) throw new SetupError("`rustc --print sysroot` failed: run `rustup default stable` to pick a toolchain");

  // 1. npm packages.
  if (!npmPackagesCurrent()) {
    const why = existsSync(join(root, "node_modules")) ? "node_modules is older than package-lock.json" : "no node_modules yet";
    log(`setup: npm packages: npm ci (${why})`);
    await step("npm packages", () =>
      runLong("npm ci", process.platform === "win32" ? "npm.cmd" : "npm", ["ci", "--no-audit", "--no-fund"], {
        hint: "Run `npm ci` yourself to see why (a network problem?).",
      }),
    );
  }

  // 2. The wasm32 target of the active toolchain.
  if (!existsSync(join(sysroot, "lib", "rustlib", "wasm32-unknown-unknown"))) {
    log("setup: rust target wasm32-unknown-unknown: rustup target add wasm32-unknown-unknown");
    await step("wasm32 target", () =>
      runLong("rustup target add", "rustup", ["target", "add", "wasm32-unknown-unknown"], {
        hint: "Run `rustup target add wasm32-unknown-unknown` yourself (a network problem?).",
      }),
    );
  }

  // 3. wasm-bindgen-cli at Cargo.lock's version. Not --locked: crates.io mirrors lag, and --locked can fail on them.
  if (wbSays !== `wasm-bindgen ${wbVersion}`) {
    const args = ["install", "wasm-bindgen-cli", "--version", wbVersion];
    log(`setup: wasm-bindgen-cli ${wbVersion} (${wbSays ?? "not installed"}): cargo ${args.join(" ")} (a few minutes, once)`);
    await step(`wasm-bindgen-cli ${wbVersion}`, () =>
      runLong(`cargo install wasm-bindgen-cli ${wbVersion}`, "cargo", args, { hint: `Run \`cargo ${args.join(" ")}\` yourself to see why.` }),
    );
  }

  // 4. Nightly's rust-src, for the smaller wasm build; without it the build uses stable and says so.
  for (const toolchain of nightlies()) {
    if (existsSync(join(rustupHome(), "toolchains", toolchain, "lib", "rustlib", "src", "rust", "library"))) continue;
    log(`setup: rust-src for ${toolchain}: rustup component add rust-src --toolchain ${toolchain}`);
    try {
      await step(`rust-src (${toolchain})`, () => runLong("rustup component add", "rustup", ["component", "add", "rust-src", "--toolchain", toolchain]));
    } catch (err) {
      log(`setup: warning: ${err.message.split("\n")[0]}; the wasm will be built with stable, about 8 KB (gzip) bigger`);
    }
    break;
  }

  if (purpose === "test") {
    // 5. Debian packages, in one apt-get run.
    const missing = DEBIAN_TOOLS.filter((t) => needs(t.suites) && !t.unless?.() && t.commands.some((c) => !which(c)));
    if (missing.length) {
      const packages = missing.flatMap((t) => t.packages);
      const what = missing.map((t) => t.what).join(", ");
      if (!which("apt-get")) throw new SetupError(`${what} missing, and there is no apt-get here: install the Debian packages ${packages.join(" ")} or your system's equivalents`);
      if (process.getuid?.() !== 0) throw new SetupError(`${what} missing, and installing them needs root. ${aptHint(packages)}`);
      log(`setup: ${what} missing: apt-get install ${packages.join(" ")}`);
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      await step(what, async () => {
        const hint = `${aptHint(packages)} (no network?)`;
        let ms = await runLong("apt-get update", "apt-get", ["update", "-q"], { env, hint });
        for (const noRecommends of [false, true]) {
          const some = missing.filter((t) => Boolean(t.noRecommends) === noRecommends).flatMap((t) => t.packages);
          if (!some.length) continue;
          const args = ["install", "-y", "-q", ...(noRecommends ? ["--no-install-recommends"] : []), ...some];
          ms += await runLong(`apt-get install ${some.join(" ")}`, "apt-get", args, { env, hint });
        }
        return ms;
      });
      // The package starts its own service; the tests start theirs on a free port.
      for (const t of missing) if (t.service && which("systemctl")) await capture("systemctl", ["disable", "--now", t.service]);
    }

    // 6. cargo-fuzz, for the bounded fuzz pass.
    if (needs(["fuzz"]) && !which("cargo-fuzz")) {
      const args = ["install", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION];
      log(`setup: cargo-fuzz missing: cargo ${args.join(" ")}`);
      await step(`cargo-fuzz ${CARGO_FUZZ_VERSION}`, () => runLong(`cargo install cargo-fuzz ${CARGO_FUZZ_VERSION}`, "cargo", args, { hint: `Run \`cargo ${args.join(" ")}\` yourself to see why.` }));
    }

    // 7. Keycloak: downloaded from Maven Central, unpacked and built once (scripts/keycloak.mjs).
    if (needs(KEYCLOAK_SUITES) && !keycloakInstalled()) {
      log(`setup: Keycloak ${KEYCLOAK_VERSION}: node scripts/keycloak.mjs --install (about 180 MB from Maven Central, then a build, once)`);
      await step(`Keycloak ${KEYCLOAK_VERSION}`, () => runLong("keycloak", process.execPath, [join(root, "scripts", "keycloak.mjs"), "--install"]));
    }
  }

  const ms = performance.now() - started;
  log(`setup: ${did.length ? `${did.join(", ")} installed;` : "nothing to do;"} ready in ${seconds(ms)}`);
  return { ms, did };
}

/** The command line: `node scripts/setup.mjs start|test [suite...]`. Exits 1 with one message on failure. */
export async function main(argv = process.argv.slice(2)) {
  const [purpose = "start", ...suites] = argv;
  if (purpose !== "start" && purpose !== "test") {
    console.error("usage: node scripts/setup.mjs start|test [suite...]");
    process.exit(2);
  }
  try {
    await setup({ purpose, suites });
  } catch (err) {
    console.error(`\nsetup: ${err instanceof SetupError ? err.message : `unexpected failure: ${err.message}`}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
