#!/usr/bin/env node
// Builds the npm package into dist/: one optimised wasm per package entry,
// each with its wasm-bindgen glue (target "web", which every runtime can
// drive), the JavaScript half that entry uses, and one small entry file per
// runtime. `.` is dist/ itself; `/decode`, `/verify` and `/client` are
// dist/decode/, dist/verify/ and dist/client/.
//
//   node scripts/build.mjs          build, print sizes
//   node scripts/build.mjs --if-needed   skip when dist/ was built from the sources as they are (scripts/build-stamp.mjs)
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { distFreshness, writeStamp } from "./build-stamp.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
// Build beside dist/ and swap at the end, so a reader never sees a half-built
// package and two builds at once can't leave an empty wasm behind.
const out = join(root, `dist.tmp-${process.pid}`);
const entries = join(root, "src", "entries");
const name = "client_credentials";
const bin = (tool) => join(root, "node_modules", ".bin", tool);

const startedMs = Date.now();
if (process.argv.includes("--if-needed")) {
  const { fresh, why } = distFreshness(root);
  if (fresh) {
    console.log("build: dist/ is up to date");
    process.exit(0);
  }
  console.log(`build: ${why}; building`);
}

const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: root, stdio: "inherit", env });

/**
 * The package entries. Each gets a wasm built from the one crate with only
 * the Cargo features its exports need (src/wasm/mod.rs), so importing
 * `/decode` never downloads, compiles or bundles the client or the verifier.
 * `api` is the export list in src/entries/api/.
 */
const ENTRIES = [
  { dir: "", api: "index", features: ["verify", "client", "introspection"] },
  { dir: "decode", api: "decode", features: [] },
  { dir: "verify", api: "verify", features: ["verify", "introspection"] },
  { dir: "client", api: "client", features: ["client"] },
];
const RUNTIME_ENTRIES = ["node.mjs", "deno.mjs", "workerd.mjs", "edge-light.mjs", "browser.mjs"];

// The size build: with a nightly toolchain and its rust-src, the standard
// library is rebuilt with `-C panic=immediate-abort`, so a panic (which the
// core never means to reach) traps at once instead of formatting a message
// first. That drops core::fmt's panic machinery: measured 7.8 KB less gzip
// with no speed cost. Without nightly the stable build is the same code,
// only bigger. CC_STABLE_BUILD=1 forces the stable one.
const toolchains = execFileSync("rustup", ["toolchain", "list"], { encoding: "utf8" });
const nightlySrc = /^nightly/m.test(toolchains) && process.env.CC_STABLE_BUILD !== "1" &&
  /^rust-src/m.test(execFileSync("rustup", ["component", "list", "--toolchain", "nightly", "--installed"], { encoding: "utf8" }));
if (!nightlySrc) {
  console.log("build: no nightly toolchain with rust-src (rustup component add rust-src --toolchain nightly); building with stable, which comes out about 8 KB (gzip) bigger");
}
// Cargo's own rule: CARGO_TARGET_DIR when set (the fresh-clone test keeps one between runs), else target/.
const targetDir = join(resolve(root, process.env.CARGO_TARGET_DIR || "target"), nightlySrc ? "size" : "stable");
const artifact = join(targetDir, "wasm32-unknown-unknown", "release", `${name}.wasm`);
const built = join(targetDir, "entries");
mkdirSync(built, { recursive: true });
for (const entry of ENTRIES) {
  const features = ["--no-default-features", ...(entry.features.length ? ["--features", entry.features.join(",")] : [])];
  if (nightlySrc) {
    // RUSTFLAGS replaces .cargo/config.toml's flags, so simd128 is repeated here.
    run("cargo", ["+nightly", "build", "--release", "--target", "wasm32-unknown-unknown", "--lib", ...features, "-Zbuild-std=std,panic_abort", "--target-dir", targetDir], {
      ...process.env,
      RUSTFLAGS: "-C target-feature=+simd128 -Z unstable-options -C panic=immediate-abort",
    });
  } else {
    run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--lib", ...features, "--target-dir", targetDir]);
  }
  // Every feature set writes the same artifact path: keep each one.
  copyFileSync(artifact, join(built, `${entry.api}.wasm`));
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out);
// The host bindings (src/wasm/host.js) hold the one ClientCredentialsError
// class, so every entry's glue imports the same copy: dist/host.js. A
// subfolder's host.js only re-exports it.
copyFileSync(join(root, "src", "wasm", "host.js"), join(out, "host.js"));

/** The relative `./x.js` files `file` imports, and theirs: what an entry's folder needs of src/js/. */
function closure(file, seen = new Set()) {
  for (const [, dep] of readFileSync(file, "utf8").matchAll(/from "\.\/([\w-]+\.js)"/g)) {
    const source = join(root, "src", "js", dep);
    if (seen.has(dep) || !existsSync(source)) continue;
    seen.add(dep);
    closure(source, seen);
  }
  return seen;
}

