#!/usr/bin/env node
// The command line as whole processes: `client-credentials decode` and
// `client-credentials token` against one local authorization server (the
// dev server, in its own process), side by side with oauth2c and curl doing
// the same token request, and Node's own start-up as the floor.
//
//   node bench/cli.mjs [--quick]   print the table and update bench/results.md
//   (npm run bench runs it too, as "cli")
//
// oauth2c is not a dependency: it is looked for in $OAUTH2C, on PATH and in
// $GOPATH/bin (~/go/bin). `go install github.com/cloudentity/oauth2c@latest`
// installs it where the Go module proxy serves it; where it doesn't, build
// it from a checkout of its source with `go build`. Without it the table
// says so and the oauth2c target is not measured.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, quick, root, table, tokens, verdict } from "./lib.mjs";

const BIN = join(root, "bin", "client-credentials.mjs");

function findOauth2c() {
  const candidates = [process.env.OAUTH2C, join(process.env.GOPATH ?? join(homedir(), "go"), "bin", "oauth2c")];
  const onPath = spawnSync("sh", ["-c", "command -v oauth2c"], { encoding: "utf8" }).stdout.trim();
  if (onPath) candidates.unshift(onPath);
  return candidates.find((c) => c && existsSync(c));
}

/** The dev authorization server in a child process (timed processes block this one), and its token URL. */
async function startServer() {
  const child = spawn(process.execPath, [join(root, "scripts/dev-auth-server.mjs"), "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const tokenUrl = await new Promise((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      const m = /token URL:\s+(\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`dev-auth-server exited (${code})`)));
  });
  const issuer = /issuer:\s+(\S+)/.exec(out)[1];
  return { tokenUrl, issuer, stop: () => child.kill("SIGTERM") };
}

/** Wall-clock milliseconds of one run of `cmd args`, which must exit 0. */
function timeOnce(name, cmd, args, env) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr.slice(0, 300)}`);
  return ms;
}

export async function run() {
  const rounds = quick ? 3 : 25;
  const server = await startServer();
  const oauth2c = findOauth2c();
  const seed = tokens().seed;
  const secret = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a";
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, CC_TOKEN_URL: server.tokenUrl, CC_CLIENT_ID: "archival-service", CLIENT_SECRET: secret };
  const node = process.execPath;
  const contenders = [
    ["node -e 0 (Node's own start-up, the floor)", node, ["-e", "0"]],
    ["client-credentials decode --json", node, [BIN, "decode", "--json", seed]],
    ["client-credentials decode (readable)", node, [BIN, "decode", seed]],
    ["client-credentials token", node, [BIN, "token"]],
    ["client-credentials token, Node's fetch (CC_NODE_FETCH=1)", node, [BIN, "token"], { CC_NODE_FETCH: "1" }],
    ["curl, the seed's call (client_secret_post)", "curl", ["-sSf", server.tokenUrl, "--data-urlencode", "grant_type=client_credentials", "--data-urlencode", "client_id=archival-service", "--data-urlencode", `client_secret=${secret}`]],
  ];
  // verify (where the library has verifyJwt): discovery, the key set and the signature, each run anew.
  const fresh = spawnSync(node, [BIN, "token"], { env, encoding: "utf8" });
  if (fresh.status === 0) {
    contenders.splice(4, 0, ["client-credentials verify (discovery + JWKS + RS256)", node, [BIN, "verify", "--issuer", server.issuer, "--any-audience", fresh.stdout.trim()]]);
  }
  if (process.env.NODE_EXTRA_CA_CERTS) {
    // Node reads the extra certificates at start-up, before any code runs: a cost users with it set pay on every command.
    contenders.splice(1, 0, ["node -e 0 with this shell's NODE_EXTRA_CA_CERTS", node, ["-e", "0"], { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS }]);
  }
  if (oauth2c) {
    contenders.push([
      "oauth2c --silent (client_secret_basic)",
      oauth2c,
      [server.issuer, "--client-id", "archival-service", "--client-secret", secret, "--grant-type", "client_credentials", "--auth-method", "client_secret_basic", "--token-endpoint", server.tokenUrl, "--silent", "--no-prompt"],
    ]);
  }
  const samples = new Map(contenders.map(([name]) => [name, []]));
  try {
    for (const [name, cmd, args, extra] of contenders) timeOnce(name, cmd, args, { ...env, ...extra }); // warm-up: disk cache, server JIT
    for (let r = 0; r < rounds; r++) {
      for (const [name, cmd, args, extra] of r % 2 ? [...contenders].reverse() : contenders) {
        samples.get(name).push(timeOnce(name, cmd, args, { ...env, ...extra }));
      }
    }
  } finally {
    server.stop();
  }
  const med = (name) => median(samples.get(name));
  const min = (name) => Math.min(...samples.get(name));
  const ms = (v) => `${v.toFixed(1)} ms`;
  const rows = contenders.map(([name]) => [name, ms(med(name)), ms(min(name))]);
  if (!oauth2c) rows.push(["oauth2c", "not found ($OAUTH2C, PATH, ~/go/bin): not measured", ""]);
  const decode = med("client-credentials decode (readable)");
  const token = med("client-credentials token");
  const targets = [[`CLI decode < 100 ms wall`, ms(decode), decode < 100]];
  if (oauth2c) {
    const o = med("oauth2c --silent (client_secret_basic)");
    targets.push([`CLI token within 60 ms of oauth2c`, `${ms(token)} vs ${ms(o)} (+${(token - o).toFixed(1)} ms)`, token - o <= 60]);
  } else {
    targets.push([`CLI token within 60 ms of oauth2c`, "oauth2c not found: not measured", false]);
  }
  const markdown = `Whole processes, ${rounds} interleaved rounds after a warm-up, against one dev authorization server (oidc-provider) in its own process on loopback; wall-clock median and minimum. Each process gets only PATH, HOME and the client's CC_* variables.\n\n${table(["command", "median", "min"], rows)}\n`;
  return { title: "Command line (whole processes)", markdown, targets };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  execFileSync(node(), [join(root, "scripts/build.mjs"), "--if-needed"], { stdio: "inherit" });
  const { title, markdown, targets } = await run();
  const targetTable = table(["target", "measured", ""], targets.map(([what, value, ok]) => [what, value, verdict(ok)]));
  const section = `## ${title}\n\n${markdown}\n${targetTable}\n`;
  console.log(`\n${section}`);
  if (!quick) {
    // Replace this section of bench/results.md, or add it before the targets.
    const file = join(root, "bench/results.md");
    const text = readFileSync(file, "utf8");
    const start = text.indexOf(`## ${title}`);
    const next = start < 0 ? -1 : text.indexOf("\n## ", start + 1);
    const updated =
      start >= 0
        ? `${text.slice(0, start)}${section}${next < 0 ? "" : text.slice(next + 1)}`
        : text.includes("## Targets")
          ? text.replace("## Targets", `${section}\n## Targets`)
          : `${text}\n${section}`;
    writeFileSync(file, updated);
  }
}

function node() {
  return process.execPath;
}
