// Raw bindings to the host's JavaScript, for src/host.rs.
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
 * BigInt, a cycle). Non-finite numbers, which JSON would turn into null,
 * become `{ "nonFinite": "NaN" }` so the core can refuse them.
 */
export function options_json(options, names) {
  const picked = {};
  for (const name of names.split(",")) {
    const value = options[name];
    if (value === undefined) continue;
    picked[name] = typeof value === "number" && !Number.isFinite(value) ? { nonFinite: String(value) } : value;
  }
  try {
    return JSON.stringify(picked);
  } catch {
    return undefined;
  }
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
