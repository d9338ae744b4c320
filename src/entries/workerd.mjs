// Cloudflare Workers entry (workerd, wrangler; the `workerd` condition). Workers refuse to
// compile wasm from bytes at run time, so the wasm is imported as a module: wrangler and
// workerd hand it over already compiled, as a WebAssembly.Module.
import wasm from "./client_credentials_bg.wasm";
import { initSync } from "./client_credentials.js";

initSync({ module: wasm });

export * from "./api.mjs";
