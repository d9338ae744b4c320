// Helpers for the command-line tests: spawn the CLI as a user runs it (or under
// a pseudo-terminal), keep every run's output, and scan it all for secrets and
// for tokens where none belongs.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BIN = join(root, "bin", "client-credentials.mjs");
export const SEED_TOKEN = readFileSync(join(root, "tests", "fixtures", "seed-token.txt"), "utf8").trim();
export const ESC = "\x1b[";

export const isJwt = (s) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(s);
export const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** An environment without the test's own CC_*, CLIENT_SECRET or NO_COLOR, in UTC; undefined values are left out. */
export function baseEnv(extra = {}) {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: "UTC" };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

const shellQuote = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;

/**
 * A runner whose runs are all kept. `defaultEnv()` gives the environment of a
 * run that names none.
 */
export function cliRunner(defaultEnv) {
  /** Every run: { args, stdout, stderr, code, tokenAllowed, echoed (stdout shows what a server echoed back) }. */
  const runs = [];
  /** Access tokens seen on some stdout, to look for everywhere else. */
  const tokens = new Set([SEED_TOKEN]);

  /**
   * Spawns `node bin/client-credentials.mjs ...args` (asynchronously: the servers
   * live in the test's process) and resolves to its exit code and output.
   */
  function cli(args, { env = defaultEnv(), input, command = process.execPath, prefix = [BIN], tokenAllowed = false, echoed = false, cwd = root } = {}) {
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...prefix, ...args], { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      child.on("error", reject);
      child.on("close", (code) => {
        clearTimeout(timer);
        const run = { args, stdout, stderr, code, tokenAllowed, echoed };
        runs.push(run);
        resolve(run);
      });
      // A command that stops reading early (an input over its limit) closes the pipe.
      child.stdin.on("error", () => {});
      child.stdin.end(input ?? "");
    });
  }

  /** Runs the CLI under a pseudo-terminal (util-linux `script`): stdin, stdout and stderr are all the terminal. */
  function underTerminal(args, env = defaultEnv()) {
    const line = [process.execPath, BIN, ...args].map(shellQuote).join(" ");
    return cli(["-qec", line, "/dev/null"], { command: "script", prefix: [], env: { ...env, TERM: "xterm-256color" }, tokenAllowed: true });
  }

  /**
   * No secret (raw, form-encoded, or in Basic credentials for `clientIds`) in
   * any output of any run; no token on stderr, nor on the stdout of a run
   * that should not print one.
   */
  function scan(secrets, clientIds, { minRuns, minTokens }) {
    const form = (s) => new URLSearchParams({ s }).toString().slice(2);
    const needles = secrets.flatMap((s) => [s, form(s), ...clientIds.map((id) => Buffer.from(`${form(id)}:${form(s)}`).toString("base64"))]);
    assert.ok(runs.length >= minRuns, `${runs.length} runs scanned`);
    assert.ok(tokens.size >= minTokens, `${tokens.size} tokens to look for`);
    for (const run of runs) {
      const where = run.args.join(" ").slice(0, 60);
      for (const needle of needles) {
        if (!run.echoed) assert.ok(!run.stdout.includes(needle), `a secret on stdout of ${where}`);
        assert.ok(!run.stderr.includes(needle), `a secret on stderr of ${where}`);
      }
      for (const token of tokens) {
        const signature = token.split(".")[2] ?? token;
        assert.ok(!run.stderr.includes(signature), `a token on stderr of ${where}`);
        if (!run.tokenAllowed) assert.ok(!run.stdout.includes(signature), `a token on stdout of ${where}`);
      }
    }
  }

  return { cli, underTerminal, runs, tokens, scan };
}
