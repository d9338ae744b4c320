// Raw bindings to the host's JavaScript, for src/wasm/host.rs.
//
// Each crossing between wasm and JavaScript costs far more than the work a
// getter does, and a token request used to make some sixty of them (one per
// option read, URL part, header and result field). These functions batch
// them: each does one small job with host APIs and returns plain values.
// They decide nothing: validation, form encoding, response parsing and
// cache decisions stay in Rust.

/**
 * The named options as JSON text, read as property gets (so getters and
 * inherited values count), or undefined if a value can't be serialized (a
 * BigInt, a cycle). Values JSON can't hold (functions, symbols) are left out
 * as JSON.stringify leaves them out of an object. Non-finite numbers, which
 * JSON would turn into null, become `{ "nonFinite": "NaN" }` so the core can
 * refuse them. Each value is serialized on its own and the object written
 * around them, and the name list is split once: this runs for every token
 * request, and callgrind counted 15% fewer instructions than building a
 * picked-out object and serializing that.
 */
export function options_json(options, names) {
  let list = NAME_LISTS.get(names);
  if (list === undefined) NAME_LISTS.set(names, (list = names.split(",")));
  let out = "";
  try {
    for (const name of list) {
      const value = options[name];
      if (value === undefined) continue;
      const text = typeof value === "number" && !Number.isFinite(value) ? `{"nonFinite":"${value}"}` : JSON.stringify(value);
      if (text !== undefined) out += `${out === "" ? "{" : ","}"${name}":${text}`;
    }
  } catch {
    return undefined;
  }
  return out === "" ? "{}" : `${out}}`;
}

const NAME_LISTS = new Map();

/**
 * The one error class of the package. Every entry's wasm builds its errors
 * through `new_error`, and the build points every entry's glue at one copy
 * of this file, so `instanceof ClientCredentialsError` holds whichever entry
 * threw. `Symbol.hasInstance` extends that to a second copy of the class
 * (the CommonJS build beside the ESM one, a bundle that inlined its own):
 * an error counts when it is an `Error` with this name and a string `code`,
 * the contract the documented codes already are.
 */
export class ClientCredentialsError extends Error {
  constructor(message) {
    super(message);
    this.name = "ClientCredentialsError";
  }

  static [Symbol.hasInstance](value) {
    return value instanceof Error && value.name === "ClientCredentialsError" && typeof value.code === "string";
  }
}

/** A ClientCredentialsError with `message`, for the core's `to_js` to fill in. */
export function new_error(message) {
  return new ClientCredentialsError(message);
}

const encoder = new TextEncoder();

/**
 * Copies a token into `dst` (a view of wasm memory) with one native
 * `encodeInto`, far cheaper than wasm-bindgen's general string conversion,
 * which walks the string in JavaScript. Returns the length, or -1 if the
 * token is not a string, -2 if it is longer than `dst` (refused before
 * copying), -3 if it is not ASCII (so not a JWT; the caller takes the
 * general path to say why).
 */
export function copy_token(token, dst) {
  if (typeof token !== "string") return -1;
  if (token.length > dst.length) return -2;
  const r = encoder.encodeInto(token, dst);
  return r.read === token.length && r.written === token.length ? r.written : -3;
}

/**
 * The decoded JWT: the core's validated `{"header":…,"payload":…}` parsed,
 * and the signature sliced from the token at the offset the core found (a
 * substring, not a copy out of wasm memory, and no more text for JSON.parse).
 */
export function decoded_jwt(json, token, signature_start) {
  const result = JSON.parse(json);
  result.signature = token.slice(signature_start);
  return result;
}

/** Copies `text` into `dst` (a view of wasm memory): bytes written, -1 if not a string, -2 if `dst` may be too small. */
export function copy_text(text, dst) {
  if (typeof text !== "string") return -1;
  if (text.length * 3 > dst.length) return -2;
  return encoder.encodeInto(text, dst).written;
}

/** WHATWG URL parts, newline-separated (a serialized URL has no newline): protocol, hostname, has userinfo, has fragment, href. */
export function parse_url(text) {
  let u;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  return `${u.protocol}\n${u.hostname}\n${u.username || u.password ? 1 : 0}\n${u.hash ? 1 : 0}\n${u.href}`;
}

/** The token result object, built in one call; `raw` is the response body's JSON text. */
export function token_result(access_token, token_type, expires_in, expires_at, scope, raw) {
  return { accessToken: access_token, tokenType: token_type, expiresIn: expires_in, expiresAt: expires_at, scope, raw: JSON.parse(raw) };
}

/**
 * A token the core has checked, for verifyJwt: its header and payload as
 * JSON text (verifyJwt parses it while WebCrypto works), the header's alg
 * and kid, the signing input and the signature copied out of wasm memory
 * (the views are only valid during this call), and the verdicts on the
 * signature's shape and on the claims, which verifyJwt reports only after
 * the key is found and the signature holds; and, when the claims passed, the
 * span over which they hold, for the verified-token cache (NaN otherwise).
 */
export function checked_jwt(json, alg, kid, data, signature, signature_error, claims_error, valid_from, valid_until) {
  return { json, alg, kid, data: data.slice(), signature: signature.slice(), signatureError: signature_error, claimsError: claims_error, validFrom: valid_from, validUntil: valid_until };
}

/** Fills `dst` (a view of wasm memory) with random bytes, for the `jti` of assertions and DPoP proofs. */
export function random_bytes(dst) {
  crypto.getRandomValues(dst);
}
