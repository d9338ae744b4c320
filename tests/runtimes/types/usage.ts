// Type-checked by tests/runtimes/types.test.mjs (tsc --strict, ESM, moduleResolution
// "bundler" and "nodenext"): every option, every error code, narrowing on `err.code`.
// Nothing here runs.
import {
  authorizeRequest,
  clientRoles,
  decodeJwt,
  fetchClientCredentialsToken,
  JwksClient,
  realmRoles,
  scopes,
  verifyJwt,
  type AuthorizeRequestOptions,
  type VerifyJwtOptions,
  TokenClient,
  cacheStore,
  kvStore,
  redisStore,
  type ClientAuthMethod,
  type SecretAuthMethod,
  type ClientCredentialsError,
  type ClientCredentialsOptions,
  type ClientCredentialsToken,
  type CustomFetch,
  type DecodedJwt,
  type ErrorCode,
  type JwtPayload,
  type TokenClientOptions,
  type TokenStore,
  introspectToken,
} from "client-credentials";
import { authorize as expressAuthorize, type AuthorizeOptions as FrameworkAuthorizeOptions } from "client-credentials/express";
import { authorize as fastifyAuthorize } from "client-credentials/fastify";
import { authorize as honoAuthorize, type Auth } from "client-credentials/hono";

const authMethod: SecretAuthMethod = "client_secret_post";
const anyMethod: ClientAuthMethod = "private_key_jwt";
void anyMethod;

// Every option, with the token endpoint given directly.
const byTokenUrl: ClientCredentialsOptions = {
  tokenUrl: "https://sso.example/realms/sivalabs/protocol/openid-connect/token",
  clientId: "archival-service",
  clientSecret: "secret",
  scope: ["openid", "profile"],
  authMethod,
  audience: "https://archive.example",
  resource: ["https://archive.example/api", "https://billing.example/api"],
  extraParams: { tenant: "acme", attempt: 1, debug: false },
  timeoutMs: 5_000,
  signal: AbortSignal.timeout(10_000),
  allowInsecureHttp: false,
  fetch: (url, init) => fetch(url, { ...init, keepalive: false }),
};

// The fetch option: the global fetch itself, a wrapper, or a test double.
const traced: CustomFetch = async (url: string, init: RequestInit) => {
  console.log(init.method, url);
  return fetch(url, init);
};
new TokenClient({ tokenUrl: "https://a/token", clientId: "c", clientSecret: "s", fetch });
new TokenClient({ tokenUrl: "https://a/token", clientId: "c", clientSecret: "s", fetch: traced });
new JwksClient({ jwksUri: "https://a/certs", fetch: async () => Response.json({ keys: [] }) });
// @ts-expect-error fetch is a function
new TokenClient({ tokenUrl: "https://a/token", clientId: "c", clientSecret: "s", fetch: "fetch" });
// @ts-expect-error it must resolve to a Response
new JwksClient({ jwksUri: "https://a/certs", fetch: async () => "{}" });

// ... and found by discovery from the issuer, with a string scope and resource.
const byIssuer: TokenClientOptions = {
  issuer: "https://sso.example/realms/sivalabs",
  clientId: "archival-service",
  clientSecret: "secret",
  scope: "openid profile",
  authMethod: "client_secret_basic",
  resource: "https://archive.example/api",
  refreshSkewSeconds: 30,
};

// @ts-expect-error tokenUrl and issuer exclude each other
const both: ClientCredentialsOptions = { tokenUrl: "https://a/token", issuer: "https://a", clientId: "a", clientSecret: "b" };
// @ts-expect-error clientSecret is required
const noSecret: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a" };
// @ts-expect-error private_key_jwt needs privateKey
const badMethod: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", clientSecret: "b", authMethod: "private_key_jwt" };
// @ts-expect-error an HMAC algorithm is for client_secret_jwt
const hmacKey: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", authMethod: "private_key_jwt", privateKey: "PEM", signingAlg: "HS256" };
// @ts-expect-error basicEncoding is for client_secret_basic's options only
const jwtRaw: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", clientSecret: "b", authMethod: "client_secret_jwt", basicEncoding: "raw" };
// @ts-expect-error dpop: true needs a TokenClient, which keeps the key
const dpopTrue: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", clientSecret: "b", dpop: true };
void [both, noSecret, badMethod, hmacKey, jwtRaw, dpopTrue];

// Key-based methods and DPoP.
declare const pair: CryptoKeyPair;
const signedJwt: TokenClientOptions = {
  issuer: "https://sso.example/realms/sivalabs",
  clientId: "archival-service",
  authMethod: "private_key_jwt",
  privateKey: pair.privateKey,
  keyId: "k1",
  signingAlg: "PS256",
  assertionAudience: "https://sso.example/realms/sivalabs",
  dpop: true,
};
const secretJwt: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", clientSecret: "b", authMethod: "client_secret_jwt", signingAlg: "HS512", dpop: pair };
const rawBasic: ClientCredentialsOptions = { tokenUrl: "https://a/token", clientId: "a", clientSecret: "b:c", basicEncoding: "raw" };
void [signedJwt, secretJwt, rawBasic];

