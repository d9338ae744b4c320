// Node entry (CommonJS): the build bundles this file with the glue into dist/node.cjs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initSync, decodeJwt } from "./client_credentials.js";
import { fetchClientCredentialsToken, TokenClient } from "./client.js";
import { verifyJwt, JwksClient, realmRoles, clientRoles, scopes, authorizeRequest } from "./verify.js";
import { cacheStore, kvStore, redisStore } from "./stores.js";
import { introspectToken } from "./introspection.js";

initSync({ module: readFileSync(join(__dirname, "client_credentials_bg.wasm")) });

export { fetchClientCredentialsToken, decodeJwt, TokenClient, redisStore, kvStore, cacheStore, verifyJwt, JwksClient, realmRoles, clientRoles, scopes, authorizeRequest, introspectToken };
