// The one place that signs: WebCrypto (`crypto.subtle`), for client
// assertions (RFC 7523: private_key_jwt, client_secret_jwt) and DPoP proofs
// (RFC 9449).
//
// The core builds what is signed (header and claims) and joins the
// signature to it; this file imports keys, signs bytes and hashes tokens.
// Every key is imported once, non-extractable, and lives as long as its
// TokenClient. No key, secret or signature ever goes into an error: the
// messages say what kind of key was expected, never what the key holds.
import { hostError } from "./client_credentials.js";
import { algorithmParams } from "./webcrypto.js";

/** hostError kind: ERR_INVALID_OPTIONS with the message given. */
const OPTIONS = 8;

const RSA = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"];

/** Each kind of private key, the algorithms it signs (its usual one first), and how to name it. */
const KINDS = [
  { kty: "RSA", algs: RSA, text: "an RSA key" },
  { kty: "EC", crv: "P-256", algs: ["ES256"], text: "an EC P-256 key" },
  { kty: "EC", crv: "P-384", algs: ["ES384"], text: "an EC P-384 key" },
  { kty: "EC", crv: "P-521", algs: ["ES512"], text: "an EC P-521 key" },
  { kty: "OKP", crv: "Ed25519", algs: ["EdDSA"], text: "an Ed25519 key" },
];

/** The JWK members that hold key material, the only ones given to importKey (`alg`, `use` and `key_ops` would refuse a signingAlg the JWK doesn't name). */
const JWK_MEMBERS = ["kty", "crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi"];

const encoder = new TextEncoder();

function invalid(message) {
  return hostError(OPTIONS, message, 0);
}

/**
 * Imports the keys the session's options call for, once, and tells the
 * session their algorithms: the client assertion's key (`privateKey`, or
 * the client secret as an HMAC key) and the DPoP key pair. Resolves to
 * `{ client, dpop }`, each `{ key, params }` or undefined.
 */
export async function importKeys(session, options) {
  const method = session.assertionMethod;
  const alg = session.assertionAlg;
  const [client, dpop] = await Promise.all([
    method === undefined ? undefined : method === "client_secret_jwt" ? secretKey(options.clientSecret, alg) : privateKey(options.privateKey, alg),
    session.dpop ? dpopKey(options.dpop) : undefined,
  ]);
  session.useKeys(client?.alg, client?.kid, dpop?.alg, dpop === undefined ? undefined : JSON.stringify(dpop.jwk));
  return { client, dpop };
}

/** Signs a signing input the session made; resolves to the compact JWS. */
export async function sign(session, signer, input) {
  const signature = await crypto.subtle.sign(signer.params, signer.key, encoder.encode(input));
  return session.compact(input, new Uint8Array(signature));
}

/** client_secret_jwt: the secret's UTF-8 bytes as a non-extractable HMAC key (RFC 7518 §3.2). */
async function secretKey(secret, alg) {
  const { importAs, useAs } = algorithmParams(alg);
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), importAs, false, ["sign"]);
  return { key, params: useAs, alg };
}

/** private_key_jwt: a CryptoKey, a private JWK, or a PKCS#8 PEM, with the algorithm asked for or the key's usual one. */
async function privateKey(value, asked) {
  if (value === undefined || value === null) {
    throw invalid('privateKey is required for authMethod "private_key_jwt": a CryptoKey, a private JWK object, or a PKCS#8 PEM string ("-----BEGIN PRIVATE KEY-----")');
  }
  if (isCryptoKey(value)) return fromCryptoKey(value, asked, "privateKey");
  if (typeof value === "string") return fromPem(value, asked);
  if (typeof value === "object" && !Array.isArray(value)) return fromJwk(value, asked);
  throw invalid(`privateKey must be a CryptoKey, a private JWK object or a PKCS#8 PEM string, not ${Array.isArray(value) ? "an array" : typeof value}`);
}

function isCryptoKey(value) {
  return Object.prototype.toString.call(value) === "[object CryptoKey]";
}

/** The algorithm a CryptoKey signs with: fixed when it was made or imported. */
function algOfCryptoKey(algorithm) {
  const bits = algorithm.hash?.name?.slice(4);
  switch (algorithm.name) {
    case "RSASSA-PKCS1-v1_5":
      return `RS${bits}`;
    case "RSA-PSS":
      return `PS${bits}`;
    case "ECDSA":
      return KINDS.find((k) => k.kty === "EC" && k.crv === algorithm.namedCurve)?.algs[0];
    case "Ed25519":
      return "EdDSA";
    default:
      return undefined;
  }
}

