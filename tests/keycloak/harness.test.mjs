// scripts/keycloak.mjs itself: clear messages for bad states, and no process or
// port left behind however its parent ends (SIGINT, SIGTERM, SIGKILL).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { KEYCLOAK_VERSION, SUPPORTED_JAVA, startKeycloak } from "../../scripts/keycloak.mjs";
import { listen, listening } from "../../scripts/net.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const script = join(root, "scripts/keycloak.mjs");

/** The processes (kc.sh, Java) started for the instance on `port`. */
function processesFor(port) {
  const r = spawnSync("pgrep", ["-f", "--", `--http-port=${port}`], { encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean);
}

/** Waits until `check()` is true, polling, for at most `ms`. */
async function eventually(check, ms, what) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Runs `scripts/keycloak.mjs` (or `code` as an ES module) and resolves once it printed the URL. */
function startChild(args) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  return new Promise((resolve, reject) => {
    const read = (chunk) => {
      out += chunk;
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), out: () => out });
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.on("exit", (code) => reject(new Error(`exited ${code} before ready:\n${out}`)));
  });
}

test("an explicit KEYCLOAK_JAVA_HOME that Keycloak does not support: which versions work", () => {
  const r = spawnSync(process.execPath, [script, "--install"], {
    encoding: "utf8",
    env: { ...process.env, KEYCLOAK_JAVA_HOME: "/usr/lib/jvm/java-17-openjdk-amd64" },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, new RegExp(`Keycloak ${KEYCLOAK_VERSION.replaceAll(".", "\\.")} needs Java ${SUPPORTED_JAVA.join(" or ")}`));
  assert.match(r.stderr, /found 17 \(\/usr\/lib\/jvm\/java-17-openjdk-amd64\)/);
  assert.match(r.stderr, /KEYCLOAK_JAVA_HOME/);
});

test("a download that cannot happen (no Maven): says what is needed", () => {
  // A PATH with only node and sh on it, and an empty Maven repository and Keycloak folder.
  const scratch = mkdtempSync(join(tmpdir(), "kc-no-mvn-"));
  for (const dir of ["bin", "m2", "kc"]) mkdirSync(join(scratch, dir));
  symlinkSync(process.execPath, join(scratch, "bin/node"));
  symlinkSync("/bin/sh", join(scratch, "bin/sh"));
  const r = spawnSync(process.execPath, [script, "--install"], {
    encoding: "utf8",
    env: { ...process.env, KEYCLOAK_DIR: join(scratch, "kc"), MAVEN_REPO: join(scratch, "m2"), PATH: join(scratch, "bin") },
  });
  rmSync(scratch, { recursive: true, force: true });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Maven \(`mvn`\) is needed to download Keycloak/);
});

test("a port in use: refused before starting anything", async () => {
  const blocker = http.createServer();
  const port = await listen(blocker, 0, "127.0.0.1");
  try {
    await assert.rejects(startKeycloak({ port }), (err) => {
      assert.equal(err.code, "ERR_PORT_IN_USE");
      assert.match(err.message, new RegExp(`port ${port} is in use`));
      return true;
    });
  } finally {
    blocker.close();
  }
});

test("Keycloak exiting during start: the error shows its last log lines", async (t) => {
  const bad = join(mkdtempSync(join(tmpdir(), "kc-realm-")), "realm.json");
  t.after(() => rmSync(dirname(bad), { recursive: true, force: true }));
  writeFileSync(bad, '{ "realm": "sivalabs", "clients": [ { "clientId": 42, "protocolMappers": "not a list" } ] }');
  await assert.rejects(startKeycloak({ realmFile: bad }), (err) => {
    assert.equal(err.code, "ERR_KEYCLOAK_EXITED");
    assert.match(err.message, /Keycloak exited during start/);
    assert.match(err.message, /ERROR|Exception/);
    return true;
  });
});

for (const signal of ["SIGINT", "SIGTERM", "SIGKILL"]) {
  test(`the command's parent ended by ${signal}: no process and no port left behind`, async () => {
    // SIGINT and SIGTERM reach `node scripts/keycloak.mjs`, which stops Keycloak; SIGKILL
    // gives it no chance, so the watchdog beside Keycloak must notice and stop it.
    const { child, port } = await startChild([script]);
    assert.ok(await listening(port));
    assert.ok(processesFor(port).length > 0, "Keycloak's processes are visible while it runs");
    const exited = new Promise((r) => child.on("exit", r));
    child.kill(signal);
    await exited;
    await eventually(async () => processesFor(port).length === 0 && !(await listening(port)), 30_000, `Keycloak on ${port} gone`);
  });
}
