// `client-credentials/decode`: decoding only, with the smallest wasm (no options reader, no client, no verifier).
export { decodeJwt } from "./client_credentials.js";
export { ClientCredentialsError } from "./host.js";
