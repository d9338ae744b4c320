// Runs N instances (tests/store/fixtures/instance.mjs), each its own Node
// process, released together once all are ready; resolves to their reports.
// `config` is one object for all, or a function of the instance's index.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const INSTANCE = fileURLToPath(new URL("./fixtures/instance.mjs", import.meta.url));

export async function runInstances(count, config) {
  const children = Array.from({ length: count }, (_, i) => {
    const child = spawn(process.execPath, [INSTANCE, JSON.stringify(typeof config === "function" ? config(i) : config)], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (err += d));
    const ready = new Promise((resolve, reject) => {
      const check = () => (out.includes("ready\n") ? resolve() : undefined);
      child.stdout.on("data", check);
      child.once("exit", (code) => reject(new Error(`instance exited ${code} before ready: ${err}`)));
    });
    const done = new Promise((resolve, reject) => {
      child.once("exit", (code) => {
        const last = out.trim().split("\n").at(-1);
        if (code !== 0) reject(new Error(`instance exited ${code}: ${err}`));
        else resolve(JSON.parse(last));
      });
    });
    ready.catch(() => {});
    return { child, ready, done };
  });
  try {
    await Promise.all(children.map((c) => c.ready));
  } catch (e) {
    for (const c of children) c.child.kill();
    throw e;
  }
  for (const c of children) c.child.stdin.end("go\n");
  return Promise.all(children.map((c) => c.done));
}
