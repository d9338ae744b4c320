// A real OAuth 2.0 authorization server for tests and the demo, shaped like the
// Keycloak realm of the seed tutorial (realm `sivalabs`, client `archival-service`,
// Keycloak's `/realms/<realm>/protocol/openid-connect/*` paths, Keycloak-style claims).
//
// It is panva's oidc-provider behind a small `node:http` front that adds what the
// tests need and a real server does not offer: a count of token requests, injected
// failures, and a record of how each client authenticated.
//
//   import { startAuthServer } from "./scripts/dev-auth-server.mjs";
//   const as = await startAuthServer({ port: 0 });
//   ... as.tokenUrl, as.clients.basic.clientId, as.clients.basic.clientSecret ...
//   await as.close();
//
// Standalone: `node scripts/dev-auth-server.mjs --port 9191 [--cors http://localhost:8282]`.

import * as http from "node:http";
import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from "jose";
import { listen } from "./net.mjs";

/** Scopes any client may be granted with client_credentials. */
export const SCOPES = ["openid", "profile", "email", "offline_access", "archive:read", "archive:write"];

/** The default clients. Their secrets are fixed so the demo and the docs can show them. */
export const DEFAULT_CLIENTS = {
  // The seed's client, authenticating with HTTP Basic (RFC 6749 §2.3.1), as Postman does there.
  basic: { clientId: "archival-service", clientSecret: "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a", authMethod: "client_secret_basic" },
  // The same kind of client sending its credentials in the form body, as the seed's curl does.
  post: { clientId: "archival-service-post", clientSecret: "post-secret-8f2b1c9d4e7a", authMethod: "client_secret_post" },
  // A secret with every character that form-urlencoding (RFC 6749 §2.3.1, Appendix B) changes:
  // ':' (the Basic separator), '+', '%', ' ', '/', '=', '?', '&'. RFC 6749 Appendix A.2 limits a
  // client secret to VSCHAR (%x20-7E), and oidc-provider enforces that, so no non-ASCII here.
  special: { clientId: "archival-service:special", clientSecret: "s3cr:t+%20 x/=?&~", authMethod: "client_secret_basic" },
  specialPost: { clientId: "archival-service:special-post", clientSecret: "s3cr:t+%20 x/=?&~", authMethod: "client_secret_post" },
};

/** Keycloak's default roles for a new realm's service account (see the seed token). */
const REALM_ROLES = ["default-roles-sivalabs", "offline_access", "uma_authorization"];
const ACCOUNT_ROLES = ["manage-account", "manage-account-links", "view-profile"];

let providerModule;

/** Imports oidc-provider once, without its "Unsupported runtime" notice on Node 20 (it works there). */
async function loadProvider() {
  if (!providerModule) {
    const warn = console.warn;
    console.warn = (...args) => {
      if (!String(args[0]).includes("oidc-provider WARNING: Unsupported runtime")) warn(...args);
    };
    try {
      providerModule = await import("oidc-provider");
    } finally {
      console.warn = warn;
    }
  }
  return providerModule;
}

/** A per-server in-memory adapter (oidc-provider's own one is process-wide and warns at start). */
function memoryAdapter() {
  const store = new Map();
  return class MemoryAdapter {
    constructor(name) {
      this.name = name;
    }
    key(id) {
      return `${this.name}:${id}`;
    }
    async upsert(id, payload, expiresIn) {
      store.set(this.key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Infinity });
    }
    async find(id) {
      const entry = store.get(this.key(id));
      if (!entry) return undefined;
      if (entry.expiresAt <= Date.now()) {
        store.delete(this.key(id));
        return undefined;
      }
      return entry.payload;
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid() {
      return undefined;
    }
    async consume(id) {
      const entry = store.get(this.key(id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) {
      store.delete(this.key(id));
    }
    async revokeByGrantId() {}
  };
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json;charset=UTF-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
    ...headers,
  });
  res.end(text);
}

