// Vercel's `import wasm from "./x.wasm?module"`, for edge-runtime (which has no module
// loader for it): esbuild turns the import into a read of a global that the test binds to
// a WebAssembly.Module compiled inside the vm, the way Next.js's edge sandbox binds wasm.
import { join } from "node:path";

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
