/**
 * client-credentials: OAuth 2.0 Client Credentials tokens (RFC 6749 §4.4)
 * and JWT decoding, in Rust compiled to WebAssembly.
 */

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1). */
export type ClientAuthMethod = "client_secret_basic" | "client_secret_post";

export interface ClientCredentialsOptions {
  /** The token endpoint, e.g. `https://sso.example/realms/sivalabs/protocol/openid-connect/token`. https, or http to a loopback host. */
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Scopes: a space-separated string or an array of scope tokens. */
  scope?: string | readonly string[];
  /** `client_secret_basic` (the default: an `Authorization: Basic` header) or `client_secret_post` (in the form body). */
  authMethod?: ClientAuthMethod;
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
  /** Allow plain http to a non-loopback host. The secret then crosses the network unencrypted. */
  allowInsecureHttp?: boolean;
}

/** The JSON object a token endpoint returns (RFC 6749 §5.1), as sent. */
export interface TokenResponseJson {
  access_token: string;
  token_type: string;
  expires_in?: number | string;
  scope?: string;
  [member: string]: unknown;
}

export interface ClientCredentialsToken {
  accessToken: string;
  /** Always `"Bearer"`; the server's spelling is compared case-insensitively. */
  tokenType: "Bearer";
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

export interface JwtHeader {
  alg?: string;
  typ?: string;
  kid?: string;
  [parameter: string]: JsonValue | undefined;
}

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
  | "ERR_INVALID_JWT";

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

export interface PlainError extends ErrorBase {
  code: Exclude<ErrorCode, "ERR_OAUTH" | "ERR_HTTP">;
}

/** What every function of this package throws or rejects with. Narrow on `code`. */
export type ClientCredentialsError = OAuthError | HttpError | PlainError;

/**
 * Requests an access token with the Client Credentials grant (RFC 6749 §4.4).
 * Rejects with a {@link ClientCredentialsError}.
 */
export function fetchClientCredentialsToken(options: ClientCredentialsOptions): Promise<ClientCredentialsToken>;

/**
 * Decodes a compact JWS JWT. It does NOT verify the signature: never trust
 * the claims of a token you did not obtain yourself from a trusted server.
 * Throws a {@link ClientCredentialsError} with code `ERR_INVALID_JWT`.
 */
export function decodeJwt<P extends JwtPayload = JwtPayload>(token: string): DecodedJwt<P>;
