// Types the three adapters share.
import type { AuthorizeRequestOptions, JwsAlgorithm, JwtHeader, JwtPayload } from "../index.js";

/** `authorize(options)`: authorizeRequest's options; `jwks` may be left out, a JwksClient is then made from `issuer`. */
export interface AuthorizeOptions extends Omit<AuthorizeRequestOptions, "jwks"> {
  /** A JwksClient or JWK Set; default a JwksClient made once from `issuer`. */
  jwks?: AuthorizeRequestOptions["jwks"];
  /**
   * The URL clients call, when a proxy stands in front (`https://api.example`, or with a path prefix): the request's
   * URL is this, then the original path and query. Only DPoP proofs (`htu`, RFC 9449 §4.3) read it. Default: the
   * framework's protocol and `Host`.
   */
  publicUrl?: string;
}

/** What the route sees: the token's header and claims (or the introspection answer's, and `active`). */
export interface Auth<P extends JwtPayload = JwtPayload> {
  /** The JWT's header; undefined for an introspected token. */
  header: (JwtHeader & { alg: JwsAlgorithm }) | undefined;
  payload: P;
  token: string;
  /** For an introspected token: the introspection answer. */
  active?: { active: true } & P;
}
