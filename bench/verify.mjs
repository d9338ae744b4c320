// verifyJwt with a warm JwksClient against jose's jwtVerify with a warm
// createRemoteJWKSet, and against WebCrypto's verify alone on the same tokens
// (the limit: no parsing, no key lookup, no claims), for RS256, ES256 and
// EdDSA: distinct tokens one at a time and 16 in flight (every call a full
// verification), and one token repeated (where our verified-token cache
// answers). Both libraries fetch the same JWKS from a local server once,
// before timing.
import * as http from "node:http";
import { JwksClient, verifyJwt } from "client-credentials";
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { compare, cycle, fmtNs, fmtRatio, opsPerSecond, quick, table } from "./lib.mjs";

/** The algorithms measured, with WebCrypto's import and verify parameters. */
export const PARAMS = {
  RS256: [{ name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, { name: "RSASSA-PKCS1-v1_5" }],
  ES256: [{ name: "ECDSA", namedCurve: "P-256" }, { name: "ECDSA", hash: "SHA-256" }],
  EdDSA: [{ name: "Ed25519" }, { name: "Ed25519" }],
};

export const ISSUER = "https://sso.example/realms/sivalabs";

/** The claims of the bench's tokens: a Keycloak-sized access token. */
const CLAIMS = {
  azp: "archival-service",
  scope: "openid profile email",
  realm_access: { roles: ["default-roles-sivalabs", "offline_access", "uma_authorization"] },
  resource_access: { account: { roles: ["manage-account", "view-profile"] } },
  preferred_username: "service-account-archival-service",
  typ: "Bearer",
};

/**
 * A fresh key pair for `alg`: its public JWK (kid `${alg}-key`), `count`
 * Keycloak-sized access tokens signed with it (issuer ISSUER, audience
 * "account", each its own jti), `token` the first, and the limit,
 * WebCrypto's verify alone: `limit()` on `token`, `limits[i]()` on each.
 */
export async function fixture(alg, count = 1) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: `${alg}-key`, use: "sig", alg };
  const key = await crypto.subtle.importKey("jwk", jwk, PARAMS[alg][0], false, ["verify"]);
  const tokens = [];
  const limits = [];
  for (let i = 0; i < count; i++) {
    const token = await new SignJWT(CLAIMS)
      .setProtectedHeader({ alg, typ: "JWT", kid: jwk.kid })
      .setIssuer(ISSUER)
      .setAudience("account")
      .setIssuedAt()
      .setExpirationTime("1h")
      .setJti(crypto.randomUUID())
      .sign(privateKey);
    const [h, p, s] = token.split(".");
    const data = new TextEncoder().encode(`${h}.${p}`);
    const signature = Buffer.from(s, "base64url");
    tokens.push(token);
    limits.push(() => crypto.subtle.verify(PARAMS[alg][1], key, signature, data));
  }
  return { jwk, token: tokens[0], limit: limits[0], tokens, limits };
}

/** Distinct tokens per algorithm. */
const DISTINCT = quick ? 64 : 256;
/** Callers in flight in the concurrent measures. */
const CONCURRENCY = 16;

