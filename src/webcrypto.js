// The one place that calls WebCrypto (`crypto.subtle`), beside http.js, the
// one place that calls fetch. It imports verification keys and checks
// signatures; which key, which algorithm and whether a signature is even
// well-formed (an ECDSA signature is r || s of a fixed length, never DER or
// zero) are the core's decisions, made before anything reaches here.
// `crypto.subtle` is global in every supported runtime: Node ≥ 20, Deno,
// Bun, workerd, Vercel Edge and browsers (in secure contexts).

const HASH = { 256: "SHA-256", 384: "SHA-384", 512: "SHA-512" };
const CURVE = { ES256: "P-256", ES384: "P-384", ES512: "P-521" };

/** The WebCrypto parameters of each JWS algorithm, made once: `{ importAs, verifyAs }`. */
const PARAMS = new Map();

function params(alg) {
  let p = PARAMS.get(alg);
  if (p !== undefined) return p;
  const family = alg.slice(0, 2);
  const hash = HASH[alg.slice(2)];
  if (family === "RS") p = { importAs: { name: "RSASSA-PKCS1-v1_5", hash }, verifyAs: { name: "RSASSA-PKCS1-v1_5" } };
  // RFC 7518 §3.5: the salt is as long as the hash.
  else if (family === "PS") p = { importAs: { name: "RSA-PSS", hash }, verifyAs: { name: "RSA-PSS", saltLength: Number(alg.slice(2)) / 8 } };
  else if (family === "ES") p = { importAs: { name: "ECDSA", namedCurve: CURVE[alg] }, verifyAs: { name: "ECDSA", hash } };
  else if (family === "HS") p = { importAs: { name: "HMAC", hash }, verifyAs: { name: "HMAC" } };
  else p = { importAs: { name: "Ed25519" }, verifyAs: { name: "Ed25519" } };
  PARAMS.set(alg, p);
  return p;
}

/** Imports a clean JWK text (kty and key material only, from the core) for verifying `alg`, non-extractable. */
export function importKey(jwkText, alg) {
  return crypto.subtle.importKey("jwk", JSON.parse(jwkText), params(alg).importAs, false, ["verify"]);
}

/** Whether `signature` over `data` verifies with `key` under `alg`. */
export function verifySignature(alg, key, signature, data) {
  return crypto.subtle.verify(params(alg).verifyAs, key, signature, data);
}

/** Whether a caller's CryptoKey can verify `alg`: the algorithm, hash and curve it was imported for, verify among its usages, RSA of at least 2048 bits. */
export function cryptoKeyFits(key, alg) {
  if (!key.usages.includes("verify")) return false;
  const want = params(alg).importAs;
  const have = key.algorithm;
  if (have.name !== want.name) return false;
  if (want.hash !== undefined && have.hash?.name !== want.hash) return false;
  if (want.namedCurve !== undefined && have.namedCurve !== want.namedCurve) return false;
  if (have.modulusLength !== undefined && have.modulusLength < 2048) return false;
  return key.type === (want.name === "HMAC" ? "secret" : "public");
}
