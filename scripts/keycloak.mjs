#!/usr/bin/env node
// A real Keycloak for the tests and the demo: the seed tutorial's server.
//
// It downloads `org.keycloak:keycloak-quarkus-dist` (zip) from Maven Central once
// (with `mvn dependency:get`, into ~/.m2), unpacks it into the git-ignored
// `.keycloak/` folder, builds it once for an in-memory database and a local cache,
// and starts it on loopback with the committed realm export
// (`tests/fixtures/keycloak/realm-sivalabs.json`) imported at start.
//
//   import { startKeycloak } from "./scripts/keycloak.mjs";
//   const kc = await startKeycloak();            // a free loopback port
//   kc.issuer   // http://127.0.0.1:PORT/realms/sivalabs
//   await kc.stop();
//
//   node scripts/keycloak.mjs [--port 9191]      start, print the URL, Ctrl-C stops
//   node scripts/keycloak.mjs --install          download, unpack and build only (CI)
//
// Every instance gets its own home folder (a copy of `bin/`, links to the rest) so
// that several test files can each run one at once: Keycloak writes its data and
// transaction logs under its home. An instance never outlives the process that
// started it: `stop()`, SIGINT, SIGTERM and process exit stop it, and a watchdog
// beside it stops it if the parent dies without a word (SIGKILL, a crash).

import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, listening } from "./net.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The Keycloak release the project tests against. */
export const KEYCLOAK_VERSION = "26.7.3";
/** The Java feature releases Keycloak 26 supports (its "Supported configurations": OpenJDK 21 and 25). */
export const SUPPORTED_JAVA = [21, 25];
/** Used, with a warning, when no supported JDK is found: Debian bookworm's own JDK. */
const FALLBACK_JAVA = 17;
export const REALM = "sivalabs";
export const REALM_FILE = join(root, "tests/fixtures/keycloak/realm-sivalabs.json");
/** The development admin of the master realm (the admin REST API; never a production setting). */
export const ADMIN = { username: "admin", password: "admin" };

const ARTIFACT = `org.keycloak:keycloak-quarkus-dist:${KEYCLOAK_VERSION}:zip`;
const cacheDir = process.env.KEYCLOAK_DIR ?? join(root, ".keycloak");
const distDir = join(cacheDir, `keycloak-${KEYCLOAK_VERSION}`);
const zipPath = join(
  process.env.MAVEN_REPO ?? join(homedir(), ".m2/repository"),
  `org/keycloak/keycloak-quarkus-dist/${KEYCLOAK_VERSION}/keycloak-quarkus-dist-${KEYCLOAK_VERSION}.zip`,
);
/**
 * Build-time options: an in-memory H2 database (each start imports the realm anew,
 * so tests never see another run's state), no cluster, and the health endpoints
 * that readiness is read from. They are baked in once by `kc.sh build`, which
 * makes every start `--optimized` (about 20 s less than `start-dev`).
 */
const BUILD_OPTIONS = ["--db=dev-mem", "--cache=local", "--health-enabled=true"];
const BUILT_MARKER = join(distDir, ".built-with");

/** Whether Keycloak is unpacked and built (scripts/setup.mjs asks, without starting Java). */
export function keycloakInstalled() {
  return existsSync(BUILT_MARKER);
}

/** An error with a message that says what to do; `code` names the bad state. */
class KeycloakError extends Error {
  constructor(code, message) {
    super(message);
    this.name = "KeycloakError";
    this.code = code;
  }
}

// ── Java ────────────────────────────────────────────────────────────────────

