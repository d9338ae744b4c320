// TokenClient sharing one token through a real Redis (Debian's redis-server,
// started here on a free loopback port) with node-redis and ioredis.
// Token requests are counted at oidc-provider (scripts/dev-auth-server.mjs).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import Redis from "ioredis";
import { JwksClient, TokenClient, fetchClientCredentialsToken, redisStore, verifyJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startRedis } from "../support/redis.mjs";
import { runInstances } from "./instances.mjs";

let as, shortAs, redis, nodeRedis, ioredis;
let prefixes = 0;
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);
const prefix = () => `t${++prefixes}:`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  [as, shortAs, redis] = await Promise.all([startAuthServer({ accessTokenTtl: 300 }), startAuthServer({ accessTokenTtl: 4 }), startRedis()]);
  nodeRedis = createClient({ url: redis.url, socket: { reconnectStrategy: () => 50 } });
  // A client that lost its server emits errors; the test sees them through onStoreError.
  nodeRedis.on("error", () => {});
  await nodeRedis.connect();
  ioredis = new Redis(redis.port, "127.0.0.1", { retryStrategy: () => 50, lazyConnect: false });
  ioredis.on("error", () => {});
});

after(async () => {
  ioredis?.disconnect();
  await nodeRedis?.disconnect().catch(() => {});
  await Promise.allSettled([as?.close(), shortAs?.close(), redis?.stop()]);
  process.off("unhandledRejection", onUnhandled);
});

function instanceConfig(server, extra) {
  const { clientId, clientSecret } = server.clients.basic;
  return { tokenUrl: server.tokenUrl, clientId, clientSecret, redisPort: redis.port, calls: 100, ...extra };
}

function client(server, store, extra = {}) {
  const { clientId, clientSecret } = server.clients.basic;
  const errors = [];
  const c = new TokenClient({ tokenUrl: server.tokenUrl, clientId, clientSecret, store, onStoreError: (e) => errors.push(e), storeTimeoutMs: 300, ...extra });
  return { c, errors };
}

async function requestsDuring(server, fn) {
  const before = server.stats.tokenRequests;
  const result = await fn();
  return { result, requests: server.stats.tokenRequests - before };
}

describe("16 processes × 100 concurrent getToken() on a cold store", () => {
  test("with the lock: exactly 1 token request, every call gets that token (node-redis and ioredis mixed)", async (t) => {
    const p = prefix();
    const { result: reports, requests } = await requestsDuring(as, () =>
      runInstances(16, (i) => instanceConfig(as, { prefix: p, lock: true, library: i % 2 ? "ioredis" : "redis" })),
    );
    t.diagnostic(`token requests with the lock: ${requests}`);
    assert.equal(requests, 1);
    assert.equal(reports.length, 16);
    const tokens = new Set(reports.flatMap((r) => r.tokens));
    assert.equal(tokens.size, 1, "one token for all 1600 calls");
    for (const r of reports) {
      assert.equal(r.calls, 100);
      assert.deepEqual(r.errors, []);
      assert.deepEqual(r.storeErrors, []);
    }
  });

  test("without the lock (as KV): every call gets a token; the count is reported", async (t) => {
    const p = prefix();
    const { result: reports, requests } = await requestsDuring(as, () => runInstances(16, instanceConfig(as, { prefix: p, lock: false, library: "redis" })));
    t.diagnostic(`token requests without the lock: ${requests} (16 processes, 1600 calls)`);
    console.log(`store: 16 processes x 100 getToken(), cold store, no lock: ${requests} token requests`);
    assert.ok(requests >= 1 && requests <= 16, `${requests}`);
    for (const r of reports) {
      assert.deepEqual(r.errors, []);
      assert.equal(r.tokens.length, 1, "one token per process");
    }
  });
});

describe("what Redis holds", () => {
  test("redis-cli --scan and a dump of every value: no token, no secret, no client id in clear", async () => {
    const p = prefix();
    const { c } = client(as, redisStore(nodeRedis, { prefix: p }));
    const token = await c.getToken();
    // getToken() does not wait for the lock's release (a DEL sent after the result): give it 2 s.
    const scan = async () => (await redis.cli("--scan", "--pattern", `${p}*`)).trim().split("\n").filter(Boolean);
    let keys = await scan();
    for (let i = 0; i < 40 && keys.some((k) => k.endsWith(":lock")); i++) {
      await new Promise((r) => setTimeout(r, 50));
      keys = await scan();
    }
    assert.equal(keys.length, 1, keys.join(","));
    const dump = [];
    for (const key of keys) dump.push(key, await redis.cli("GET", key), await redis.cli("--no-raw", "DUMP", key));
    const text = dump.join("\n");
    const { clientId, clientSecret } = as.clients.basic;
    for (const needle of [clientSecret, clientId, token.accessToken, ...token.accessToken.split("."), "access_token", "Bearer", encodeURIComponent(clientSecret)]) {
      assert.ok(!text.includes(needle), `the dump contains ${needle}`);
    }
    assert.ok(!keys.some((k) => k.endsWith(":lock")), "the lock is released");
  });

  test("the entry expires with the token: a 300 s token is kept 240 s (skew 60 s)", async () => {
    const p = prefix();
    await client(as, redisStore(ioredis, { prefix: p })).c.getToken();
    const [key] = (await redis.cli("--scan", "--pattern", `${p}*`)).trim().split("\n");
    const ttl = Number(await redis.cli("TTL", key));
    assert.ok(ttl >= 235 && ttl <= 240, `TTL ${ttl}`);
  });

  test("a 4 s token's entry is gone when the token must be refreshed", async () => {
    const p = prefix();
    const store = redisStore(nodeRedis, { prefix: p });
    const token = await client(shortAs, store).c.getToken();
    const [key] = (await redis.cli("--scan", "--pattern", `${p}*`)).trim().split("\n");
    const pttl = Number(await redis.cli("PTTL", key));
    assert.ok(pttl > 0 && pttl <= 2000, `PTTL ${pttl}`);
    await sleep(Math.max(0, token.expiresAt - 2000 - Date.now()) + 100);
    assert.equal((await redis.cli("EXISTS", key)).trim(), "0");
    const { requests } = await requestsDuring(shortAs, () => client(shortAs, store).c.getToken());
    assert.equal(requests, 1, "a new instance requests a new token");
  });
});

