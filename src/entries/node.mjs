// Node entry (ESM; Bun uses it too, through the `node` condition): compiles the wasm
// synchronously at import, so no init call is needed.
import { readFileSync } from "node:fs";
import { initSync } from "./client_credentials.js";

initSync({ module: readFileSync(new URL("./client_credentials_bg.wasm", import.meta.url)) });

export * from "./api.mjs";