function fromCryptoKey(key, asked, name) {
  if (key.type !== "private" || !key.usages.includes("sign")) {
    throw invalid(`${name} must be a private CryptoKey that may sign (type "private", usages including "sign"); got a ${key.type} key with usages [${key.usages.join(", ")}]`);
  }
  const alg = algOfCryptoKey(key.algorithm);
  if (algorithmParams(alg) === undefined || alg.startsWith("HS")) {
    throw invalid(`${name} is a ${key.algorithm.name} CryptoKey; expected RSASSA-PKCS1-v1_5, RSA-PSS, ECDSA (P-256, P-384, P-521) or Ed25519`);
  }
  if (asked !== undefined && asked !== alg) {
    throw invalid(`${name} is a CryptoKey made for ${alg}, so it can't sign ${asked}; import the key for ${asked}, or leave signingAlg out`);
  }
  return { key, params: algorithmParams(alg).useAs, alg };
}

async function fromJwk(jwk, asked) {
  const kind = KINDS.find((k) => k.kty === jwk.kty && (k.crv === undefined || k.crv === jwk.crv));
  if (kind === undefined) {
    throw invalid(`privateKey is a JWK with kty ${JSON.stringify(String(jwk.kty))}${jwk.crv === undefined ? "" : ` and crv ${JSON.stringify(String(jwk.crv))}`}; expected an RSA, EC (P-256, P-384, P-521) or OKP (Ed25519) private key`);
  }
  if (typeof jwk.d !== "string") {
    throw invalid('privateKey is a public JWK (it has no "d"); pass the private key, and register its public half with the server');
  }
  const alg = fitting(kind, asked);
  const material = {};
  for (const member of JWK_MEMBERS) if (jwk[member] !== undefined) material[member] = jwk[member];
  let key;
  try {
    key = await crypto.subtle.importKey("jwk", material, algorithmParams(alg).importAs, false, ["sign"]);
  } catch (e) {
    throw invalid(`privateKey could not be imported as ${kind.text} for ${alg} (${e?.name ?? "Error"}); check that the JWK is complete`);
  }
  return { key, params: algorithmParams(alg).useAs, alg, kid: typeof jwk.kid === "string" ? jwk.kid : undefined };
}

/** The algorithm asked for if the kind of key signs it, else its usual one. */
function fitting(kind, asked) {
  if (asked === undefined) return kind.algs[0];
  if (kind.algs.includes(asked)) return asked;
  throw invalid(`privateKey is ${kind.text}, which signs ${kind.algs.join(", ")}, not ${asked}; change signingAlg or the key`);
}

async function fromPem(pem, asked) {
  const match = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (match === null) {
    throw invalid('privateKey is a string but not a PEM; expected PKCS#8 ("-----BEGIN PRIVATE KEY-----")');
  }
  if (match[1] !== "PRIVATE KEY") {
    throw invalid(`privateKey is a PEM "${match[1]}"; expected an unencrypted PKCS#8 "PRIVATE KEY" (convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem)`);
  }
  let der;
  try {
    der = Uint8Array.from(atob(match[2].replace(/\s+/g, "")), (c) => c.charCodeAt(0));
  } catch {
    throw invalid("privateKey is a PEM whose body is not Base64");
  }
  // PKCS#8 names the key's type inside; WebCrypto reads it only when told
  // which type to expect, so each kind is tried in turn.
  const kinds = asked === undefined ? KINDS : KINDS.filter((k) => k.algs.includes(asked));
  for (const kind of kinds) {
    const alg = asked ?? kind.algs[0];
    try {
      const { importAs, useAs } = algorithmParams(alg);
      const key = await crypto.subtle.importKey("pkcs8", der, importAs, false, ["sign"]);
      return { key, params: useAs, alg };
    } catch {
      // Not this kind; try the next.
    }
  }
  throw invalid(
    asked === undefined
      ? "privateKey (PKCS#8 PEM) is not an RSA, EC (P-256, P-384, P-521) or Ed25519 private key"
      : `privateKey (PKCS#8 PEM) is not a key that signs ${asked}; change signingAlg or the key`,
  );
}

/**
 * The DPoP key pair: made here (`dpop: true`, ES256 as RFC 9449 and
 * oidc-provider expect by default; the private key non-extractable), or the
 * caller's CryptoKeyPair. Its public half goes into every proof as a JWK.
 */
async function dpopKey(option) {
  let pair = option;
  if (option === true) {
    pair = await crypto.subtle.generateKey(algorithmParams("ES256").importAs, false, ["sign", "verify"]);
  } else if (!isCryptoKey(option?.privateKey) || !isCryptoKey(option?.publicKey) || option.publicKey.type !== "public") {
    throw invalid("dpop must be true or { privateKey, publicKey }: a CryptoKeyPair, as crypto.subtle.generateKey makes");
  }
  const signer = fromCryptoKey(pair.privateKey, undefined, "dpop.privateKey");
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  return { ...signer, jwk };
}