for (const entry of ENTRIES) {
  const dir = join(out, entry.dir);
  mkdirSync(dir, { recursive: true });
  run("wasm-bindgen", ["--target", "web", "--no-typescript", "--out-dir", dir, "--out-name", name, join(built, `${entry.api}.wasm`)]);
  // wasm-bindgen writes the root package.json's `dependencies` (undici, for
  // the CLI) into a package.json of its own; in dist/ it would make the .js
  // files CommonJS, and dist/ belongs to the root package.
  rmSync(join(dir, "package.json"), { force: true });
  const glue = join(dir, `${name}.js`);
  const text = readFileSync(glue, "utf8");
  // Only the `from` specifiers: the import object's key stays the snippet
  // path, which is the module name the wasm itself asks for.
  const pointed = text.replace(/from (["'])\.\/snippets\/[^"']*\/src\/wasm\/host\.js\1/g, 'from "./host.js"');
  if (pointed === text) throw new Error("build: the glue does not import src/wasm/host.js where expected; has wasm-bindgen changed its snippet paths?");
  writeFileSync(glue, pointed);
  rmSync(join(dir, "snippets"), { recursive: true, force: true });
  if (entry.dir) writeFileSync(join(dir, "host.js"), 'export * from "../host.js";\n');
  // Each entry's wasm has a name of its own: wrangler and workerd register an
  // imported .wasm module by file name, so two entries in one Worker would
  // otherwise collide.
  const wasmName = entry.dir ? `${name}_${entry.api}_bg.wasm` : `${name}_bg.wasm`;
  const wasm = join(dir, wasmName);
  if (entry.dir) renameSync(join(dir, `${name}_bg.wasm`), wasm);
  // npm's binaryen: Debian's v108 corrupts wasm-bindgen's externref table.
  // -O3 rather than -Oz: measured, -Oz saved under 1% of the gzipped size and
  // cost decodeJwt about a tenth of its speed.
  run(bin("wasm-opt"), ["-O3", "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-reference-types", "--enable-multivalue", "--enable-mutable-globals", "--enable-simd", wasm, "-o", wasm]);
  if (statSync(wasm).size < 1024) throw new Error(`build: the ${entry.api} wasm came out empty; was another build running?`);

  // The export list, the runtime entries (package.json `exports` picks one
  // per runtime), and the JavaScript half this entry imports.
  const api = join(entries, "api", `${entry.api}.mjs`);
  copyFileSync(api, join(dir, "api.mjs"));
  const withWasm = (file) => readFileSync(join(entries, file), "utf8").replaceAll(`${name}_bg.wasm`, wasmName);
  for (const file of RUNTIME_ENTRIES) writeFileSync(join(dir, file), withWasm(file));
  for (const file of closure(api)) copyFileSync(join(root, "src", "js", file), join(dir, file));

  // Types: `.` has the declarations; an entry's own re-export only its names
  // (and every type, which costs nothing at run time). A .d.cts is the same
  // for `require`: TypeScript reads it as CommonJS.
  if (entry.dir) {
    const names = [...readFileSync(api, "utf8").matchAll(/export \{([^}]*)\}/g)].flatMap((m) => m[1].split(",").map((n) => n.trim()));
    for (const [file, from] of [["index.d.ts", "../index.js"], ["index.d.cts", "../index.cjs"]]) {
      writeFileSync(join(dir, file), `// client-credentials/${entry.dir}: see ../index.d.ts.\nexport type * from "${from}";\nexport { ${names.join(", ")} } from "${from}";\n`);
    }
  } else {
    copyFileSync(join(entries, "index.d.ts"), join(dir, "index.d.ts"));
    copyFileSync(join(entries, "index.d.ts"), join(dir, "index.d.cts"));
  }

  // CommonJS: bundle the glue into one file, since the glue itself is ESM.
  writeFileSync(join(dir, "node-cjs.mjs"), withWasm("node-cjs.mjs"));
  run(bin("esbuild"), [
    join(dir, "node-cjs.mjs"),
    "--bundle", "--platform=node", "--format=cjs", "--target=node20",
    "--log-level=error", "--define:import.meta.url=undefined",
    `--outfile=${join(dir, "node.cjs")}`,
  ]);
  rmSync(join(dir, "node-cjs.mjs"));
}

// The framework adapters (client-credentials/express, /fastify, /hono) and their types, as they are:
// they import the runtime's entry as `#verify`, which package.json `imports` maps.
mkdirSync(join(out, "adapters"));
for (const file of readdirSync(join(root, "src", "js", "adapters"))) {
  copyFileSync(join(root, "src", "js", "adapters", file), join(out, "adapters", file));
}

writeStamp(out, startedMs);
rmSync(dist, { recursive: true, force: true });
renameSync(out, dist);

const gzip = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
for (const entry of ENTRIES) {
  const w = join(entry.dir, entry.dir ? `${name}_${entry.api}_bg.wasm` : `${name}_bg.wasm`);
  console.log(`build: ${(entry.dir ? `/${entry.dir}` : ".").padEnd(8)} wasm ${kb(statSync(join(dist, w)).size)} raw, ${kb(gzip(w))} gzip -9`);
}