/** The feature release of the `java` at `javaBin`, or undefined when it won't run. */
function javaMajor(javaBin) {
  const r = spawnSync(javaBin, ["-version"], { encoding: "utf8" });
  if (r.status !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  if (!m) return undefined;
  return m[1] === "1" ? Number(m[2]) : Number(m[1]);
}

/**
 * A JAVA_HOME whose Java Keycloak supports: `KEYCLOAK_JAVA_HOME`, then `JAVA_HOME`,
 * then every JDK under /usr/lib/jvm (newest first), then the `java` on PATH;
 * with `KEYCLOAK_JAVA_HOME` set, that one only.
 * The machine's default Java is Debian's 17, which Keycloak 26 no longer supports,
 * so a plain `java` is usually not the one.
 */
export function findJava() {
  const candidates = [];
  // An explicit KEYCLOAK_JAVA_HOME is the only one tried: a wrong one is an error, not a hint.
  const explicit = process.env.KEYCLOAK_JAVA_HOME;
  if (explicit) candidates.push(explicit);
  else if (process.env.JAVA_HOME) candidates.push(process.env.JAVA_HOME);
  if (!explicit && existsSync("/usr/lib/jvm")) {
    for (const name of readdirSync("/usr/lib/jvm").sort().reverse()) candidates.push(join("/usr/lib/jvm", name));
  }
  const seen = [];
  let fallback;
  for (const home of candidates) {
    const bin = join(home, "bin/java");
    if (!existsSync(bin)) continue;
    const major = javaMajor(bin);
    seen.push(`${major ?? "?"} (${home})`);
    if (major !== undefined && major >= SUPPORTED_JAVA[0]) return { home, major };
    if (major === FALLBACK_JAVA && !explicit) fallback ??= { home, major, unsupported: true };
  }
  // Keycloak dropped 17 from its supported JDKs, but 26.7.3 builds, starts and serves the
  // tests on it (checked on this machine kind): better a warning than no Keycloak at all.
  if (fallback) return fallback;
  const onPath = explicit ? "" : spawnSync("sh", ["-c", "command -v java"], { encoding: "utf8" }).stdout.trim();
  if (onPath) {
    const major = javaMajor(onPath);
    seen.push(`${major ?? "?"} (${onPath})`);
    if (major !== undefined && major >= SUPPORTED_JAVA[0]) return { home: dirname(dirname(spawnSync("readlink", ["-f", onPath], { encoding: "utf8" }).stdout.trim())), major };
  }
  throw new KeycloakError(
    "ERR_NO_JAVA",
    `Keycloak ${KEYCLOAK_VERSION} needs Java ${SUPPORTED_JAVA.join(" or ")}; found ${seen.length ? seen.join(", ") : "no Java at all"}. ` +
      `Install a JDK 21 or newer (e.g. Temurin 25) and set KEYCLOAK_JAVA_HOME to it.`,
  );
}

// ── Download, unpack, build ─────────────────────────────────────────────────

/** Prints a one-line progress bar on a terminal, or a line per 10% elsewhere. */
function progressPrinter(log) {
  let lastDecile = -1;
  return (done, total, unit) => {
    const pct = Math.min(100, Math.floor((done / total) * 100));
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round((pct / 100) * width);
      process.stderr.write(`\rkeycloak: downloading [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${String(pct).padStart(3)}% ${done}/${total} ${unit}`);
      if (pct === 100) process.stderr.write("\n");
    } else if (Math.floor(pct / 10) > lastDecile) {
      lastDecile = Math.floor(pct / 10);
      log(`keycloak: downloading ${pct}% (${done}/${total} ${unit})`);
    }
  };
}

