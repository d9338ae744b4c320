// Shipped size: each peer's equivalent functions bundled by esbuild
// (minified, browser conditions) and gzipped at level 9, beside our wasm
// plus the JS glue of the browser entry.
import * as esbuild from "esbuild";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root, table, verdict } from "./lib.mjs";

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

async function bundle(contents) {
  const out = await esbuild.build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    minify: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["browser"],
    logLevel: "silent",
  });
  return out.outputFiles[0].contents;
}

const PEERS = [
  ["jose decodeJwt", `export { decodeJwt, decodeProtectedHeader } from "jose";`],
  ["jose jwtVerify + createRemoteJWKSet", `export { jwtVerify, createRemoteJWKSet } from "jose";`],
  ["jwt-decode", `export { jwtDecode } from "jwt-decode";`],
  ["oauth4webapi client credentials + discovery", `export { clientCredentialsGrantRequest, processClientCredentialsResponse, ClientSecretBasic, ClientSecretPost, discoveryRequest, processDiscoveryResponse } from "oauth4webapi";`],
  ["openid-client client credentials + discovery", `export { Configuration, clientCredentialsGrant, discovery } from "openid-client";`],
  ["@badgateway/oauth2-client with OAuth2Fetch", `export { OAuth2Client, OAuth2Fetch } from "@badgateway/oauth2-client";`],
];

export async function run() {
  const wasm = gz(readFileSync(join(root, "dist/client_credentials_bg.wasm")));
  // Everything the package exports (the budget's measure), and the token
  // half alone, as earlier rounds measured it; the wasm is the same for both.
  const glue = gz(await bundle(`export * from "client-credentials";`));
  const tokenGlue = gz(await bundle(`export { fetchClientCredentialsToken, decodeJwt, TokenClient } from "client-credentials";`));
  const ours = wasm + glue;
  const rows = [
    ["client-credentials, every export (wasm + JS)", kb(ours), `wasm ${kb(wasm)} + JS ${kb(glue)}`],
    ["client-credentials, decode + fetch + TokenClient only", kb(wasm + tokenGlue), `wasm ${kb(wasm)} + JS ${kb(tokenGlue)}`],
  ];
  const results = { ours, wasm, glue, tokenGlue, peers: {} };
  for (const [name, code] of PEERS) {
    const size = gz(await bundle(code));
    results.peers[name] = size;
    rows.push([name, kb(size), ""]);
  }
  return {
    title: "Package size (esbuild --minify, gzip -9)",
    markdown: table(["what", "gzip -9", "parts"], rows),
    // The budget issue 12 set for everything (decode, tokens, key auth, DPoP, stores, verify).
    targets: [["browser entry, every export (wasm + JS) ≤ 60 KB gzip -9", kb(ours), ours <= 60 * 1024]],
    results,
  };
}