/** Narrowing on `code` reaches each error's own properties; the switch is exhaustive. */
function explain(err: ClientCredentialsError): string {
  switch (err.code) {
    case "ERR_OAUTH":
      return `${err.status} ${err.error}: ${err.errorDescription ?? ""} ${err.errorUri ?? ""} ${err.retryAfter ?? ""} ${err.wwwAuthenticate ?? ""}`;
    case "ERR_HTTP":
      return `${err.status}: ${err.body} ${err.retryAfter ?? ""} ${err.wwwAuthenticate ?? ""}`;
    case "ERR_NETWORK":
      return `network: ${err.message} ${String(err.cause)}`;
    case "ERR_TIMEOUT":
    case "ERR_ABORTED":
    case "ERR_INVALID_RESPONSE":
    case "ERR_INVALID_OPTIONS":
    case "ERR_INVALID_JWT":
    case "ERR_JWT_ALG":
    case "ERR_JWT_SIGNATURE":
    case "ERR_JWKS_NO_KEY":
    case "ERR_STORE":
      // @ts-expect-error only ERR_OAUTH and ERR_HTTP carry a status
      return `${err.name} ${err.message} ${err.status}`;
    case "ERR_JWT_CLAIM":
    case "ERR_JWT_EXPIRED":
    case "ERR_JWT_NOT_YET_VALID":
    case "ERR_DPOP_PROOF":
      return `${err.claim}: ${err.message}`;
    default: {
      const unreachable: never = err;
      return unreachable;
    }
  }
}

const codes: ErrorCode[] = ["ERR_OAUTH", "ERR_HTTP", "ERR_NETWORK", "ERR_TIMEOUT", "ERR_ABORTED", "ERR_INVALID_RESPONSE", "ERR_INVALID_OPTIONS", "ERR_INVALID_JWT", "ERR_JWT_ALG", "ERR_JWT_SIGNATURE", "ERR_JWT_EXPIRED", "ERR_JWT_NOT_YET_VALID", "ERR_JWT_CLAIM", "ERR_JWKS_NO_KEY", "ERR_STORE"];

interface KeycloakClaims extends JwtPayload {
  azp?: string;
  realm_access?: { roles: string[] };
}

export async function main(): Promise<void> {
  try {
    const token: ClientCredentialsToken = await fetchClientCredentialsToken(byTokenUrl);
    const tokenType: "Bearer" | "DPoP" = token.tokenType;
    const expiresAt: number | undefined = token.expiresAt;
    const expiresIn: number | undefined = token.expiresIn;
    const scope: string | undefined = token.scope;
    const raw: string = token.raw.access_token;

    const decoded: DecodedJwt<KeycloakClaims> = decodeJwt<KeycloakClaims>(token.accessToken);
    const roles: string[] = decoded.payload.realm_access?.roles ?? [];
    const alg: string | undefined = decoded.header.alg;
    const aud: string | string[] | undefined = decoded.payload.aud;
    const signature: string = decoded.signature;
    void [tokenType, expiresAt, expiresIn, scope, raw, roles, alg, aud, signature];

    const client = new TokenClient(byIssuer);
    const cached = await client.getToken();
    // @ts-expect-error the cached token is frozen
    cached.accessToken = "changed";
    const res: Response = await client.fetch("https://archive.example/api/archives", { method: "GET" });
    await client.fetch(new URL("https://archive.example/api/archives"));
    await client.fetch(new Request("https://archive.example/api/archives"));
    client.invalidate();
    client.free();
    void res;
  } catch (err) {
    // What the package throws is a ClientCredentialsError; narrow on `code`.
    const e = err as ClientCredentialsError;
    if (e.name === "ClientCredentialsError" && codes.includes(e.code)) console.log(explain(e));
    if (e.code === "ERR_OAUTH" && e.error === "invalid_client") console.log("wrong id, secret or authMethod");
  }
}