/** Fetches the zip into ~/.m2 with Maven, printing its progress. */
async function download(log) {
  if (spawnSync("sh", ["-c", "command -v mvn"]).status !== 0) {
    throw new KeycloakError("ERR_DOWNLOAD", "Maven (`mvn`) is needed to download Keycloak from Maven Central; install it (apt-get install maven).");
  }
  log(`keycloak: downloading ${ARTIFACT} from Maven Central (about 177 MB, once)`);
  const started = performance.now();
  const progress = progressPrinter(log);
  const tail = [];
  const code = await new Promise((resolve) => {
    // Not batch mode (-B): Maven's transfer listener then prints "Progress (1): 12/177 MB".
    const repo = process.env.MAVEN_REPO ? [`-Dmaven.repo.local=${process.env.MAVEN_REPO}`] : [];
    const mvn = spawn("mvn", ["dependency:get", `-Dartifact=${ARTIFACT}`, "-Dtransitive=false", ...repo], { stdio: ["ignore", "pipe", "pipe"] });
    const read = (chunk) => {
      for (const line of chunk.toString().split(/[\r\n]+/)) {
        const m = /Progress \(\d+\): ([\d.]+)\/([\d.]+) (kB|MB)/.exec(line);
        // Only the zip counts: Maven's own plugin files are a few kB each.
        if (m && m[3] === "MB") progress(Number(m[1]), Number(m[2]), m[3]);
        else if (m) continue;
        else if (line.trim()) tail.push(line) > 20 && tail.shift();
      }
    };
    mvn.stdout.on("data", read);
    mvn.stderr.on("data", read);
    mvn.on("error", () => resolve(-1));
    mvn.on("close", resolve);
  });
  if (code !== 0 || !existsSync(zipPath)) {
    throw new KeycloakError("ERR_DOWNLOAD", `could not download ${ARTIFACT} from Maven Central (mvn exited ${code}). Its last lines:\n${tail.join("\n")}`);
  }
  log(`keycloak: downloaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Makes sure `.keycloak/keycloak-<version>` exists and is built with
 * BUILD_OPTIONS; downloads and unpacks only what is missing. Returns the
 * timings of what it did, in seconds.
 */
export async function installKeycloak({ log = console.error } = {}) {
  const java = findJava();
  if (java.unsupported) {
    log(`keycloak: warning: no Java ${SUPPORTED_JAVA.join(" or ")} found; using Java ${java.major} (${java.home}), which Keycloak ${KEYCLOAK_VERSION} no longer supports. Set KEYCLOAK_JAVA_HOME to a JDK 21 or 25.`);
  }
  const timings = {};
  if (!existsSync(join(distDir, "bin/kc.sh"))) {
    if (!existsSync(zipPath)) {
      const t = performance.now();
      await download(log);
      timings.download = (performance.now() - t) / 1000;
    }
    const t = performance.now();
    mkdirSync(cacheDir, { recursive: true });
    rmSync(distDir, { recursive: true, force: true });
    // `jar` ships with every JDK, so unpacking needs nothing beyond the Java we have.
    const r = spawnSync(join(java.home, "bin/jar"), ["xf", zipPath], { cwd: cacheDir, encoding: "utf8" });
    if (r.status !== 0 || !existsSync(join(distDir, "bin/kc.sh"))) {
      rmSync(distDir, { recursive: true, force: true });
      throw new KeycloakError("ERR_DOWNLOAD", `could not unpack ${zipPath}: ${(r.stderr || r.error?.message || "").trim()}. Delete it to download it again.`);
    }
    for (const script of readdirSync(join(distDir, "bin"))) if (script.endsWith(".sh")) spawnSync("chmod", ["+x", join(distDir, "bin", script)]);
    timings.unpack = (performance.now() - t) / 1000;
  }
  // The build is redone when its options or the Java it ran on change.
  const wanted = `${BUILD_OPTIONS.join(" ")} (java ${java.major})`;
  if (!existsSync(BUILT_MARKER) || readFileSync(BUILT_MARKER, "utf8") !== wanted) {
    log(`keycloak: building ${KEYCLOAK_VERSION} (${wanted}), once`);
    const t = performance.now();
    const r = spawnSync(join(distDir, "bin/kc.sh"), ["build", ...BUILD_OPTIONS], {
      encoding: "utf8",
      env: { ...process.env, JAVA_HOME: java.home },
    });
    if (r.status !== 0) {
      throw new KeycloakError("ERR_KEYCLOAK_BUILD", `kc.sh build failed (exit ${r.status}):\n${lastLines(r.stdout + r.stderr, 20)}`);
    }
    writeFileSync(BUILT_MARKER, wanted);
    timings.build = (performance.now() - t) / 1000;
  }
  return { home: distDir, java, timings };
}

// ── Start and stop ──────────────────────────────────────────────────────────

function lastLines(text, n) {
  return text.split("\n").filter((l) => l.trim()).slice(-n).join("\n");
}

/** Every running instance of this process, stopped on its way out. */
const running = new Set();
let exitHooked = false;
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  // Synchronous: 'exit' allows no awaiting. The process group gets SIGKILL.
  process.on("exit", () => {
    for (const kc of running) kc.kill("SIGKILL");
  });
}

/**
 * Starts Keycloak with the realm imported and resolves once `/health/ready` says
 * so. Options: `port` (0 or absent: a free one), `managementPort`, `realmFile`,
 * `timeoutMs` (default 240 s, for a cold, busy 2-core machine), `log`.
 */
export async function startKeycloak(options = {}) {
  // `npm test` starts one Keycloak for all suites and names it in KEYCLOAK_SHARED;
  // a test that asks for nothing special gets that one, and its stop() leaves it running.
  const shared = process.env.KEYCLOAK_SHARED;
  if (shared && Object.keys(options).every((k) => k === "log")) return attach(JSON.parse(shared));
  return launch(options);
}

async function launch({ port = 0, managementPort = 0, realmFile = REALM_FILE, timeoutMs = 240_000, log = () => {} } = {}) {
  const started = performance.now();
  const { home: dist, java } = await installKeycloak({ log });
  if (port && (await listening(port))) {
    throw new KeycloakError("ERR_PORT_IN_USE", `port ${port} is in use on 127.0.0.1; stop what listens there or choose another port`);
  }
  port ||= await freePort();
  managementPort ||= await freePort();

  // A home of its own: bin/ copied (kc.sh takes its home from its own path), the rest linked.
  const home = mkdtempSync(join(tmpdir(), "keycloak-"));
  cpSync(join(dist, "bin"), join(home, "bin"), { recursive: true });
  for (const dir of ["lib", "themes", "providers", "conf", "version.txt"]) symlinkSync(join(dist, dir), join(home, dir));
  mkdirSync(join(home, "data/import"), { recursive: true });
  cpSync(realmFile, join(home, "data/import", `${REALM}-realm.json`));

  const args = [
    "start",
    "--optimized",
    "--http-enabled=true",
    "--hostname-strict=false",
    "--http-host=127.0.0.1",
    `--http-port=${port}`,
    "--http-management-host=127.0.0.1",
    `--http-management-port=${managementPort}`,
    "--import-realm",
  ];
  // The watchdog: kc.sh runs in the background of a small shell that stops it when
  // Node goes away, however it goes, and forwards SIGTERM and SIGINT to it.
  const watchdog = [
    'parent=$1; shift; "$@" & kc=$!',
    'trap \'kill -TERM $kc 2>/dev/null; wait $kc; exit 0\' TERM INT',
    'while kill -0 "$parent" 2>/dev/null && kill -0 $kc 2>/dev/null; do sleep 1; done',
    'kill -TERM $kc 2>/dev/null; wait $kc',
  ].join("\n");
  const child = spawn("sh", ["-c", watchdog, "keycloak-watchdog", String(process.pid), join(home, "bin/kc.sh"), ...args], {
    detached: true, // its own process group, so stop() reaches kc.sh and Java too
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      JAVA_HOME: java.home,
      KC_BOOTSTRAP_ADMIN_USERNAME: ADMIN.username,
      KC_BOOTSTRAP_ADMIN_PASSWORD: ADMIN.password,
      // Half of 24 GiB by default; a test instance needs far less.
      JAVA_OPTS_KC_HEAP: "-XX:MaxRAMPercentage=10 -XX:InitialRAMPercentage=2",
    },
  });
  let output = "";
  const keep = (chunk) => {
    output += chunk;
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  let alive = true;
  exited.then(() => {
    alive = false;
    running.delete(handle);
    rmSync(home, { recursive: true, force: true });
  });
  const handle = {
    kill(signal) {
      if (!alive) return;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    },
  };
  running.add(handle);
  hookExit();

  const stop = async () => {
    if (!alive) return;
    handle.kill("SIGTERM");
    const timer = setTimeout(() => handle.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive) {
      const { code, signal } = await exited;
      const inUse = /Address already in use|Port\(s\) .* already bound/i.test(output);
      throw new KeycloakError(
        inUse ? "ERR_PORT_IN_USE" : "ERR_KEYCLOAK_EXITED",
        inUse
          ? `Keycloak could not bind 127.0.0.1:${port} or :${managementPort}: a port is in use. Its last log lines:\n${lastLines(output, 15)}`
          : `Keycloak exited during start (${signal ?? `exit ${code}`}). Its last log lines:\n${lastLines(output, 25)}`,
      );
    }
    if (Date.now() > deadline) {
      await stop();
      throw new KeycloakError("ERR_KEYCLOAK_TIMEOUT", `Keycloak was not ready within ${timeoutMs / 1000} s. Its last log lines:\n${lastLines(output, 25)}`);
    }
    try {
      const res = await fetch(`http://127.0.0.1:${managementPort}/health/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.ok && (await res.json()).status === "UP") break;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    ...describeInstance({ port, managementPort, java: java.major, startSeconds: (performance.now() - started) / 1000 }),
    logTail: (n = 30) => lastLines(output, n),
    pid: child.pid,
    stop,
  };
}

