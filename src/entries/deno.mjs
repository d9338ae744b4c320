// Deno entry (the `deno` condition). A source-phase import hands over the compiled
// WebAssembly.Module, so no --allow-read is needed for the wasm file.
import source wasm from "./client_credentials_bg.wasm";
import { initSync } from "./client_credentials.js";

initSync({ module: wasm });

export { decodeJwt } from "./client_credentials.js";
export { fetchClientCredentialsToken, TokenClient } from "./client.js";
export { verifyJwt, JwksClient, realmRoles, clientRoles, scopes, authorizeRequest } from "./verify.js";
export { introspectToken } from "./introspection.js";
export { cacheStore, kvStore, redisStore } from "./stores.js";
