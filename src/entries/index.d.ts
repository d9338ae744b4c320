/**
 * client-credentials: OAuth 2.0 Client Credentials tokens (RFC 6749 §4.4)
 * and JWT decoding, in Rust compiled to WebAssembly.
 */

/**
 * How the client authenticates at the token endpoint: with its secret (RFC 6749 §2.3.1), or with
 * a signed JWT (RFC 7523; OpenID Connect Core §9).
 */
export type ClientAuthMethod = SecretAuthMethod | "private_key_jwt" | "client_secret_jwt";

/** The two methods that send the client secret itself. */
export type SecretAuthMethod = "client_secret_basic" | "client_secret_post";

/** JWS algorithms a private key signs with (RFC 7518 §3, RFC 8037). */
export type AsymmetricAlgorithm = "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" | "ES256" | "ES384" | "ES512" | "EdDSA";

/** JWS algorithms of `client_secret_jwt`, keyed with the client secret (RFC 7518 §3.2). */
export type HmacAlgorithm = "HS256" | "HS384" | "HS512";

/** The client secret, sent in a header or the form body. */
export interface SecretAuthOptions {
  clientSecret: string;
  /** `client_secret_basic` (the default: an `Authorization: Basic` header) or `client_secret_post` (in the form body). */
  authMethod?: SecretAuthMethod;
  /**
   * How `client_secret_basic` writes the id and secret in the header: `"form"` (the default,
   * form-encoded first as RFC 6749 §2.3.1 says) or `"raw"` (as they are, for servers that don't
   * URL-decode Basic credentials, such as Glewlwyd).
   */
  basicEncoding?: "form" | "raw";
}

/** `private_key_jwt` (Keycloak: "Signed JWT"): a new assertion signed with the private key for every request. */
export interface PrivateKeyJwtOptions {
  authMethod: "private_key_jwt";
  /**
   * A private `CryptoKey` that may sign, a private JWK, or a PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
   * Imported once per client, non-extractable. A key that is not private or doesn't fit `signingAlg`
   * rejects with `ERR_INVALID_OPTIONS` before any request.
   */
  privateKey: CryptoKey | JsonWebKey | string;
  /** The assertion's `kid`; default the JWK's `kid`. */
  keyId?: string;
  /** Default from the key: RSA → RS256, P-256 → ES256, P-384 → ES384, P-521 → ES512, Ed25519 → EdDSA. */
  signingAlg?: AsymmetricAlgorithm;
  /** The assertion's `aud`; default the issuer when known (the `issuer` option), else the token endpoint URL. */
  assertionAudience?: string;
  clientSecret?: undefined;
}

/** `client_secret_jwt` (Keycloak: "Signed JWT with client secret"): the secret keys an HMAC and never crosses the network. */
export interface ClientSecretJwtOptions {
  authMethod: "client_secret_jwt";
  clientSecret: string;
  /** Default HS256. */
  signingAlg?: HmacAlgorithm;
  /** The assertion's `aud`; default the issuer when known (the `issuer` option), else the token endpoint URL. */
  assertionAudience?: string;
}

/** The client authentication options: one of the three shapes, chosen by `authMethod`. */
export type ClientAuthOptions = SecretAuthOptions | PrivateKeyJwtOptions | ClientSecretJwtOptions;

/**
 * A `fetch` the library sends with instead of the global one: for a proxy (undici's `ProxyAgent`
 * as `dispatcher`), mTLS (an undici `Agent` with `connect: { cert, key }`), tracing or a test
 * double. It is called with the URL as a string and a plain init (`method`, `headers` as an object,
 * `body`, `redirect`, `signal`), as the global `fetch` would be, and must resolve to a `Response`.
 * It replaces only the transport: URLs are still checked first (https, or http to loopback),
 * credentials never follow a redirect (`redirect: "manual"`, a 3xx is handled by the library),
 * `timeoutMs` and `signal` still apply, and the body is still refused past 256 KB.
 */
