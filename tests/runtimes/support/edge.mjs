// Vercel's `import wasm from "./x.wasm?module"`, for edge-runtime (which has no module
// loader for it): esbuild turns the import into a read of a global that the test binds to
// a WebAssembly.Module compiled inside the vm, the way Next.js's edge sandbox binds wasm.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as esbuild from "esbuild";
import { EdgeRuntime } from "edge-runtime";

// `import wasm from "./x.wasm?module"` becomes a read of the global `__wasm_<name>`.
export const wasmModuleGlobals = {
  name: "wasm ?module as a global",
  setup(build) {
    build.onResolve({ filter: /\.wasm\?module$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/\?module$/, "")),
      namespace: "wasm-module",
    }));
    build.onLoad({ filter: /.*/, namespace: "wasm-module" }, (args) => ({
      contents: `export default globalThis[${JSON.stringify(wasmGlobal(args.path))}];`,
    }));
  },
};
export const wasmGlobal = (path) => `__wasm_${path.split("/").pop().replace(/\W/g, "_")}`;

/**
 * `source` bundled as Vercel bundles an edge function (the `edge-light` condition first)
 * and loaded into an EdgeRuntime whose context `extend` fills, with each of `wasmPaths`
 * compiled inside the vm and bound as its `?module` import. Resolves to { runtime, bundle }.
 */
export async function edgeFunction(source, wasmPaths, extend = (context) => context) {
  const bundle = await esbuild.build({
    entryPoints: [source],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    conditions: ["edge-light", "worker", "browser"],
    plugins: [wasmModuleGlobals],
    metafile: true,
    logLevel: "error",
  });
  const runtime = new EdgeRuntime({
    extend: (context) => {
      context.__wasm_bytes = wasmPaths.map((p) => new Uint8Array(readFileSync(p)));
      return extend(context);
    },
  });
  // The deployment binds the compiled module; compile it inside the vm so it is the vm's WebAssembly.Module.
  await runtime.evaluate(
    `${JSON.stringify(wasmPaths.map(wasmGlobal))}.forEach((name, i) => (globalThis[name] = new WebAssembly.Module(__wasm_bytes[i]))); delete globalThis.__wasm_bytes;`,
  );
  await runtime.evaluate(bundle.outputFiles[0].text);
  return { runtime, bundle };
}