// Verification: a JwksClient from the issuer, verifyJwt, the role helpers and authorizeRequest.
export async function resourceServer(request: Request): Promise<Response> {
  const jwks = new JwksClient({ issuer: "https://sso.example/realms/sivalabs", cooldownSeconds: 30, maxAgeSeconds: 600, timeoutMs: 5_000 });
  const byUri = new JwksClient({ jwksUri: "https://sso.example/realms/sivalabs/protocol/openid-connect/certs" });
  // @ts-expect-error issuer or jwksUri, not both
  new JwksClient({ issuer: "https://a", jwksUri: "https://a/certs" });
  // The key set shared through a store, as TokenClient's token.
  const shared = new JwksClient({ issuer: "https://a", store: cacheStore(await caches.open("jwks")), onStoreError: (e: ClientCredentialsError) => console.warn(e.code), storeTimeoutMs: 500 });
  // @ts-expect-error a store has get, set and delete
  new JwksClient({ issuer: "https://a", store: { get: async () => undefined } });
  void shared;
  const options: VerifyJwtOptions = { jwks, issuer: "https://sso.example/realms/sivalabs", audience: ["archive-api"], algorithms: ["RS256", "EdDSA"], clockToleranceSeconds: 30, typ: "at+jwt", authorizedParty: "archival-service", currentDate: new Date() };
  // @ts-expect-error audience is required (false to skip it)
  const noAudience: VerifyJwtOptions = { jwks, issuer: "https://a" };
  // @ts-expect-error not an algorithm
  const badAlg: VerifyJwtOptions = { jwks, issuer: "https://a", audience: false, algorithms: ["none"] };
  const cached: VerifyJwtOptions = { ...options, tokenCache: { maxEntries: 5000 } };
  const uncached: VerifyJwtOptions = { ...options, tokenCache: false };
  // @ts-expect-error tokenCache is false or { maxEntries }
  const badCache: VerifyJwtOptions = { ...options, tokenCache: 100 };
  void [byUri, noAudience, badAlg, cached, uncached, badCache];
  const { header, payload } = await verifyJwt<KeycloakClaims>("token", options);
  const alg: string = header.alg;
  const roles: string[] = [...realmRoles(payload), ...clientRoles(payload, "archive-api"), ...scopes(payload)];
  await verifyJwt("token", { jwks: { keys: [{ kty: "RSA", n: "...", e: "AQAB" }] }, issuer: "https://a", audience: false });
  void [alg, roles];
  const authz: AuthorizeRequestOptions = { ...options, realmRoles: ["archiver"], clientRoles: { "archive-api": ["reader"] }, scopes: ["archive:read"] };
  const result = await authorizeRequest(request, authz);
  if (!result.ok) return result.response;
  const subject: string | undefined = result.payload.sub;
  return new Response(subject ?? "");
}
// A shared store: the adapters, or your own object.
declare const ioredisLike: { call(...args: unknown[]): Promise<unknown> };
declare const nodeRedisLike: { sendCommand(args: string[]): Promise<unknown> };
declare const kv: { get(key: string): Promise<string | null>; put(key: string, value: string, options: { expirationTtl: number }): Promise<void>; delete(key: string): Promise<void> };
declare const cache: { match(request: string): Promise<Response | undefined>; put(request: string, response: Response): Promise<void>; delete(request: string): Promise<boolean> };
const own: TokenStore = {
  get: async (key) => (key === "" ? null : "value"),
  set: async (_key, _value, { ttlSeconds }) => ttlSeconds,
  delete: async () => undefined,
  lock: async (_key, ttlMs) => ttlMs > 0,
  unlock: async () => undefined,
};
for (const store of [redisStore(ioredisLike, { prefix: "cc:" }), redisStore(nodeRedisLike), kvStore(kv), cacheStore(cache), own]) {
  new TokenClient({
    ...byIssuer,
    store,
    storeSecret: "a-shared-store-secret-0123456789",
    storeTimeoutMs: 500,
    onStoreError: (err) => {
      const code: ErrorCode = err.code;
      return code;
    },
  });
}
// @ts-expect-error a store needs get, set and delete
new TokenClient({ ...byIssuer, store: { get: async () => null } });

// Introspection (RFC 7662), alone and in authorizeRequest.
export async function introspection(request: Request): Promise<Response> {
  const answer = await introspectToken<KeycloakClaims>("opaque", { issuer: "https://sso.example/realms/sivalabs", clientId: "archive-api", clientSecret: "s" });
  if (answer.active) {
    const roles: string[] = realmRoles(answer);
    void roles;
  }
  await introspectToken("t", { introspectionEndpoint: "https://sso.example/introspect", clientId: "archive-api", authMethod: "private_key_jwt", privateKey: "-----BEGIN PRIVATE KEY-----" });
  // @ts-expect-error introspectionEndpoint or issuer, not both
  await introspectToken("t", { introspectionEndpoint: "https://a/i", issuer: "https://a", clientId: "x", clientSecret: "s" });
  const result = await authorizeRequest(request, {
    jwks: new JwksClient({ issuer: "https://a" }),
    issuer: "https://a",
    audience: "archive-api",
    introspection: { clientId: "archive-api", clientSecret: "s", cacheSeconds: 60, always: true },
  });
  if (!result.ok) return result.status === 503 ? new Response(result.cause?.code ?? "") : result.response;
  const active: boolean | undefined = result.active?.active;
  return new Response(String(active));
}

// The framework adapters: the same options, plus publicUrl; jwks may be left out.
const frameworkOptions: FrameworkAuthorizeOptions = { issuer: "https://a", audience: "archive-api", clientRoles: { "archive-api": ["archives:read"] }, publicUrl: "https://api.example" };
const expressMiddleware = expressAuthorize(frameworkOptions);
const fastifyHook = fastifyAuthorize(frameworkOptions);
const honoMiddleware = honoAuthorize<KeycloakClaims>({ ...frameworkOptions, introspection: { clientId: "archive-api", clientSecret: "s" } });
declare const seen: Auth<KeycloakClaims>;
const azp: string | undefined = seen.payload.azp;
// @ts-expect-error audience is required, as for authorizeRequest
expressAuthorize({ issuer: "https://a" });
void [expressMiddleware, fastifyHook, honoMiddleware, azp];
