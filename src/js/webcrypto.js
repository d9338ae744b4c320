// WebCrypto (`crypto.subtle`) for verification, beside http.js, the one
// place that calls fetch; src/js/signing.js signs with the same algorithm table
// and src/js/store.js seals shared entries. It imports verification keys and
// checks signatures; which key, which algorithm and whether a signature is even
// well-formed (an ECDSA signature is r || s of a fixed length, never DER or
// zero) are the core's decisions, made before anything reaches here.
// `crypto.subtle` is global in every supported runtime: Node ≥ 20, Deno,
// Bun, workerd, Vercel Edge and browsers (in secure contexts).

const HASH = { 256: "SHA-256", 384: "SHA-384", 512: "SHA-512" };
const CURVE = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };
/** Every JWS algorithm the package signs or verifies (RFC 7518 §3, RFC 8037). */
export const ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"];

/** The WebCrypto parameters of each JWS algorithm, made once: `{ importAs, useAs }`. */
const PARAMS = new Map();

/**
 * How WebCrypto names JWS algorithm `alg`: `importAs` for importing or
 * generating its keys, `useAs` for signing and verifying with them;
 * undefined for an algorithm the package doesn't know. The one table of
 * them, for verification here and for signing in src/js/signing.js.
 */
export function algorithmParams(alg) {
  let p = PARAMS.get(alg);
  if (p !== undefined || !ALGS.includes(alg)) return p;
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  if (family === "RS") p = { importAs: { name: "RSASSA-PKCS1-v1_5", hash }, useAs: { name: "RSASSA-PKCS1-v1_5" } };
  // RFC 7518 §3.5: the salt is as long as the hash.
  else if (family === "PS") p = { importAs: { name: "RSA-PSS", hash }, useAs: { name: "RSA-PSS", saltLength: Number(alg.slice(2)) / 8 } };
  else if (family === "ES") p = { importAs: { name: "ECDSA", namedCurve: CURVE[alg] }, useAs: { name: "ECDSA", hash } };
  else if (family === "HS") p = { importAs: { name: "HMAC", hash }, useAs: { name: "HMAC" } };
  else p = { importAs: { name: "Ed25519" }, useAs: { name: "Ed25519" } };
  PARAMS.set(alg, p);
  return p;
}

/** Imports a clean JWK text (kty and key material only, from the core) for verifying `alg`, non-extractable. */
export function importKey(jwkText, alg) {
  return crypto.subtle.importKey("jwk", JSON.parse(jwkText), algorithmParams(alg).importAs, false, ["verify"]);
}

/** Whether `signature` over `data` verifies with `key` under `alg`. */
export function verifySignature(alg, key, signature, data) {
  return crypto.subtle.verify(algorithmParams(alg).useAs, key, signature, data);
}

/** Whether a caller's CryptoKey can verify `alg`: the algorithm, hash and curve it was imported for, verify among its usages, RSA of at least 2048 bits. */
export function cryptoKeyFits(key, alg) {
  if (!key.usages.includes("verify")) return false;
  const want = algorithmParams(alg).importAs;
  const have = key.algorithm;
  if (have.name !== want.name) return false;
  if (want.hash !== undefined && have.hash?.name !== want.hash) return false;
  if (want.namedCurve !== undefined && have.namedCurve !== want.namedCurve) return false;
  if (have.modulusLength !== undefined && have.modulusLength < 2048) return false;
  return key.type === (want.name === "HMAC" ? "secret" : "public");
}

const encoder = new TextEncoder();

/** SHA-256 of a text's UTF-8 bytes (a DPoP proof's `ath`, a key's RFC 7638 thumbprint). */
export async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}
