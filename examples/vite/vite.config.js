// A plain object (no `import "vite"`), so the runtime test can build this app as it is.
export default {
  // The package finds its .wasm with `new URL(..., import.meta.url)`. Vite's dev-server
  // pre-bundling would move the JS away from the .wasm, so it is served as it is.
  optimizeDeps: { exclude: ["client-credentials"] },
  // Only for this example, which links the package from the repository (`file:../..`):
  // the dev server may then serve files from there. An installed package needs no such line.
  server: { fs: { allow: ["../.."] } },
};
