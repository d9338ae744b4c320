// A token with a made-up `kid`, signed by a key nobody publishes: what a JWKS
// flood sends (tests/js/jwks.test.mjs, tests/js/jwks-store.test.mjs).
import { base64url, generateKeyPair } from "jose";

let stranger;

/** A fresh random-`kid` RS256 token for `issuer`, audience `${issuer}/account`, valid 60 s. */
export async function randomKidToken(issuer) {
  stranger ??= (await generateKeyPair("RS256")).privateKey;
  const header = { alg: "RS256", kid: base64url.encode(crypto.getRandomValues(new Uint8Array(12))) };
  const payload = { iss: issuer, aud: `${issuer}/account`, exp: Math.floor(Date.now() / 1000) + 60 };
  const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
  const signature = await crypto.subtle.sign("RSASSA-PKCS1-v1_5", stranger, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}