export type CustomFetch = (url: string, init: RequestInit) => Promise<Response>;

/** Options every token request takes, whichever way it finds the token endpoint. */
interface CommonOptions {
  /** The client's id at the authorization server (Keycloak: the Client ID). */
  clientId: string;
  /** Scopes: a space-separated string or an array of scope tokens. */
  scope?: string | readonly string[];
  /** The `audience` parameter (Auth0, RFC 8693). */
  audience?: string;
  /** RFC 8707 resource indicators, sent as one `resource` parameter each. */
  resource?: string | readonly string[];
  /** More form parameters. They may not replace the ones the options above set. */
  extraParams?: Readonly<Record<string, string | number | boolean>>;
  /** Limit for the whole exchange, body included, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Aborts the request; the promise then rejects with `ERR_ABORTED`. */
  signal?: AbortSignal;
  /**
   * Sends every request (discovery, the token request and, for `TokenClient`, `client.fetch`'s API
   * calls) instead of the global `fetch`. Not a function: `ERR_INVALID_OPTIONS`.
   */
  fetch?: CustomFetch;
  /** Allow plain http to a non-loopback host. The secret then crosses the network unencrypted. */
  allowInsecureHttp?: boolean;
}

/** Options with the token endpoint given directly. */
export interface TokenUrlOptions extends CommonOptions {
  /** The token endpoint, e.g. `https://sso.example/realms/sivalabs/protocol/openid-connect/token`. https, or http to a loopback host. */
  tokenUrl: string;
  issuer?: undefined;
}

/** Options with the token endpoint found by discovery from the issuer. */
export interface IssuerOptions extends CommonOptions {
  /**
   * The issuer, e.g. `https://sso.example/realms/sivalabs`. Its metadata is read from
   * `{issuer}/.well-known/openid-configuration`, falling back to RFC 8414's
   * `/.well-known/oauth-authorization-server`; its `issuer` must equal this value exactly.
   */
  issuer: string;
  tokenUrl?: undefined;
}

/** Options of {@link fetchClientCredentialsToken}: where the token endpoint is, how the client authenticates, what it asks for. */
export type ClientCredentialsOptions = (TokenUrlOptions | IssuerOptions) &
  ClientAuthOptions & {
    /**
     * DPoP (RFC 9449): a key pair whose proof goes with the request, binding the token to it
     * (`tokenType: "DPoP"`). Keep the pair to use the token.
     */
    dpop?: CryptoKeyPair;
  };

/** Options of {@link TokenClient}: those of {@link fetchClientCredentialsToken}, plus the cache, DPoP and the shared store. */
export type TokenClientOptions = (TokenUrlOptions | IssuerOptions) &
  ClientAuthOptions & {
    /**
     * Refresh this many seconds before expiry. Default 60 (as Spring Security), capped at half the
     * token's lifetime so short-lived tokens are still reused. From then on (the advisory window)
     * `getToken()` still returns the cached token at once, while one background request replaces it.
     * 0 to 86400. See docs/outages.md.
     */
    refreshSkewSeconds?: number;
    /**
     * A token is never handed out with less than this many seconds left (capped at the skew as
     * capped). Past that point (the mandatory window) `getToken()` waits for a token request, and
     * only then does a failure reach the caller. Default 10; 0 to 86400.
     */
    minValiditySeconds?: number;
    /**
     * Hears each failed background refresh (the cached token stays in use; the next attempt waits 1 s
     * doubling to 30 s with full jitter, or the server's `Retry-After`; `invalid_client` and
     * `unauthorized_client` are not retried in the background). If the token then runs out, the
     * caller's error has the last such error as `cause`. A handler that throws changes nothing.
     */
    onRefreshError?: (error: ClientCredentialsError) => void;
    /**
     * Cloudflare Workers: background work is handed to this, so it outlives the request that
     * started it: `waitUntil` from `cloudflare:workers`, or `ctx.waitUntil.bind(ctx)`. Without it,
     * in workerd the refresh runs inside the request that needs it (which then waits for it, and
     * gets the cached token if it fails).
     */
    waitUntil?: (promise: Promise<unknown>) => void;
    /**
     * DPoP (RFC 9449): `true` makes an ES256 key pair (private key non-extractable) that lives as
     * long as the client; or your own pair. Every token request and every `client.fetch` carries a
     * proof; a server's `use_dpop_nonce` is answered once with its nonce, which is kept.
     */
    dpop?: true | CryptoKeyPair;
    /**
     * Share the token between instances (pods, processes, Worker isolates): memory first, then this
     * store, then the authorization server. The entry is encrypted (AES-256-GCM, key by HKDF-SHA-256
     * from the client secret or `storeSecret`); its key holds no secret.
     */
    store?: TokenStore;
    /** The secret the shared entry is encrypted under, the same on every instance; at least 16 characters. Defaults to `clientSecret`. */
    storeSecret?: string;
    /** Hears every store failure (code `ERR_STORE`, the store's own error as `cause`); `getToken()` never fails for one. */
    onStoreError?: (error: ClientCredentialsError) => void;
    /** A store call slower than this counts as failed, in milliseconds. Default 1000. */
    storeTimeoutMs?: number;
  };

