// `client-credentials/verify`: what a resource server needs (verify tokens, protect an API); its wasm has no token client.
export { decodeJwt } from "./client_credentials.js";
export { verifyJwt, JwksClient, authorizeRequest } from "./verify.js";
export { realmRoles, clientRoles, scopes } from "./claims.js";
export { introspectToken } from "./introspection.js";
export { cacheStore, kvStore, redisStore } from "./stores.js";
export { ClientCredentialsError } from "./host.js";