export async function run() {
  const issuer = ISSUER;
  const keys = [];
  const fixtures = {};
  for (const alg of Object.keys(PARAMS)) {
    fixtures[alg] = await fixture(alg, DISTINCT);
    keys.push(fixtures[alg].jwk);
  }
  const body = JSON.stringify({ keys });
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body));
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}/certs`;
  const jwks = new JwksClient({ jwksUri: url });
  const remote = createRemoteJWKSet(new URL(url));
  // Distinct tokens go through a cache of half their number: taken in turn,
  // each is gone before it comes back, so every call verifies in full and
  // also pays the cache's insert and eviction. Repeated tokens use the
  // default cache.
  const distinctOptions = { jwks, issuer, audience: "account", tokenCache: { maxEntries: DISTINCT / 2 } };
  const options = { jwks, issuer, audience: "account" };
  const joseOptions = { issuer, audience: "account" };
  const OURS = "client-credentials verifyJwt", JOSE = "jose jwtVerify", LIMIT = "crypto.subtle.verify (the limit)";

  const sections = { sequential: [], concurrent: [], repeated: [] };
  const results = {};
  try {
    for (const alg of Object.keys(PARAMS)) {
      const { token, tokens, limits } = fixtures[alg];
      for (const t of tokens.slice(0, 4)) {
        await verifyJwt(t, distinctOptions);
        await jwtVerify(t, remote, joseOptions);
      }
      const next = () => ({ token: cycle(tokens), limit: cycle(limits) });
      const distinct = () => {
        const [a, b, c] = [next(), next(), next()];
        return [
          [OURS, () => verifyJwt(a.token(), distinctOptions)],
          [JOSE, () => jwtVerify(b.token(), remote, joseOptions)],
          [LIMIT, () => c.limit()()],
        ];
      };
      // 1. One call at a time (the measure of issue 12).
      const seq = await compare(distinct(), { iterations: quick ? 100 : alg === "RS256" ? 2000 : 1000, async: true });
      // 2. 16 callers in flight, distinct tokens.
      // Many short rounds: other processes' load comes and goes within seconds.
      const total = quick ? 400 : 1500;
      const rounds = quick ? 2 : 15;
      const conc = await opsPerSecond(distinct(), { rounds, total, concurrency: CONCURRENCY, cpu: true });
      // 3. 16 callers in flight, the same token again and again.
      const rep = await opsPerSecond(
        [
          [OURS, () => verifyJwt(token, options)],
          [JOSE, () => jwtVerify(token, remote, joseOptions)],
          [LIMIT, fixtures[alg].limit],
        ],
        { rounds, total, concurrency: CONCURRENCY, cpu: true },
      );
      const ratios = (m) => ({ ours: m.get(OURS).ops / m.get(LIMIT).ops, jose: m.get(JOSE).ops / m.get(LIMIT).ops, byCpu: { ours: m.get(LIMIT).cpuUs / m.get(OURS).cpuUs, jose: m.get(LIMIT).cpuUs / m.get(JOSE).cpuUs }, measured: Object.fromEntries(m) });
      results[alg] = {
        sequential: { ours: seq.get(LIMIT) / seq.get(OURS), jose: seq.get(LIMIT) / seq.get(JOSE), ns: Object.fromEntries(seq) },
        concurrent: ratios(conc),
        repeated: ratios(rep),
      };
      for (const [who, t] of seq) sections.sequential.push([alg, who, fmtNs(t), fmtRatio(seq.get(LIMIT) / t)]);
      const rows = (m) => [...m].map(([who, { ops, cpuUs }]) => [alg, who, Math.round(ops).toLocaleString("en"), fmtRatio(ops / m.get(LIMIT).ops), `${cpuUs.toFixed(1)} µs`, fmtRatio(m.get(LIMIT).cpuUs / cpuUs)]);
      sections.concurrent.push(...rows(conc));
      sections.repeated.push(...rows(rep));
    }
  } finally {
    server.close();
    jwks.free();
  }
  const goal = (alg) => (alg === "RS256" ? 0.85 : 0.95);
  const targets = Object.entries(results).flatMap(([alg, r]) => [
    [`verifyJwt ${alg}, distinct tokens, ${CONCURRENCY} in flight ≥ ${goal(alg)}× of the limit`, `${fmtRatio(r.concurrent.ours)} (jose ${fmtRatio(r.concurrent.jose)}); by CPU ${fmtRatio(r.concurrent.byCpu.ours)} (jose ${fmtRatio(r.concurrent.byCpu.jose)})`, r.concurrent.ours >= goal(alg)],
    [`verifyJwt ${alg}, distinct tokens, ${CONCURRENCY} in flight, ahead of jose`, `${fmtRatio(r.concurrent.ours)} vs ${fmtRatio(r.concurrent.jose)}`, r.concurrent.ours > r.concurrent.jose],
    [`verifyJwt ${alg}, distinct tokens, one at a time, ahead of jose`, `${fmtNs(r.sequential.ns[OURS])} vs ${fmtNs(r.sequential.ns[JOSE])} (${fmtRatio(r.sequential.ours)} vs ${fmtRatio(r.sequential.jose)} of the limit)`, r.sequential.ns[OURS] < r.sequential.ns[JOSE]],
  ]);
  targets.push([`verifyJwt RS256, repeated token, ${CONCURRENCY} in flight ≥ 10× the limit (verified-token cache)`, fmtRatio(results.RS256.repeated.ours), results.RS256.repeated.ours >= 10]);
  const header = ["alg", "verifier", "per call", "vs the limit"];
  const concurrentHeader = ["alg", "verifier", "ops/s", "vs the limit", "CPU per call", "vs the limit, by CPU"];
  const cpuNote = "CPU per call is the whole process's (main thread and WebCrypto's threads), which other processes on the machine move far less than operations/s";
  const markdown = [
    `**Distinct tokens, one call at a time** (${DISTINCT} tokens per algorithm taken in turn; every call verifies in full)\n\n${table(header, sections.sequential)}`,
    `**Distinct tokens, ${CONCURRENCY} in flight** (operations/s, median of ${quick ? 2 : 15} interleaved rounds; the same ${DISTINCT} tokens; ours through a cache of ${DISTINCT / 2}, so every call misses and pays the insert and the eviction; ${cpuNote})\n\n${table(concurrentHeader, sections.concurrent)}`,
    `**The same token again and again, ${CONCURRENCY} in flight** (ours with the default verified-token cache, which a service called with one token for minutes meets; jose and the limit check the signature each time)\n\n${table(concurrentHeader, sections.repeated)}`,
  ].join("\n\n");
  return { title: "verifyJwt (warm key set)", markdown, targets, results };
}
