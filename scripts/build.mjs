#!/usr/bin/env node
// Builds the npm package into dist/: one optimised wasm, the wasm-bindgen
// glue (target "web", which every runtime can drive), and one small entry
// file per runtime.
//
//   node scripts/build.mjs          build, print sizes
//   node scripts/build.mjs --if-needed   skip when dist/ is newer than the sources
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const entries = join(root, "src", "entries");
const name = "client_credentials";
const bin = (tool) => join(root, "node_modules", ".bin", tool);

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

if (process.argv.includes("--if-needed") && existsSync(join(dist, "node.cjs"))) {
  const sources = Math.max(newest(join(root, "src")), statSync(join(root, "Cargo.toml")).mtimeMs);
  if (statSync(join(dist, "node.cjs")).mtimeMs > sources) {
    console.log("build: dist/ is up to date");
    process.exit(0);
  }
}

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--lib"]);
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
run("wasm-bindgen", [
  "--target", "web",
  "--no-typescript",
  "--out-dir", dist,
  "--out-name", name,
  join(root, "target", "wasm32-unknown-unknown", "release", `${name}.wasm`),
]);
const wasm = join(dist, `${name}_bg.wasm`);
// npm's binaryen: Debian's v108 corrupts wasm-bindgen's externref table.
run(bin("wasm-opt"), ["-Oz", "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals", wasm, "-o", wasm]);

for (const file of ["node.mjs", "browser.mjs", "index.d.ts"]) {
  copyFileSync(join(entries, file), join(dist, file));
}
// CommonJS: bundle the glue into one file, since the glue itself is ESM.
copyFileSync(join(entries, "node-cjs.mjs"), join(dist, "node-cjs.mjs"));
run(bin("esbuild"), [
  join(dist, "node-cjs.mjs"),
  "--bundle", "--platform=node", "--format=cjs", "--target=node20",
  "--log-level=error", "--define:import.meta.url=undefined",
  `--outfile=${join(dist, "node.cjs")}`,
]);
rmSync(join(dist, "node-cjs.mjs"));

const size = (f) => {
  const bytes = readFileSync(join(dist, f));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const w = size(`${name}_bg.wasm`), g = size(`${name}.js`), b = size("browser.mjs");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`build: wasm ${kb(w.raw)} raw, ${kb(w.gzip)} gzip -9; browser glue+entry ${kb(g.gzip + b.gzip)} gzip -9; total ${kb(w.gzip + g.gzip + b.gzip)} gzip -9`);
