// Debian's redis-server on a free loopback port, started and stopped by the
// test harness, with no persistence (`--save '' --appendonly no`).
//
//   const redis = await startRedis();
//   redis.url, redis.port, await redis.kill(), await redis.restart(), await redis.stop()
//   await redis.cli("--scan")   // redis-cli against this server, stdout as text
import { execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import { freePort, listening } from "../../scripts/net.mjs";

const run = promisify(execFile);

/** Resolves once something accepts connections on 127.0.0.1:`port`. */
async function reachable(port, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await listening(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function startRedis() {
  const port = await freePort();
  let child;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    const exited = new Promise((_, reject) => child.once("error", reject));
    await Promise.race([reachable(port), exited]);
  };
  const kill = () =>
    new Promise((resolve) => {
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    /** Kills the server (SIGKILL), as a crash would. */
    kill,
    /** Starts it again, empty, on the same port. */
    restart: start,
    stop: kill,
    async cli(...args) {
      return (await run("redis-cli", ["-p", String(port), ...args])).stdout;
    },
  };
}
