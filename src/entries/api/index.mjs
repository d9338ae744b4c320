// `client-credentials`: everything, with one wasm that holds every part.
export { decodeJwt } from "./client_credentials.js";
export { fetchClientCredentialsToken, TokenClient } from "./client.js";
export { verifyJwt, JwksClient, authorizeRequest } from "./verify.js";
export { realmRoles, clientRoles, scopes } from "./claims.js";
export { introspectToken } from "./introspection.js";
export { cacheStore, kvStore, redisStore } from "./stores.js";
export { ClientCredentialsError } from "./host.js";
