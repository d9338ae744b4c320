#!/usr/bin/env node
// Builds the npm package into dist/: one optimised wasm, the wasm-bindgen
// glue (target "web", which every runtime can drive), and one small entry
// file per runtime.
//
//   node scripts/build.mjs          build, print sizes
//   node scripts/build.mjs --if-needed   skip when dist/ is newer than the sources
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
// Build beside dist/ and swap at the end, so a reader never sees a half-built
// package and two builds at once can't leave an empty wasm behind.
const out = join(root, `dist.tmp-${process.pid}`);
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

const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", env });

// The size build: with a nightly toolchain and its rust-src, the standard
// library is rebuilt with `-C panic=immediate-abort`, so a panic (which the
// core never means to reach) traps at once instead of formatting a message
// first. That drops core::fmt's panic machinery: measured 7.8 KB less gzip
// with no speed cost. Without nightly the stable build is the same code,
// only bigger. CC_STABLE_BUILD=1 forces the stable one.
const toolchains = execFileSync("rustup", ["toolchain", "list"], { encoding: "utf8" });
const nightlySrc = /^nightly/m.test(toolchains) && process.env.CC_STABLE_BUILD !== "1" &&
  /^rust-src/m.test(execFileSync("rustup", ["component", "list", "--toolchain", "nightly", "--installed"], { encoding: "utf8" }));
let artifacts = join(root, "target", "wasm32-unknown-unknown", "release");
if (nightlySrc) {
  const targetDir = join(root, "target", "size");
  // RUSTFLAGS replaces .cargo/config.toml's flags, so simd128 is repeated here.
  run("cargo", ["+nightly", "build", "--release", "--target", "wasm32-unknown-unknown", "--lib", "-Zbuild-std=std,panic_abort", "--target-dir", targetDir], {
    ...process.env,
    RUSTFLAGS: "-C target-feature=+simd128 -Z unstable-options -C panic=immediate-abort",
  });
  artifacts = join(targetDir, "wasm32-unknown-unknown", "release");
} else {
  console.log("build: no nightly toolchain with rust-src (rustup component add rust-src --toolchain nightly); building with stable, which comes out about 8 KB (gzip) bigger");
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--lib"]);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out);
run("wasm-bindgen", [
  "--target", "web",
  "--no-typescript",
  "--out-dir", out,
  "--out-name", name,
  join(artifacts, `${name}.wasm`),
]);
const wasm = join(out, `${name}_bg.wasm`);
// npm's binaryen: Debian's v108 corrupts wasm-bindgen's externref table.
// -O3 rather than -Oz: measured, -Oz saved under 1% of the gzipped size and
// cost decodeJwt about a tenth of its speed.
run(bin("wasm-opt"), ["-O3", "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals", "--enable-simd", wasm, "-o", wasm]);

// The ESM entries go as they are; package.json `exports` picks one per runtime.
for (const file of ["node.mjs", "deno.mjs", "workerd.mjs", "edge-light.mjs", "browser.mjs", "index.d.ts"]) {
  copyFileSync(join(entries, file), join(out, file));
}
// The JavaScript half of the API, which drives the core's Session over fetch.
for (const file of ["client.js", "flight.js", "http.js", "introspection.js", "signing.js", "store.js", "stores.js", "verify.js", "webcrypto.js"]) {
  copyFileSync(join(root, "src", "js", file), join(out, file));
}
// The framework adapters (client-credentials/express, /fastify, /hono) and their types, as they are:
// they import the runtime's entry as `#verify`, which package.json `imports` maps.
mkdirSync(join(out, "adapters"));
for (const file of readdirSync(join(root, "src", "js", "adapters"))) {
  copyFileSync(join(root, "src", "js", "adapters", file), join(out, "adapters", file));
}
// The same declarations for `require`: TypeScript reads a .d.cts as CommonJS.
copyFileSync(join(entries, "index.d.ts"), join(out, "index.d.cts"));
// CommonJS: bundle the glue into one file, since the glue itself is ESM.
copyFileSync(join(entries, "node-cjs.mjs"), join(out, "node-cjs.mjs"));
run(bin("esbuild"), [
  join(out, "node-cjs.mjs"),
  "--bundle", "--platform=node", "--format=cjs", "--target=node20",
  "--log-level=error", "--define:import.meta.url=undefined",
  `--outfile=${join(out, "node.cjs")}`,
]);
rmSync(join(out, "node-cjs.mjs"));

if (statSync(join(out, `${name}_bg.wasm`)).size < 1024) {
  rmSync(out, { recursive: true, force: true });
  throw new Error("build: the wasm came out empty; was another build running?");
}
rmSync(dist, { recursive: true, force: true });
renameSync(out, dist);

const size = (f) => {
  const bytes = readFileSync(join(dist, f));
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const w = size(`${name}_bg.wasm`), g = size(`${name}.js`), b = size("browser.mjs");
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`build: wasm ${kb(w.raw)} raw, ${kb(w.gzip)} gzip -9; browser glue+entry ${kb(g.gzip + b.gzip)} gzip -9; total ${kb(w.gzip + g.gzip + b.gzip)} gzip -9`);
