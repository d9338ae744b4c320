// verifyJwt with a warm JwksClient against jose's jwtVerify with a warm
// createRemoteJWKSet, and against WebCrypto's verify alone on the same token
// (the limit: no parsing, no key lookup, no claims), for RS256, ES256 and
// EdDSA. Both libraries fetch the same JWKS from a local server once, before
// timing.
import * as http from "node:http";
import { JwksClient, verifyJwt } from "client-credentials";
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { compare, fmtNs, fmtRatio, quick, table } from "./lib.mjs";

/** The algorithms measured, with WebCrypto's import and verify parameters. */
export const PARAMS = {
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
};

export const ISSUER = "https://sso.example/realms/sivalabs";

/**
 * A fresh key pair for `alg`: its public JWK (kid `${alg}-key`), a
 * Keycloak-sized access token signed with it (issuer ISSUER, audience
 * "account"), and `limit`, WebCrypto's verify alone on that token.
 */
export async function fixture(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-key`, use: "sig", alg };
  const token = await new SignJWT({
    azp: "archival-service",
    scope: "openid profile email",
    realm_access: { roles: ["default-roles-sivalabs", "offline_access", "uma_authorization"] },
    resource_access: { account: { roles: ["manage-account", "view-profile"] } },
    preferred_username: "service-account-archival-service",
    typ: "Bearer",
  })
    .setProtectedHeader({ alg, typ: "JWT", kid: jwk.kid })
    .setIssuer(ISSUER)
    .setAudience("account")
    .setIssuedAt()
    .setExpirationTime("1h")
    .setJti(crypto.randomUUID())
    .sign(privateKey);
  const [h, p, s] = token.split(".");
  const key = await crypto.subtle.importKey("jwk", jwk, PARAMS[alg][0], false, ["verify"]);
  const data = new TextEncoder().encode(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  return { jwk, token, limit: () => crypto.subtle.verify(PARAMS[alg][1], key, signature, data) };
}

export async function run() {
  const issuer = ISSUER;
  const keys = [];
  const tokens = {};
  const limits = {};
  for (const alg of Object.keys(PARAMS)) {
    const { jwk, token, limit } = await fixture(alg);
    keys.push(jwk);
    tokens[alg] = token;
    limits[alg] = limit;
  }
  const body = JSON.stringify({ keys });
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/certs`;
  const jwks = new JwksClient({ jwksUri: url });
  const remote = createRemoteJWKSet(new URL(url));
  const options = { jwks, issuer, audience: "account" };
  const joseOptions = { issuer, audience: "account" };

  const rows = [];
  const results = {};
  try {
    for (const alg of Object.keys(PARAMS)) {
      const token = tokens[alg];
      await verifyJwt(token, options);
      await jwtVerify(token, remote, joseOptions);
      const ns = await compare(
        [
          ["client-credentials verifyJwt", () => verifyJwt(token, options)],
          ["jose jwtVerify", () => jwtVerify(token, remote, joseOptions)],
          ["crypto.subtle.verify (the limit)", limits[alg]],
        ],
        { iterations: quick ? 100 : alg === "RS256" ? 2000 : 1000, async: true },
      );
      const limit = ns.get("crypto.subtle.verify (the limit)");
      results[alg] = { ours: limit / ns.get("client-credentials verifyJwt"), jose: limit / ns.get("jose jwtVerify"), ns: Object.fromEntries(ns) };
      for (const [who, t] of ns) rows.push([alg, who, fmtNs(t), fmtRatio(limit / t)]);
    }
  } finally {
    server.close();
    jwks.free();
  }
  const targets = Object.entries(results).flatMap(([alg, r]) => [
    [`verifyJwt ${alg} ≥ 0.85× of the limit`, `${fmtRatio(r.ours)} (jose ${fmtRatio(r.jose)})`, r.ours >= 0.85],
    [`verifyJwt ${alg} faster than jose`, `${fmtNs(r.ns["client-credentials verifyJwt"])} vs ${fmtNs(r.ns["jose jwtVerify"])}`, r.ns["client-credentials verifyJwt"] < r.ns["jose jwtVerify"]],
  ]);
  return {
    title: "verifyJwt (warm key set)",
    markdown: table(["alg", "verifier", "per call", "vs the limit"], rows),
    targets,
    results,
  };
}
