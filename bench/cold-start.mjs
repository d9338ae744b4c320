// Cold start in Node: a fresh process imports the package (for us: wasm
// compilation and instantiation too) and decodes the seed token once. Timed
// inside the process around the dynamic import, so Node's own start-up is
// left out for both contenders alike.
import { execFileSync } from "node:child_process";
import { fmtRatio, median, quick, root, table, tokens, verdict } from "./lib.mjs";

const script = (specifier, call) => `
const seed = ${JSON.stringify(tokens().seed)};
const t0 = performance.now();
const m = await import(${JSON.stringify(specifier)});
${call};
process.stdout.write(String(performance.now() - t0));`;

const CONTENDERS = [
  ["client-credentials", script("client-credentials", "m.decodeJwt(seed)")],
  ["client-credentials/decode", script("client-credentials/decode", "m.decodeJwt(seed)")],
  ["jose (full import)", script("jose", "m.decodeJwt(seed); m.decodeProtectedHeader(seed)")],
  ["jwt-decode", script("jwt-decode", "m.jwtDecode(seed); m.jwtDecode(seed, { header: true })")],
];

export async function run() {
  const runs = quick ? 3 : 15;
  const samples = new Map(CONTENDERS.map(([n]) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, code] of CONTENDERS) {
      const ms = Number(execFileSync(process.execPath, ["--input-type=module", "-e", code], { cwd: root, encoding: "utf8" }));
      samples.get(name).push(ms);
    }
  }
  const ms = new Map([...samples].map(([n, xs]) => [n, median(xs)]));
  const ours = ms.get("client-credentials"), jose = ms.get("jose (full import)"), decodeOnly = ms.get("client-credentials/decode");
  return {
    title: `Cold start in Node (median of ${runs} fresh processes)`,
    markdown: table(["package", "import + first decode", "vs ours"], [...ms].map(([n, t]) => [n, `${t.toFixed(1)} ms`, fmtRatio(t / ours)])),
    targets: [
      ["cold start no slower than jose's import + first call", `${ours.toFixed(1)} ms vs ${jose.toFixed(1)} ms`, ours <= jose],
      ["client-credentials/decode cold start (import + first decode) ≤ 10 ms", `${decodeOnly.toFixed(1)} ms (jwt-decode ${ms.get("jwt-decode").toFixed(1)} ms)`, decodeOnly <= 10],
    ],
    results: Object.fromEntries(ms),
  };
}
