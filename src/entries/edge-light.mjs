// Vercel Edge Functions and Next.js edge routes (the `edge-light` condition). Vercel documents
// `import wasm from "./x.wasm?module"` as the way to get a compiled WebAssembly.Module there:
// its Edge Runtime refuses to compile wasm from bytes at run time.
import wasm from "./client_credentials_bg.wasm?module";
import { initSync } from "./client_credentials.js";

initSync({ module: wasm });

export * from "./api.mjs";
