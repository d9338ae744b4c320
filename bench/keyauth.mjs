// Key-based client authentication and DPoP: the cost of one token request
// with a private_key_jwt assertion (RS256, ES256) and with a DPoP proof,
// against client_secret_post, with an in-process fake fetch (library and
// WebCrypto cost only), side by side with oauth4webapi doing the same.
import { TokenClient } from "client-credentials";
import * as oauth from "oauth4webapi";
import { fmtNs, fmtRatio, median, quick, table } from "./lib.mjs";

const CLIENT_ID = "archival-service";
const CLIENT_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a";
const TOKEN_URL = "http://127.0.0.1:9/token";

function fakeFetch(tokenType) {
  const body = JSON.stringify({ access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", token_type: tokenType, expires_in: 300 });
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  return async () => new Response(body, { status: 200, headers });
}

/** Each row: a method, then ours and oauth4webapi's way of making one request with it. */
async function rows() {
  const rsa = await crypto.subtle.generateKey({ name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" }, false, ["sign", "verify"]);
  const ec = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const dpopPair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  const as = { issuer: "http://127.0.0.1:9", token_endpoint: TOKEN_URL };
  const client = { client_id: CLIENT_ID };
  const o4w = (auth, extra = {}) => async () => {
    const res = await oauth.clientCredentialsGrantRequest(as, client, auth, new URLSearchParams(), { [oauth.allowInsecureRequests]: true, ...extra });
    await oauth.processClientCredentialsResponse(as, client, res);
  };
  // A TokenClient, as oauth4webapi's handles, is made once (keys imported
  // once); each call forgets the token and requests a new one.
  const ours = (extra) => {
    const tokenClient = new TokenClient({ tokenUrl: TOKEN_URL, clientId: CLIENT_ID, ...extra });
    return () => {
      tokenClient.invalidate();
      return tokenClient.getToken();
    };
  };
  const dpopHandle = oauth.DPoP(client, dpopPair);
  return [
    ["client_secret_post", "Bearer", ours({ clientSecret: CLIENT_SECRET, authMethod: "client_secret_post" }), o4w(oauth.ClientSecretPost(CLIENT_SECRET))],
    ["private_key_jwt RS256", "Bearer", ours({ authMethod: "private_key_jwt", privateKey: rsa.privateKey }), o4w(oauth.PrivateKeyJwt(rsa.privateKey))],
    ["private_key_jwt ES256", "Bearer", ours({ authMethod: "private_key_jwt", privateKey: ec.privateKey }), o4w(oauth.PrivateKeyJwt(ec.privateKey))],
    ["client_secret_post + DPoP ES256", "DPoP", ours({ clientSecret: CLIENT_SECRET, authMethod: "client_secret_post", dpop: dpopPair }), o4w(oauth.ClientSecretPost(CLIENT_SECRET), { DPoP: dpopHandle })],
  ];
}

export async function run() {
  const realFetch = globalThis.fetch;
  const list = await rows();
  const rounds = quick ? 2 : 7;
  const calls = quick ? 30 : 300;
  const samples = new Map(list.map(([name]) => [name, { ours: [], o4w: [] }]));
  try {
    const once = async (tokenType, fn) => {
      globalThis.fetch = fakeFetch(tokenType);
      const t0 = process.hrtime.bigint();
      await fn();
      return Number(process.hrtime.bigint() - t0);
    };
    for (const [, type, ours, theirs] of list) for (let i = 0; i < calls; i++) await once(type, ours), await once(type, theirs); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const [name, type, ours, theirs] of r % 2 ? [...list].reverse() : list) {
        // Alternate which library goes first within each round too.
        const pair = r % 2 ? [["o4w", theirs], ["ours", ours]] : [["ours", ours], ["o4w", theirs]];
        for (let i = 0; i < calls; i++) for (const [who, fn] of pair) samples.get(name)[who].push(await once(type, fn));
      }
    }
  } finally {
    globalThis.fetch = realFetch;
  }
  const medians = [...samples].map(([name, s]) => [name, median(s.ours), median(s.o4w)]);
  const post = medians[0][1];
  const results = Object.fromEntries(medians.map(([n, a, b]) => [n, { ours: a, oauth4webapi: b }]));
  const markdown =
    "**In-process fake fetch** (median latency of one token request; the library and WebCrypto only)\n\n" +
    table(["method", "client-credentials", "oauth4webapi", "ours vs oauth4webapi", "ours vs our client_secret_post"], medians.map(([n, a, b]) => [n, fmtNs(a), fmtNs(b), fmtRatio(a / b), fmtRatio(a / post)]));
  const targets = medians.slice(1).map(([n, a, b]) => [`${n}: no slower than oauth4webapi`, `${fmtNs(a)} vs ${fmtNs(b)} (${fmtRatio(a / b)})`, a <= b]);
  return { title: "Key-based client authentication and DPoP", markdown, targets, results };
}
