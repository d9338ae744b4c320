// Node entry (CommonJS): the build bundles this file with the glue into dist/node.cjs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync, fetchClientCredentialsToken, decodeJwt, TokenClient } from "./client_credentials.js";

initSync({ module: readFileSync(join(__dirname, "client_credentials_bg.wasm")) });

export { fetchClientCredentialsToken, decodeJwt, TokenClient };
