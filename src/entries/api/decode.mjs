// `client-credentials/decode`: decoding and the claim readers, with the smallest wasm (no options reader, no client, no verifier).
export { decodeJwt } from "./client_credentials.js";
export { realmRoles, clientRoles, scopes } from "./claims.js";
export { ClientCredentialsError } from "./host.js";