/** The shared instance named by KEYCLOAK_SHARED: same API, but stop() leaves it to its owner. */
function attach(info) {
  return { ...describeInstance(info), logTail: () => "(shared instance: its log is with npm test)", pid: undefined, stop: async () => {} };
}

/** URLs and admin helpers of the instance on `port`. */
function describeInstance({ port, managementPort, java, startSeconds }) {
  const url = `http://127.0.0.1:${port}`;
  const issuer = `${url}/realms/${REALM}`;
  let admin;
  /** A master-realm admin access token, for the admin REST API (renewed when close to expiry). */
  const adminToken = async () => {
    if (admin && admin.expiresAt > Date.now() + 10_000) return admin.token;
    const res = await fetch(`${url}/realms/master/protocol/openid-connect/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", ...ADMIN }),
    });
    if (!res.ok) throw new Error(`admin token: HTTP ${res.status} ${await res.text()}`);
    const body = await res.json();
    admin = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return admin.token;
  };
  /** Calls the admin REST API under `/admin/realms/sivalabs`; resolves to the parsed JSON (or null). */
  const adminApi = async (path, { method = "GET", body } = {}) => {
    const res = await fetch(`${url}/admin/realms/${REALM}${path}`, {
      method,
      headers: { authorization: `Bearer ${await adminToken()}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`admin API ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  };
  /** Keycloak's own record of successful token grants (`CLIENT_LOGIN` events) for `clientId`. */
  const tokenGrants = async (clientId) => {
    const events = await adminApi(`/events?type=CLIENT_LOGIN&client=${encodeURIComponent(clientId)}&max=100000`);
    return events.length;
  };

  return {
    url,
    port,
    managementPort,
    realm: REALM,
    issuer,
    tokenUrl: `${issuer}/protocol/openid-connect/token`,
    jwksUri: `${issuer}/protocol/openid-connect/certs`,
    version: KEYCLOAK_VERSION,
    java,
    /** Seconds from the call to ready, including the one-time install if it ran. */
    startSeconds,
    adminToken,
    adminApi,
    tokenGrants,
    /** What KEYCLOAK_SHARED holds, for child processes to attach to this instance. */
    shareable: JSON.stringify({ port, managementPort, java, startSeconds }),
  };
}

// ── Command line ────────────────────────────────────────────────────────────

async function main() {
  const { parseArgs } = await import("node:util");
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      "realm-file": { type: "string" },
      install: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log("usage: node scripts/keycloak.mjs [--port N] [--realm-file FILE] | --install");
    return;
  }
  const log = (line) => console.error(line);
  try {
    if (values.install) {
      const { java, timings } = await installKeycloak({ log });
      const took = Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(", ");
      console.log(`keycloak ${KEYCLOAK_VERSION} ready in ${distDir} (Java ${java.major}${took ? `; ${took}` : "; nothing to do"})`);
      return;
    }
    const kc = await startKeycloak({ port: Number(values.port ?? 0), realmFile: values["realm-file"] ?? REALM_FILE, log });
    console.log(`Keycloak ${kc.version} (Java ${kc.java}) ready in ${kc.startSeconds.toFixed(1)} s`);
    console.log(`  ${kc.url}  (admin console: ${ADMIN.username} / ${ADMIN.password})`);
    console.log(`  issuer     ${kc.issuer}`);
    console.log(`  token URL  ${kc.tokenUrl}`);
    console.log("Ctrl-C stops it.");
    const quit = async () => {
      await kc.stop();
      process.exit(0);
    };
    process.once("SIGINT", quit);
    process.once("SIGTERM", quit);
  } catch (err) {
    console.error(`keycloak: ${err.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
