// The shared token store (TokenClient's `store` option) on a real Redis
// (Debian's redis-server, started here) and a real oidc-provider: a token read
// from a warm store with memory cold (a new TokenClient each call, as a new
// instance) against a fresh token request, p50 and p99 in the same run; then
// token requests per hour for 1 to 1000 instances, from request counts
// measured at the server in one refresh cycle.
//
//   npm run bench -- store        (or node bench/store.mjs)
import { createClient } from "redis";
import { TokenClient, redisStore } from "client-credentials";
import { startAuthServer } from "../scripts/dev-auth-server.mjs";
import { startRedis } from "../tests/support/redis.mjs";
import { fmtNs, quick, table } from "./lib.mjs";

const TOKEN_SECONDS = 300;

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function run() {
  const [as, redis] = await Promise.all([startAuthServer({ accessTokenTtl: TOKEN_SECONDS }), startRedis()]);
  const connection = await createClient({ url: redis.url }).connect();
  try {
    const { clientId, clientSecret } = as.clients.basic;
    const base = { tokenUrl: as.tokenUrl, clientId, clientSecret };
    let prefixes = 0;
    const storeOf = (lock = true) => {
      const s = redisStore(connection, { prefix: `b${++prefixes}:` });
      return lock ? s : { get: s.get, set: s.set, delete: s.delete };
    };

    // Latency: interleaved, one call at a time.
    const warm = storeOf();
    await new TokenClient({ ...base, store: warm }).getToken();
    const samples = { store: [], fresh: [] };
    const rounds = quick ? 40 : 400;
    const hit = async () => {
      const before = as.stats.tokenRequests;
      await new TokenClient({ ...base, store: warm }).getToken();
      if (as.stats.tokenRequests !== before) throw new Error("a warm store read made a token request");
    };
    const fresh = () => new TokenClient(base).getToken();
    for (let i = 0; i < 10; i++) {
      await hit();
      await fresh();
    }
    for (let i = 0; i < rounds; i++) {
      for (const [name, fn] of i % 2 ? [["fresh", fresh], ["store", hit]] : [["store", hit], ["fresh", fresh]]) {
        const t0 = process.hrtime.bigint();
        await fn();
        samples[name].push(Number(process.hrtime.bigint() - t0));
      }
    }
    const p = (name, q) => percentile(samples[name], q);
    const latency = table(
      ["getToken(), memory cold", "p50", "p99", "calls"],
      [
        ["from a warm Redis store (GET, AES-GCM open, HKDF once per client)", fmtNs(p("store", 50)), fmtNs(p("store", 99)), rounds],
        ["a fresh token request (oidc-provider, same host)", fmtNs(p("fresh", 50)), fmtNs(p("fresh", 99)), rounds],
        ["ratio fresh / store", `${(p("fresh", 50) / p("store", 50)).toFixed(1)}×`, `${(p("fresh", 99) / p("store", 99)).toFixed(1)}×`, ""],
      ],
    );

    // Scale: N instances (N TokenClients, each its own memory) start cold at
    // once; the server counts the token requests of that refresh cycle.
    const sizes = quick ? [1, 10, 100] : [1, 10, 100, 1000];
    const count = async (n, store) => {
      const before = as.stats.tokenRequests;
      await Promise.all(Array.from({ length: n }, () => new TokenClient({ ...base, store }).getToken()));
      return as.stats.tokenRequests - before;
    };
    // The refresh cycle: how long a token is used (and its entry kept), measured from the entry's TTL.
    const cycleStore = storeOf();
    await new TokenClient({ ...base, store: cycleStore }).getToken();
    const [key] = (await redis.cli("--scan", "--pattern", `b${prefixes}:*`)).trim().split("\n");
    const cycleSeconds = Number(await redis.cli("TTL", key));
    const perHour = 3600 / cycleSeconds;
    const rows = [];
    for (const n of sizes) {
      const none = await count(n, undefined);
      const locked = await count(n, storeOf(true));
      const unlocked = await count(n, storeOf(false));
      rows.push([n, none, locked, unlocked, Math.round(none * perHour), Math.round(locked * perHour), Math.round(unlocked * perHour)]);
    }
    const scale = table(
      ["instances", "requests per cold start: no store", "Redis store (lock)", "store without lock (as KV)", "per hour: no store", "per hour: Redis", "per hour: no lock, worst case"],
      rows,
    );
    const markdown = `${latency}\n\n${TOKEN_SECONDS} s tokens are used for ${cycleSeconds} s (expiry − 60 s skew; the entry's measured Redis TTL), so ${perHour.toFixed(0)} refresh cycles an hour. Requests per cycle are counted at oidc-provider when all instances start cold at once; per hour = per cycle × ${perHour.toFixed(0)}. Instances here are TokenClients in one process, each with its own memory, sharing one Redis connection; tests/store/redis.test.mjs runs 16 real processes (1 request with the lock). Without a lock every instance that misses the store at once requests: the worst case, a simultaneous cold start; staggered instances find the entry.\n\n${scale}`;
    const [, , lockedAt] = rows.at(-1);
    return {
      title: "Shared token store (Redis)",
      markdown,
      targets: [
        ["store hit faster than a fresh request (p50)", `${fmtNs(p("store", 50))} vs ${fmtNs(p("fresh", 50))}`, p("store", 50) < p("fresh", 50)],
        [`${sizes.at(-1)} cold instances, Redis store with lock: 1 request`, String(lockedAt), lockedAt === 1],
      ],
    };
  } finally {
    await connection.quit();
    await Promise.allSettled([redis.stop(), as.close()]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { markdown, targets } = await run();
  console.log(markdown);
  for (const [what, value, ok] of targets) console.log(`${ok ? "met" : "MISSED"}: ${what}: ${value}`);
}