describe("faults", () => {
  test("a tampered value: one new request, no error, and the entry is replaced", async () => {
    const p = prefix();
    const store = redisStore(nodeRedis, { prefix: p });
    await client(as, store).c.getToken();
    const [key] = (await redis.cli("--scan", "--pattern", `${p}*`)).trim().split("\n");
    const value = await nodeRedis.get(key);
    const flipped = value.slice(0, 20) + (value[20] === "A" ? "B" : "A") + value.slice(21);
    await nodeRedis.set(key, flipped, { EX: 200 });
    const b = client(as, store);
    const { requests } = await requestsDuring(as, () => b.c.getToken());
    assert.equal(requests, 1);
    assert.deepEqual(b.errors, []);
    assert.notEqual(await nodeRedis.get(key), flipped);
    assert.equal((await requestsDuring(as, () => client(as, store).c.getToken())).requests, 0, "shared again");
  });

  test("Redis killed mid-run: every call still gets a token; restarted: sharing resumes", async () => {
    const p = prefix();
    const stores = [redisStore(nodeRedis, { prefix: p }), redisStore(ioredis, { prefix: p })];
    const errors = [];
    const fresh = (i) => {
      const { c, errors: e } = client(as, stores[i % 2]);
      return c.getToken().finally(() => errors.push(...e));
    };
    const calls = [];
    for (let i = 0; i < 40; i++) {
      calls.push(fresh(i));
      if (i === 10) await redis.kill();
      await sleep(5);
    }
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.filter((r) => r.status === "rejected"), [], "every call got a token");
    assert.ok(errors.length > 0 && errors.every((e) => e.code === "ERR_STORE"), `${errors.length} store errors`);

    await redis.restart();
    // Both clients reconnect on their own.
    for (let i = 0; i < 100 && !(nodeRedis.isReady && ioredis.status === "ready"); i++) await sleep(50);
    // The restarted server is empty, but the clients replay the writes they
    // queued while it was down, so it may hold a token again already.
    const first = client(as, stores[0]);
    const a = await requestsDuring(as, () => first.c.getToken());
    assert.ok(a.requests <= 1);
    const second = client(as, stores[1]);
    const b = await requestsDuring(as, () => second.c.getToken());
    assert.equal(b.requests, 0, "shared again, across libraries");
    assert.equal(b.result.accessToken, a.result.accessToken);
    assert.deepEqual([...first.errors, ...second.errors], []);
  });

  test("no unhandled rejection from any of it", async () => {
    await sleep(400);
    assert.deepEqual(unhandled, []);
  });
});

describe("JwksClient's key set in Redis", () => {
  test("a client on ioredis verifies with the key set a client on node-redis fetched: no JWKS request", async () => {
    const p = prefix();
    const { clientId, clientSecret } = as.clients.basic;
    const { accessToken } = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret });
    const options = (jwks) => ({ jwks, issuer: as.issuer, audience: `${as.issuer}/account` });
    const errors = [];
    const onStoreError = (e) => errors.push(e);
    const first = new JwksClient({ jwksUri: as.jwksUri, store: redisStore(nodeRedis, { prefix: p }), onStoreError, maxAgeSeconds: 90 });
    const before = as.stats.jwksRequests;
    await verifyJwt(accessToken, options(first));
    assert.equal(as.stats.jwksRequests - before, 1);
    const keys = await ioredis.keys(`${p}*`);
    assert.equal(keys.length, 1);
    assert.match(keys[0], new RegExp(`^${p}jwks:[A-Za-z0-9_-]{43}$`));
    const ttl = await ioredis.ttl(keys[0]);
    assert.ok(ttl > 80 && ttl <= 90, `TTL ${ttl}`);
    assert.ok((await ioredis.get(keys[0])).startsWith("client-credentials/jwks/1\n"));

    const second = new JwksClient({ jwksUri: as.jwksUri, store: redisStore(ioredis, { prefix: p }), onStoreError });
    const { header } = await verifyJwt(accessToken, options(second));
    assert.equal(as.stats.jwksRequests - before, 1, "the second client made no JWKS request");
    assert.equal(typeof header.kid, "string");
    assert.deepEqual(errors, []);
  });
});
