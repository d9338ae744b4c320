// Node entry (CommonJS): the build bundles this file with the glue into node.cjs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync } from "./client_credentials.js";

initSync({ module: readFileSync(join(__dirname, "client_credentials_bg.wasm")) });

export * from "./api.mjs";
