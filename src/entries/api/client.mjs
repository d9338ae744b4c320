// `client-credentials/client`: what a caller needs (get, cache and share tokens, call APIs); its wasm has no verifier.
export { decodeJwt } from "./client_credentials.js";
export { fetchClientCredentialsToken, TokenClient } from "./client.js";
export { cacheStore, kvStore, redisStore } from "./stores.js";
export { realmRoles, clientRoles, scopes } from "./claims.js";
export { ClientCredentialsError } from "./host.js";
