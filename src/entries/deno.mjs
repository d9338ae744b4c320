// Deno entry (the `deno` condition). A source-phase import hands over the compiled
// WebAssembly.Module, so no --allow-read is needed for the wasm file.
import source wasm from "./client_credentials_bg.wasm";
import { initSync } from "./client_credentials.js";

initSync({ module: wasm });

export * from "./api.mjs";