/**
 * Starts the server and resolves once it listens.
 *
 * @param {object} [options]
 * @param {number} [options.port=0] 0 picks a free port.
 * @param {string} [options.host="127.0.0.1"] listen address (loopback only by default).
 * @param {string} [options.realm="sivalabs"]
 * @param {string} [options.issuerHost] host[:port] in the issuer; default `localhost:<port>`.
 * @param {string[]} [options.corsOrigins=[]] browser origins allowed at the token endpoint.
 * @param {number} [options.accessTokenTtl=300] seconds, Keycloak's default.
 * @param {Record<string, {clientId: string, clientSecret?: string, authMethod?: string, scope?: string, metadata?: object}>} [options.clients]
 *   extra clients, merged over the defaults by key; `metadata` is more oidc-provider client
 *   metadata (`jwks` for private_key_jwt, `dpop_bound_access_tokens`, ...).
 * @param {boolean} [options.dpopNonce=false] require a server-provided nonce in DPoP proofs (RFC 9449 §8).
 */
export async function startAuthServer({
  port = 0,
  host = "127.0.0.1",
  realm = "sivalabs",
  issuerHost,
  corsOrigins = [],
  accessTokenTtl = 300,
  clients = {},
  dpopNonce = false,
} = {}) {
  const { default: Provider, errors } = await loadProvider();
  const allClients = { ...DEFAULT_CLIENTS, ...clients };
  const allowedOrigins = new Set(corsOrigins);

  // Listen first: the issuer must carry the real port, and port 0 is only known afterwards.
  let handler = (_req, res) => sendJson(res, 503, { error: "temporarily_unavailable" });
  const server = http.createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 1000;
  const actualPort = await listen(server, port, host);

  const base = `/realms/${realm}`;
  const issuer = `http://${issuerHost ?? `localhost:${actualPort}`}${base}`;
  const tokenPath = `${base}/protocol/openid-connect/token`;
  const defaultResource = `${issuer}/account`;

  /** A new RS256 signing key, as a private JWK with its thumbprint as `kid`. */
  async function signingKey() {
    const { privateKey } = await generateKeyPair("RS256", { extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    jwk.alg = "RS256";
    jwk.use = "sig";
    return jwk;
  }
  // Signing keys, the current one first (oidc-provider signs with the first that fits).
  let signingKeys = [await signingKey()];

  const stats = { tokenRequests: 0, jwksRequests: 0, grants: [] };

  /** An oidc-provider for the current signing keys. */
  function makeProvider() {
    const provider = new Provider(issuer, {
      adapter: memoryAdapter(),
      jwks: { keys: signingKeys },
      clients: Object.values(allClients).map(({ clientId, clientSecret, authMethod = "client_secret_basic", scope, metadata }) => ({
        client_id: clientId,
        ...(clientSecret ? { client_secret: clientSecret } : {}),
        token_endpoint_auth_method: authMethod,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        ...(scope ? { scope } : {}),
        ...metadata,
      })),
      // Keycloak's endpoint paths, relative to the realm (the mount point).
      routes: {
        authorization: "/protocol/openid-connect/auth",
        token: "/protocol/openid-connect/token",
        introspection: "/protocol/openid-connect/token/introspect",
        jwks: "/protocol/openid-connect/certs",
        userinfo: "/protocol/openid-connect/userinfo",
        end_session: "/protocol/openid-connect/logout",
      },
      scopes: SCOPES,
      claims: { openid: ["sub"], profile: ["preferred_username"], email: ["email", "email_verified"] },
      clientAuthMethods: ["client_secret_basic", "client_secret_post", "private_key_jwt", "client_secret_jwt"],
      // Every algorithm WebCrypto signs with, for client assertions and DPoP proofs.
      enabledJWA: {
        clientAuthSigningAlgValues: ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "Ed25519", "EdDSA"],
        dPoPSigningAlgValues: ["ES256", "ES384", "ES512", "RS256", "PS256", "Ed25519", "EdDSA"],
      },
      features: {
        // DPoP (RFC 9449); with `dpopNonce`, every proof must carry the server's nonce.
        dPoP: dpopNonce ? { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true } : { enabled: true },
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        // RFC 7662, at Keycloak's path; a client may introspect any token, as Keycloak lets a confidential client.
        introspection: { enabled: true, allowedPolicy: async () => true },
        revocation: { enabled: false },
        resourceIndicators: {
          enabled: true,
          // Without a `resource` parameter, tokens are for the realm's account service,
          // which mirrors Keycloak's `aud: "account"`.
          defaultResource: async (_ctx, _client, oneOf) => oneOf ?? defaultResource,
          useGrantedResource: async () => true,
          // Any absolute URI names a resource server; every one takes JWT access tokens
          // (RFC 9068), but one whose URI ends in `/opaque` takes opaque ones (for introspection),
          // and accepts every known scope, so `scope` in the response echoes the
          // request. An unknown scope is refused with invalid_scope (RFC 6749 §5.2), as Keycloak does.
          getResourceServerInfo: async (ctx, resource) => {
            const unknown = String(ctx.oidc.params.scope ?? "").split(" ").filter((s) => s && !SCOPES.includes(s));
            if (unknown.length) throw new errors.InvalidScope(`Invalid scopes: ${unknown.join(" ")}`, unknown.join(" "));
            return {
              scope: SCOPES.join(" "),
              accessTokenFormat: resource.endsWith("/opaque") ? "opaque" : "jwt",
              accessTokenTTL: accessTokenTtl,
              jwt: { sign: { alg: "RS256" } },
            };
          },
        },
      },
      ttl: {
        AccessToken: accessTokenTtl,
        ClientCredentials: accessTokenTtl,
      },
      clientBasedCORS: (_ctx, origin) => allowedOrigins.has(origin),
      // Keycloak's service-account claims (see the seed token).
      extraTokenClaims: async (_ctx, token) => ({
        typ: "Bearer",
        azp: token.clientId,
        preferred_username: `service-account-${token.clientId}`,
        realm_access: { roles: REALM_ROLES },
        resource_access: { account: { roles: ACCOUNT_ROLES } },
        "allowed-origins": [...allowedOrigins],
        acr: "1",
        email_verified: false,
      }),
      cookies: { keys: [randomUUID()] },
      renderError: async (ctx, out) => {
        ctx.type = "json";
        ctx.body = out;
      },
    });

    provider.on("grant.success", (ctx) => {
      const { client, params } = ctx.oidc;
      stats.grants.push({
        clientId: client?.clientId,
        // Which credential the request carried, whatever the client is registered with
        // (oidc-provider, like Keycloak, accepts either secret method).
        authMethod: ctx.get("authorization") ? "client_secret_basic" : params.client_secret ? "client_secret_post" : params.client_assertion ? "jwt" : "none",
        dpop: ctx.get("dpop") || undefined,
        scope: params.scope,
        resource: params.resource,
        origin: ctx.get("origin") || undefined,
      });
    });
    // Server-side failures would otherwise be silent 500s.
    provider.on("server_error", (_ctx, err) => console.error("dev-auth-server:", err));
    return provider;
  }

  let provider = makeProvider();
  let callback = provider.callback();

  let failures = [];
  let closing;
  const rfc8414Path = `/.well-known/oauth-authorization-server${base}`;

  handler = (req, res) => {
    const path = req.url.split("?")[0];
    if (path === `${base}/protocol/openid-connect/certs`) stats.jwksRequests += 1;
    if (path === tokenPath && req.method === "POST") {
      stats.tokenRequests += 1;
      if (failures.length) {
        const { status, body } = failures.shift();
        const origin = req.headers.origin;
        req.resume();
        sendJson(res, status, body, origin && allowedOrigins.has(origin) ? { "access-control-allow-origin": origin, vary: "Origin" } : {});
        return;
      }
    }
    // RFC 8414 §3: the metadata of issuer `http://h/realms/x` lives at
    // `/.well-known/oauth-authorization-server/realms/x`; Keycloak also answers under the realm.
    if (path === rfc8414Path || path === `${base}/.well-known/oauth-authorization-server`) {
      req.url = `${base}/.well-known/openid-configuration`;
    }
    if (req.url === base || req.url.startsWith(`${base}/`) || req.url.startsWith(`${base}?`)) {
      // Mount oidc-provider under the realm path, as an Express/Koa mount would.
      req.originalUrl = req.url;
      req.url = req.url.slice(base.length) || "/";
      callback(req, res);
      return;
    }
    req.resume();
    sendJson(res, 404, { error: "not_found" });
  };

  const origin = `http://127.0.0.1:${actualPort}`;
  const publicClients = Object.fromEntries(
    Object.entries(allClients).map(([key, { clientId, clientSecret, authMethod = "client_secret_basic" }]) => [
      key,
      { clientId, clientSecret, authMethod },
    ]),
  );

  return {
    issuer,
    port: actualPort,
    /** The token endpoint on the loopback address the server listens on. */
    tokenUrl: `${origin}${tokenPath}`,
    /** The token endpoint under the issuer's host name (`localhost` by default). */
    issuerTokenUrl: `${issuer}/protocol/openid-connect/token`,
    jwksUri: `${origin}${base}/protocol/openid-connect/certs`,
    discoveryUrl: `${origin}${base}/.well-known/openid-configuration`,
    /** The introspection endpoint (RFC 7662) on the loopback address. */
    introspectionUrl: `${origin}${base}/protocol/openid-connect/token/introspect`,
    clients: publicClients,
    get provider() {
      return provider;
    },
    stats,
    /**
     * Key rotation: a new signing key, published first in the JWKS under a new `kid`; the
     * old one stays published, so tokens it signed still verify. Resolves to the new `kid`.
     */
    async rotateKeys() {
      signingKeys = [await signingKey(), ...signingKeys];
      provider = makeProvider();
      callback = provider.callback();
      return signingKeys[0].kid;
    },
    resetStats() {
      stats.jwksRequests = 0;
      stats.tokenRequests = 0;
      stats.grants.length = 0;
    },
    /** The next `n` token requests answer `status` with the JSON `body` instead of reaching oidc-provider. */
    failNext(n = 1, { status = 503, body = { error: "temporarily_unavailable", error_description: "injected failure" } } = {}) {
      failures = failures.concat(Array.from({ length: n }, () => ({ status, body })));
    },
    /** Stops listening and drops every connection, keep-alive ones included. Safe to call twice. */
    close() {
      failures = [];
      closing ??= new Promise((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function parseArgs(argv) {
  const args = { port: 9191, corsOrigins: [] };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split("=", 2);
    const value = () => inline ?? argv[++i];
    if (flag === "--port") args.port = Number(value());
    else if (flag === "--host") args.host = value();
    else if (flag === "--issuer-host") args.issuerHost = value();
    else if (flag === "--cors") args.corsOrigins.push(value());
    else if (flag === "--ttl") args.accessTokenTtl = Number(value());
    else {
      console.error(`unknown argument ${argv[i]}\nusage: node scripts/dev-auth-server.mjs [--port 9191] [--host 127.0.0.1] [--issuer-host localhost:9191] [--cors http://localhost:8282] [--ttl 300]`);
      process.exit(2);
    }
  }
  return args;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = parseArgs(process.argv.slice(2));
  if (!args.corsOrigins.length) args.corsOrigins.push("http://localhost:8282");
  const as = await startAuthServer(args);
  console.log(`issuer:     ${as.issuer}`);
  console.log(`token URL:  ${as.tokenUrl}`);
  console.log(`JWKS:       ${as.jwksUri}`);
  console.log(`discovery:  ${as.discoveryUrl}`);
  for (const [key, c] of Object.entries(as.clients)) {
    console.log(`client ${key.padEnd(12)} id=${JSON.stringify(c.clientId)} secret=${JSON.stringify(c.clientSecret)} (${c.authMethod})`);
  }
  const stop = () => as.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