/**
 * Where `TokenClient` shares a token: `redisStore(client)`, `kvStore(namespace)`, `cacheStore(cache)`
 * or your own. Values are opaque strings. With `lock` and `unlock` (atomic, such as Redis `SET NX PX`),
 * one instance requests the token while the others wait for it in the store.
 */
export interface TokenStore {
  /** The value stored under `key`, or `null`/`undefined` when there is none. */
  get(key: string): Promise<string | null | undefined>;
  /** Stores `value` under `key` for `ttlSeconds`. */
  set(key: string, value: string, options: { ttlSeconds: number }): Promise<unknown>;
  /** Removes `key`. */
  delete(key: string): Promise<unknown>;
  /** Takes the lock named by `key` for `ttlMs`: true if this caller got it. */
  lock?(key: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock named by `key`. */
  unlock?(key: string): Promise<unknown>;
}

/** Options of {@link redisStore}, {@link kvStore} and {@link cacheStore}. */
export interface StoreAdapterOptions {
  /** Prefix for every key. Default `"client-credentials:"`. */
  prefix?: string;
}

/**
 * A store on a connected Redis client, node-redis (v4, v5) or ioredis (duck-typed: no dependency).
 * It has a lock, `SET NX PX`.
 */
export function redisStore(
  client: { call(...args: unknown[]): Promise<unknown> } | { sendCommand(args: string[]): Promise<unknown> },
  options?: StoreAdapterOptions,
): TokenStore;

/** A store on a Cloudflare Workers KV namespace. KV has no lock: instances starting at once each request a token. */
export function kvStore(
  namespace: {
    get(key: string): Promise<string | null>;
    put(key: string, value: string, options: { expirationTtl: number }): Promise<unknown>;
    delete(key: string): Promise<unknown>;
  },
  options?: StoreAdapterOptions,
): TokenStore;

/** A store on a Cache API cache, such as `caches.default` in Workers: per data center, no lock. */
export function cacheStore(
  cache: {
    match(request: string): Promise<Response | undefined>;
    put(request: string, response: Response): Promise<unknown>;
    delete(request: string): Promise<boolean>;
  },
  options?: StoreAdapterOptions,
): TokenStore;

/** The JSON object a token endpoint returns (RFC 6749 §5.1), as sent. */
export interface TokenResponseJson {
  access_token: string;
  token_type: string;
  expires_in?: number | string;
  scope?: string;
  [member: string]: unknown;
}

/** An access token and what the server said about it (RFC 6749 §5.1), as {@link fetchClientCredentialsToken} and {@link TokenClient.getToken} resolve. */
export interface ClientCredentialsToken {
  accessToken: string;
  /** `"Bearer"`, or `"DPoP"` for a token bound to the `dpop` key; the server's spelling is compared case-insensitively. */
  tokenType: "Bearer" | "DPoP";
  /** Lifetime in seconds, when the server sent `expires_in`. */
  expiresIn: number | undefined;
  /** Epoch milliseconds by the local clock when the response arrived, plus `expiresIn`. */
  expiresAt: number | undefined;
  /** The granted scope, when the server sent one. */
  scope: string | undefined;
  /** Every member of the response exactly as the server sent it. */
  raw: TokenResponseJson;
}

/** A JSON value, as a decoded JWT holds. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** A JWT's JOSE header (RFC 7515 §4). */
export interface JwtHeader {
  alg?: string;
  typ?: string;
  kid?: string;
  [parameter: string]: JsonValue | undefined;
}

/** A JWT's claims (RFC 7519 §4); Keycloak adds `azp`, `realm_access`, `resource_access`, `scope`. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  [claim: string]: JsonValue | undefined;
}

/** What {@link decodeJwt} returns: the header and payload as read, not verified. */
export interface DecodedJwt<P extends JwtPayload = JwtPayload> {
  header: JwtHeader;
  payload: P;
  /** The signature segment, base64url, not verified. */
  signature: string;
}

/** Every `code` a ClientCredentialsError can have. */
export type ErrorCode =
  | "ERR_OAUTH"
  | "ERR_HTTP"
  | "ERR_NETWORK"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_INVALID_RESPONSE"
  | "ERR_INVALID_OPTIONS"
  | "ERR_INVALID_JWT"
  | "ERR_JWT_ALG"
  | "ERR_JWT_SIGNATURE"
  | "ERR_JWT_EXPIRED"
  | "ERR_JWT_NOT_YET_VALID"
  | "ERR_JWT_CLAIM"
  | "ERR_JWKS_NO_KEY"
  /** A DPoP proof refused (`claim` names the check); `authorizeRequest` answers it as 401 `invalid_dpop_proof` rather than rejecting. */
  | "ERR_DPOP_PROOF"
  | "ERR_STORE";

/** What every error of this package has: `name` is `"ClientCredentialsError"`. */
interface ErrorBase extends Error {
  name: "ClientCredentialsError";
}

/** The server answered with an RFC 6749 §5.2 error body. */
export interface OAuthError extends ErrorBase {
  code: "ERR_OAUTH";
  error: string;
  errorDescription: string | undefined;
  errorUri: string | undefined;
  status: number;
  retryAfter: string | undefined;
  wwwAuthenticate: string | undefined;
}

/** A non-2xx answer without an OAuth error body. */
export interface HttpError extends ErrorBase {
  code: "ERR_HTTP";
  status: number;
  /** A short excerpt of the body. */
  body: string;
  retryAfter: string | undefined;
  wwwAuthenticate: string | undefined;
}

/** An error whose `code` and message say all there is (no extra properties). */
export interface PlainError extends ErrorBase {
  code: Exclude<ErrorCode, "ERR_OAUTH" | "ERR_HTTP" | "ERR_JWT_CLAIM" | "ERR_JWT_EXPIRED" | "ERR_JWT_NOT_YET_VALID" | "ERR_DPOP_PROOF">;
}

/** A claim (or the header's `typ`) is missing or wrong, or a time claim failed; or a DPoP proof's check failed. */
export interface JwtClaimError extends ErrorBase {
  code: "ERR_JWT_CLAIM" | "ERR_JWT_EXPIRED" | "ERR_JWT_NOT_YET_VALID" | "ERR_DPOP_PROOF";
  /**
   * The claim: `iss`, `aud`, `azp`, `typ`, `exp`, `nbf` or `iat`; for `ERR_DPOP_PROOF` the proof's check: `proof`, `typ`,
   * `alg`, `jwk`, `signature`, `jti`, `htm`, `htu`, `iat`, `ath`, `jkt` or `nonce`.
   */
  claim: string;
}

/** What every function of this package throws or rejects with. Narrow on `code`. */
export type ClientCredentialsError = OAuthError | HttpError | JwtClaimError | PlainError;

/**
 * The class of every error this package throws, the same in every entry
 * (`client-credentials`, `/decode`, `/verify`, `/client`): `err instanceof
 * ClientCredentialsError` holds whichever entry threw, in ESM and CommonJS,
 * and narrows `err` to the union above. Errors are made by the package,
 * not by callers.
 */
export declare const ClientCredentialsError: {
  readonly prototype: ClientCredentialsError;
  /** `err instanceof ClientCredentialsError`: true for an error of this package, from any entry. */
  [Symbol.hasInstance](value: unknown): value is ClientCredentialsError;
};

/**
 * Requests an access token with the Client Credentials grant (RFC 6749 §4.4).
 * Rejects with a {@link ClientCredentialsError}.
 */
export function fetchClientCredentialsToken(options: ClientCredentialsOptions): Promise<ClientCredentialsToken>;

/**
 * A cached, single-flight token source.
 *
 * - A token is used as it is until `expiresAt - skew`; then handed out at once while one background
 *   request replaces it (a failed one is retried with backoff, the token kept) until
 *   `expiresAt - minValiditySeconds`; past that the caller waits for a request. Without `expires_in`
 *   it is reused until `invalidate()` (or a 401 seen by `fetch`). See docs/outages.md.
 * - Concurrent `getToken()` calls share one request; a failure reaches every waiter and is not cached.
 * - The issuer's metadata, when `issuer` is used, is read once and kept for the client's lifetime.
 */
export class TokenClient {
  /** Checks the options at once (`ERR_INVALID_OPTIONS`); no request is made before the first {@link TokenClient.getToken}. */
  constructor(options: TokenClientOptions);
  /**
   * A token with at least `minValiditySeconds` left: cached (in the advisory window too, at once),
   * in flight, or newly requested. The result object is frozen. A failure once the token ran out
   * has the last background refresh's error as `cause`.
   */
  getToken(): Promise<Readonly<ClientCredentialsToken>>;
  /**
   * `fetch` (the `fetch` option, else the global one) with `Authorization: Bearer <token>` added (for a DPoP token, `Authorization:
   * DPoP <token>` and a proof with `ath`, answering an API's `use_dpop_nonce` 401 once). On a 401 it gets a new token and
   * retries once, when the body can be replayed (not a stream). Redirects are followed only within
   * the origin of `input` and only without a body; others are returned unfollowed.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** Forgets the cached token. */
  invalidate(): void;
  /** Frees the wasm memory of this client. */
  free(): void;
}

/**
 * Decodes a compact JWS JWT. It does NOT verify the signature: never trust
 * the claims of a token you did not obtain yourself from a trusted server.
 * Throws a {@link ClientCredentialsError} with code `ERR_INVALID_JWT`.
 */
export function decodeJwt<P extends JwtPayload = JwtPayload>(token: string): DecodedJwt<P>;

/** A JSON Web Key (RFC 7517), as a JWKS endpoint serves it. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  [parameter: string]: JsonValue | undefined;
}

/** A JSON Web Key Set (RFC 7517 §5). */
export interface JwkSet {
  keys: Jwk[];
}

/** The algorithms `verifyJwt` can check. */
export type JwsAlgorithm =
  | "RS256" | "RS384" | "RS512"
  | "PS256" | "PS384" | "PS512"
  | "ES256" | "ES384" | "ES512"
  | "EdDSA"
  | "HS256" | "HS384" | "HS512";

/** Options of {@link JwksClient} besides where the keys are. */
export interface JwksClientOptionsBase {
  /** Fetch again for an unknown `kid` at most once per this many seconds. Default 30. */
  cooldownSeconds?: number;
  /** Fetch again after this many seconds: in the background, while the cached keys stay in use. Default 600. */
  maxAgeSeconds?: number;
  /**
   * When a refetch fails, the cached keys stay in use until they are this many seconds old
   * (since they were fetched); past that, verification waits for a fetch and fails with its error.
   * Default 86400; from `maxAgeSeconds` to 2592000 (30 days).
   */
  maxStaleSeconds?: number;
  /** Hears each failed refetch (the keys stay in use; the next background attempt waits for a backoff). */
  onRefreshError?: (error: ClientCredentialsError) => void;
  /** Cloudflare Workers: the background refetch is handed to this (see `TokenClientOptions.waitUntil`). */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Limit for each request (discovery, key set), in milliseconds. Default 5000. */
  timeoutMs?: number;
  /** Aborts the client's requests. */
  signal?: AbortSignal;
  /** Sends the discovery and key set requests instead of the global `fetch` (see `CustomFetch`). */
  fetch?: CustomFetch;
  /** Allow plain http to a non-loopback host. */
  allowInsecureHttp?: boolean;
  /**
   * Shares the key set with other instances (the same adapters as `TokenClient`): memory, then the
   * store, then the issuer. The entry (public keys, not encrypted) lives `maxAgeSeconds`; one that is
   * malformed, for another key set, truncated or expired is ignored and replaced. An unknown `kid`
   * goes to the issuer (within the cooldown) and overwrites the shared copy.
   */
  store?: TokenStore;
  /** Hears every store failure (code `ERR_STORE`, the store's own error as `cause`); verification never fails for one. */
  onStoreError?: (error: ClientCredentialsError) => void;
  /** A store call slower than this counts as failed, in milliseconds. Default 1000. */
  storeTimeoutMs?: number;
}

/** Options of {@link JwksClient}: the key set's URL (`jwksUri`) or the `issuer` whose metadata names it. */
export type JwksClientOptions = JwksClientOptionsBase &
  (
    | { /** The issuer, whose metadata names `jwks_uri`; its `issuer` must equal this exactly. */ issuer: string; jwksUri?: undefined }
    | { /** The key set's URL, e.g. `https://sso.example/realms/sivalabs/protocol/openid-connect/certs`. */ jwksUri: string; issuer?: undefined }
  );

/**
 * A remote key set, cached, with a single shared fetch. Keys are fetched again after
 * `maxAgeSeconds` (in the background, the cached keys serving meanwhile), and for an unknown `kid`
 * at most once per `cooldownSeconds`. A failed fetch is not cached; keys already known stay in use
 * up to `maxStaleSeconds`. An unknown `kid` while the issuer is down fails with `ERR_JWKS_NO_KEY`,
 * the fetch's error as `cause`. See docs/outages.md.
 */
export class JwksClient {
  /** Checks the options at once (`ERR_INVALID_OPTIONS`); the keys are fetched on first use. */
  constructor(options: JwksClientOptions);
  /** The key set's URL, once known. */
  readonly jwksUri: string | undefined;
  /** Fetches the key set now (or joins the fetch in flight). */
  reload(): Promise<void>;
  /** Frees the wasm memory of this client. */
  free(): void;
}

/** Options of {@link verifyJwt}: the keys, and the claims the token must have. */
export interface VerifyJwtOptions {
  /** A JwksClient, or a JWK Set object. Pass this or `key`. */
  jwks?: JwksClient | JwkSet;
  /** A CryptoKey or a JWK object. Pass this or `jwks`. */
  key?: CryptoKey | Jwk;
  /** The exact `iss` to accept. */
  issuer: string;
  /** Any one of these must be in `aud`; `false` skips the check, explicitly. */
  audience: string | readonly string[] | false;
  /** Default: every asymmetric algorithm. HS256/384/512 only when listed, with a secret key. */
  algorithms?: readonly JwsAlgorithm[];
  /** Default 30. */
  clockToleranceSeconds?: number;
  /** Refuse tokens whose `iat` is older than this. */
  maxTokenAgeSeconds?: number;
  /** Require this header `typ` (e.g. `"at+jwt"`, RFC 9068). */
  typ?: string;
  /** Require this `azp`. */
  authorizedParty?: string;
  /** The time to check against, for tests. */
  currentDate?: Date;
  /**
   * The verified-token cache of these options (same issuer, audience, algorithms and other
   * checks): a token whose signature and claims passed is kept, and the same token again is
   * answered without checking its signature, while `exp`, `nbf`, `iat` and `maxTokenAgeSeconds`
   * still hold at the current time and the key that verified it is still in the key set.
   * Default `{ maxEntries: 1000 }`, least recently used out; `false` checks every token in full.
   * A result from the cache is shared between callers and frozen. `authorizeRequest` uses it
   * for the access token; DPoP proofs are always checked in full.
   */
  tokenCache?: { maxEntries?: number } | false;
}

/** What {@link verifyJwt} resolves to once the signature and the claims are checked. */
export interface VerifiedJwt<P extends JwtPayload = JwtPayload> {
  header: JwtHeader & { alg: JwsAlgorithm };
  payload: P;
}

/**
 * Verifies a JWS JWT: structure, header, key, signature, then claims (`iss` exactly, `aud`,
 * `exp` required, `nbf`, `iat`). Rejects with a {@link ClientCredentialsError}: `ERR_INVALID_JWT`,
 * `ERR_JWT_ALG`, `ERR_JWT_SIGNATURE`, `ERR_JWT_EXPIRED`, `ERR_JWT_NOT_YET_VALID`, `ERR_JWT_CLAIM`
 * (with `claim`), `ERR_JWKS_NO_KEY`, `ERR_INVALID_OPTIONS`, or a transport error of the key set.
 */
export function verifyJwt<P extends JwtPayload = JwtPayload>(token: string, options: VerifyJwtOptions): Promise<VerifiedJwt<P>>;

/** Realm roles of a Keycloak token (`realm_access.roles`); `[]` if absent or malformed. */
export function realmRoles(payload: JwtPayload): string[];
/** Roles of a Keycloak token for one client (`resource_access[client].roles`); `[]` if absent. */
export function clientRoles(payload: JwtPayload, client: string): string[];
/** Scopes of a token: `scope` (space-separated) or `scp` (an array); `[]` if absent. */
export function scopes(payload: JwtPayload): string[];

/** Options of {@link authorizeRequest}: those of {@link verifyJwt}, plus the roles, scopes and DPoP rules the request must meet. */
export interface AuthorizeRequestOptions extends VerifyJwtOptions {
  /** Realm roles the token must all have. */
  realmRoles?: readonly string[];
  /** Client roles the token must all have, per client: `{ "archive-api": ["reader"] }`. */
  clientRoles?: Readonly<Record<string, readonly string[]>>;
  /** Scopes the token must all have. */
  scopes?: readonly string[];
  /** The `realm` of the `WWW-Authenticate` challenge (RFC 6750 §3): names the protection space. */
  realm?: string;
  /**
   * DPoP proofs (RFC 9449 §4.3), for tokens bound to a key (`cnf.jkt`): `maxAgeSeconds` is how old a
   * proof's `iat` may be, 1 to 3600, default 60 (plus `clockToleranceSeconds`; ahead of the clock
   * only `clockToleranceSeconds`). `nonce` (RFC 9449 §9): required in every proof; a proof without it gets 401
   * `use_dpop_nonce` with a `DPoP-Nonce` header. An accepted proof is refused if sent again (its `htu` and `jti`).
   */
  dpop?: { maxAgeSeconds?: number; nonce?: string };
  /**
   * Token introspection (RFC 7662): a token that is not a JWT (an opaque one), or every token with `always`
   * (Keycloak's lightweight access tokens, or to see revocations), is checked by asking the authorization server.
   * Without `issuer` or `introspectionEndpoint` of its own, it asks `issuer`. An inactive token gets 401
   * `invalid_token`; an active answer's claims are checked as a JWT's (`iss`, `aud`, `azp`, times), then the roles
   * and scopes. Active answers are kept up to `min(exp, cacheSeconds)`.
   */
  introspection?: IntrospectionSettings;
}

/** `authorizeRequest`'s `introspection` option. */
export type IntrospectionSettings = { introspectionEndpoint?: string; issuer?: string } & IntrospectCommonOptions &
  ClientAuthOptions & {
    /** Seconds an active answer stands in for asking again, 0 to 3600, default 60: a revoked token is refused at most this late. */
    cacheSeconds?: number;
    /** Introspect every token, a JWT too; default only tokens that are not JWTs. */
    always?: boolean;
  };

/** What every introspection request takes besides the endpoint and the client's authentication. */
interface IntrospectCommonOptions {
  /** The resource server's own client at the authorization server (Keycloak: a confidential client). */
  clientId: string;
  /** Limit for the whole exchange, body included, in milliseconds. Default 10000. */
  timeoutMs?: number;
  /** Aborts the request; the promise then rejects with `ERR_ABORTED`. */
  signal?: AbortSignal;
  /** Allow plain http to a non-loopback host. The secret then crosses the network unencrypted. */
  allowInsecureHttp?: boolean;
}

/**
 * `introspectToken`'s options: the introspection endpoint, or the issuer whose metadata names it
 * (`introspection_endpoint`), and the client's authentication, any method a token request takes.
 */
export type IntrospectOptions = (({ introspectionEndpoint: string; issuer?: undefined } | { issuer: string; introspectionEndpoint?: undefined }) &
  IntrospectCommonOptions) &
  ClientAuthOptions;

/** The introspection endpoint's answer (RFC 7662 §2.2): the token's claims when active; nothing else when not. */
export type Introspection<P extends JwtPayload = JwtPayload> = ({ active: true } & P) | { active: false };

/**
 * Asks the authorization server whether `token` is active (RFC 7662 §2). Rejects as a token request does
 * (`ERR_OAUTH`, `ERR_HTTP`, `ERR_NETWORK`, `ERR_TIMEOUT`, ...).
 */
export function introspectToken<P extends JwtPayload = JwtPayload>(token: string, options: IntrospectOptions): Promise<Introspection<P>>;

/** What {@link authorizeRequest} resolves to: the verified token, or the response to send back. */
export type AuthorizeResult<P extends JwtPayload = JwtPayload> =
  | {
      ok: true;
      /** The JWT's header; undefined for an introspected token. */
      header: (JwtHeader & { alg: JwsAlgorithm }) | undefined;
      /** The JWT's claims, or the introspection answer's. */
      payload: P;
      token: string;
      /** For an introspected token: the introspection answer. */
      active?: { active: true } & P;
    }
  | {
      ok: false;
      /**
       * 401 (missing or invalid token; a DPoP-bound token as Bearer or an unbound one as DPoP; a missing or invalid
       * DPoP proof, `invalid_dpop_proof`; an inactive introspected token), 400 (malformed Authorization), 403 (missing
       * role or scope), 503 (keys unavailable, or introspection failed).
       */
      status: 400 | 401 | 403 | 503;
      /** A ready response with `WWW-Authenticate` (RFC 6750 §3; the `DPoP` scheme with `algs` for DPoP, RFC 9449 §7.1); it never echoes the token or proof. */
      response: Response;
      /** For a 503: the error that made it. */
      cause?: ClientCredentialsError;
    };

/**
 * Checks the access token of a fetch API `Request` (`Authorization: Bearer`, or `Authorization: DPoP` with one `DPoP`
 * proof header whose key is the token's `cnf.jkt`, RFC 9449 §7.1), then the required roles and scopes. Bad options
 * reject with `ERR_INVALID_OPTIONS`.
 */
export function authorizeRequest<P extends JwtPayload = JwtPayload>(request: Request, options: AuthorizeRequestOptions): Promise<AuthorizeResult<P>>;
