// TokenClient's `store` option against hand-made stores: what a store must
// never do to getToken() (throw, reject, hang, answer nonsense), the options'
// checks, and the entry rules (foreign, tampered, truncated, another secret,
// 401 compare-and-delete). Token requests are counted at a real oidc-provider;
// tests/store/ runs the same client against Redis, KV and the Cache API.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { TokenClient, cacheStore, kvStore, redisStore } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { httpServer } from "../support/hand-server.mjs";

let as;
let shortAs; // 4 s tokens: refreshed (and unshared) after 2 s
let api; // answers 401 to the tokens in `refused`, 200 to others
const refused = new Set();
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  [as, shortAs] = await Promise.all([startAuthServer({ accessTokenTtl: 300 }), startAuthServer({ accessTokenTtl: 4 })]);
  api = await httpServer((req, res) => {
    const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    res.writeHead(refused.has(token) ? 401 : 200).end();
  });
});

after(async () => {
  await Promise.allSettled([as.close(), shortAs.close(), api.close()]);
  process.off("unhandledRejection", onUnhandled);
});

/** A working store on a Map, recording its calls; `broken` makes each call fail as `broken(name)` says. */
function memoryStore({ lock = false } = {}) {
  const map = new Map();
  const calls = [];
  const store = {
    map,
    calls,
    broken: undefined,
    async get(key) {
      calls.push(["get", key]);
      store.broken?.("get");
      return map.get(key);
    },
    async set(key, value, { ttlSeconds }) {
      calls.push(["set", key, ttlSeconds]);
      store.broken?.("set");
      map.set(key, value);
    },
    async delete(key) {
      calls.push(["delete", key]);
      store.broken?.("delete");
      map.delete(key);
    },
  };
  if (lock) {
    store.lock = async (key) => {
      calls.push(["lock", key]);
      store.broken?.("lock");
      if (map.has(`${key}:lock`)) return false;
      map.set(`${key}:lock`, "1");
      return true;
    };
    store.unlock = async (key) => {
      calls.push(["unlock", key]);
      map.delete(`${key}:lock`);
    };
  }
  return store;
}

function options(extra = {}, key = "basic") {
  const { clientId, clientSecret, authMethod } = as.clients[key];
  return { tokenUrl: as.tokenUrl, clientId, clientSecret, authMethod, ...extra };
}

/** A client on `store`, its store errors collected in `errors`. */
function client(store, extra = {}) {
  const errors = [];
  const c = new TokenClient(options({ store, onStoreError: (e) => errors.push(e), storeTimeoutMs: 200, ...extra }));
  return { c, errors };
}

async function requestsDuring(fn) {
  const before = as.stats.tokenRequests;
  const result = await fn();
  return { result, requests: as.stats.tokenRequests - before };
}

const realSetTimeout = globalThis.setTimeout;

/**
 * Runs `fn` on a driven clock: node:test's mock of setTimeout and Date, moved 10 ms
 * per real millisecond until the client starts its token request. The clock then
 * stops, so no timer of the client can fire while a busy machine serves the request.
 * Schedules (lock polling) are then checked in the clock's time, not the machine's.
 * Resolves to `fn`'s result and the clock's time when the token request started.
 */
async function onDrivenClock(t, fn) {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: Date.now() });
  const realFetch = globalThis.fetch;
  let requestedAt;
  globalThis.fetch = (...args) => {
    requestedAt ??= Date.now();
    return realFetch(...args);
  };
  try {
    let settled = false;
    const pending = fn().finally(() => (settled = true));
    while (!settled && requestedAt === undefined) {
      await new Promise((resolve) => realSetTimeout(resolve, 1));
      t.mock.timers.tick(10);
    }
    return { result: await pending, requestedAt };
  } finally {
    globalThis.fetch = realFetch;
  }
}

/** Wraps `store.lock` to record the clock's time of each call. */
function timeLocks(store) {
  const times = [];
  const lock = store.lock;
  store.lock = (key) => {
    times.push(Date.now());
    return lock(key);
  };
  return times;
}

function onlyEntry(store) {
  const entries = [...store.map].filter(([k]) => !k.endsWith(":lock"));
  assert.equal(entries.length, 1, inspect([...store.map.keys()]));
  return entries[0];
}

describe("sharing through a store", () => {
  test("a second client takes the first one's token from the store, with no request, and keeps it in memory", async () => {
    const store = memoryStore();
    const a = client(store), b = client(store);
    const first = await requestsDuring(() => a.c.getToken());
    assert.equal(first.requests, 1);
    const second = await requestsDuring(() => b.c.getToken());
    assert.equal(second.requests, 0);
    assert.deepEqual(second.result, first.result, "the same token object, expiresAt included");
    assert.ok(Object.isFrozen(second.result) && Object.isFrozen(second.result.raw));
    const gets = store.calls.filter(([op]) => op === "get").length;
    assert.equal(await b.c.getToken(), second.result, "then from memory");
    assert.equal(store.calls.filter(([op]) => op === "get").length, gets, "memory first: no store read");
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test("the entry lives until the token must be refreshed: 300 s − 60 s skew", async () => {
    const store = memoryStore();
    await client(store).c.getToken();
    const set = store.calls.find(([op]) => op === "set");
    assert.ok(set[2] >= 238 && set[2] <= 240, `ttlSeconds ${set[2]}`);
  });

  test("100 concurrent calls on a cold client read the store once and request once", async () => {
    const store = memoryStore({ lock: true });
    const { c, errors } = client(store);
    const { result, requests } = await requestsDuring(() => Promise.all(Array.from({ length: 100 }, () => c.getToken())));
    assert.equal(requests, 1);
    assert.equal(new Set(result.map((t) => t.accessToken)).size, 1);
    // Read, lock, read again under the lock (see the next test), request, write, unlock.
    assert.deepEqual(store.calls.map(([op]) => op), ["get", "lock", "get", "set", "unlock"]);
    assert.deepEqual(errors, []);
  });

  test("a token written between an instance's read and its lock is taken, not requested again", async () => {
    // The race a 16-process run hit: B misses the store, A writes its token and unlocks,
    // then B gets the lock. B must read again under the lock.
    const store = memoryStore({ lock: true });
    const a = client(store);
    await a.c.getToken();
    const realGet = store.get;
    let firstRead = true;
    store.get = async (key) => {
      if (firstRead) {
        firstRead = false;
        store.calls.push(["get", key]);
        return undefined; // B's read happened before A's write
      }
      return realGet(key);
    };
    const b = client(store);
    const { result, requests } = await requestsDuring(() => b.c.getToken());
    assert.equal(requests, 0, "B took A's token from the store");
    assert.equal(result.accessToken, (await a.c.getToken()).accessToken);
    assert.ok(!store.map.has(`${onlyEntry(store)[0]}:lock`), "B released the lock");
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test("the key is a hash and names neither client nor secret; the value holds neither token nor secret", async () => {
    const store = memoryStore();
    const token = await client(store).c.getToken();
    const [key, value] = onlyEntry(store);
    assert.match(key, /^[A-Za-z0-9_-]{43}$/, "base64url SHA-256");
    assert.match(value, /^1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    const { clientId, clientSecret } = as.clients.basic;
    for (const needle of [clientId, clientSecret, token.accessToken, ...token.accessToken.split("."), "access_token", "Bearer"]) {
      assert.ok(!key.includes(needle) && !value.includes(needle), `found ${needle}`);
    }
  });

  test("with issuer, a store hit needs no discovery: the second client makes no request at all", async () => {
    const store = memoryStore();
    const { clientId, clientSecret } = as.clients.basic;
    const make = () => new TokenClient({ issuer: as.issuer, clientId, clientSecret, store });
    const first = await requestsDuring(() => make().getToken());
    assert.equal(first.requests, 1);
    const realFetch = globalThis.fetch;
    let fetches = 0;
    globalThis.fetch = (...args) => {
      fetches++;
      return realFetch(...args);
    };
    try {
      const second = await make().getToken();
      assert.equal(second.accessToken, first.result.accessToken);
      assert.equal(fetches, 0, "neither discovery nor a token request");
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test("different scopes or clients have different entries", async () => {
    const store = memoryStore();
    await client(store).c.getToken();
    await client(store, { scope: "archive:read" }).c.getToken();
    await client(store, options({}, "post")).c.getToken();
    assert.equal(store.map.size, 3);
  });
});

describe("unusable entries are ignored and replaced, never thrown", () => {
  async function replacedAfter(mangle) {
    const store = memoryStore();
    const a = client(store);
    await a.c.getToken();
    const [key, value] = onlyEntry(store);
    store.map.set(key, mangle(value, key, store));
    const b = client(store);
    const { result, requests } = await requestsDuring(() => b.c.getToken());
    assert.equal(requests, 1, "one new request");
    assert.equal(typeof result.accessToken, "string");
    assert.deepEqual([...a.errors, ...b.errors], []);
    assert.notEqual(store.map.get(key), value, "replaced");
    const c = client(store);
    assert.equal((await requestsDuring(() => c.c.getToken())).requests, 0, "and the replacement is shared");
  }

  for (const [label, mangle] of [
    ["a tampered ciphertext", (v) => v.slice(0, -3) + (v.at(-3) === "A" ? "B" : "A") + v.slice(-2)],
    ["a tampered iv", (v) => v.slice(0, 2) + (v[2] === "A" ? "B" : "A") + v.slice(3)],
    ["a truncated value", (v) => v.slice(0, v.length >> 1)],
    ["an empty string", () => ""],
    ["not base64url", (v) => v.replace(/.$/, "!")],
    ["another format", (v) => v.replace(/^1\./, "2.")],
    ["plain JSON", () => '{"access_token":"x","token_type":"Bearer","expires_in":300}'],
  ]) {
    test(label, () => replacedAfter(mangle));
  }

  test("a foreign entry: another client's value copied under this key", async () => {
    const store = memoryStore();
    await client(store, options({}, "post")).c.getToken();
    const [, foreign] = onlyEntry(store);
    await replacedAfter((v, key) => foreign);
  });

  test("an entry written under another storeSecret", async () => {
    const store = memoryStore();
    await client(store, { storeSecret: "another-secret-of-32-characters!" }).c.getToken();
    const [, other] = onlyEntry(store);
    await replacedAfter(() => other);
  });

  test("clients with the same storeSecret share; the client secret is then not the key", async () => {
    const store = memoryStore();
    const storeSecret = "a-shared-store-secret-0123456789";
    await client(store, { storeSecret }).c.getToken();
    assert.equal((await requestsDuring(() => client(store, { storeSecret }).c.getToken())).requests, 0);
    assert.equal((await requestsDuring(() => client(store).c.getToken())).requests, 1, "without it, the entry is unreadable");
  });
});

describe("what is not shared", () => {
  test("an entry the store kept past its TTL is refused once the token must be refreshed", async (t) => {
    t.mock.timers.enable({ apis: ["Date"], now: Date.now() }); // the clock moves only when told
    const store = memoryStore(); // keeps entries forever, as KV keeps them at least 60 s
    const { clientId, clientSecret } = shortAs.clients.basic;
    const make = () => new TokenClient({ tokenUrl: shortAs.tokenUrl, clientId, clientSecret, store, onStoreError: (e) => assert.fail(e) });
    const first = await make().getToken();
    const set = store.calls.find(([op]) => op === "set");
    assert.ok(set[2] >= 1 && set[2] <= 2, `4 s token, refreshed at 2 s: ttlSeconds ${set[2]}`);
    let before = shortAs.stats.tokenRequests;
    assert.equal((await make().getToken()).accessToken, first.accessToken, "shared while fresh");
    assert.equal(shortAs.stats.tokenRequests, before);
    t.mock.timers.setTime(first.expiresAt - 2000); // the refresh time
    before = shortAs.stats.tokenRequests;
    const next = await make().getToken();
    assert.equal(shortAs.stats.tokenRequests, before + 1, "the stale entry was ignored");
    assert.notEqual(next.accessToken, first.accessToken);
  });

  test("a token without expires_in is not shared: nothing would expire it from the store", async () => {
    let served = 0;
    const server = await httpServer((req, res) => {
      served++;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: `opaque-${served}`, token_type: "Bearer" }));
    });
    try {
      const store = memoryStore();
      const make = () => new TokenClient({ tokenUrl: server.url("/token"), clientId: "c", clientSecret: "s", store });
      await make().getToken();
      await make().getToken();
      assert.equal(served, 2);
      assert.deepEqual(store.calls.filter(([op]) => op === "set"), []);
    } finally {
      await server.close();
    }
  });

  test("the client holds no secret where inspect or JSON can see it", async () => {
    const storeSecret = "a-shared-store-secret-0123456789";
    const { c } = client(memoryStore(), { storeSecret });
    await c.getToken();
    const seen = `${inspect(c, { depth: 10, showHidden: true })}${JSON.stringify(c)}`;
    for (const secret of [storeSecret, as.clients.basic.clientSecret]) assert.ok(!seen.includes(secret));
  });
});

describe("a failing store never fails getToken()", () => {
  const failures = {
    "throws synchronously": (store) => {
      for (const op of ["get", "set", "delete"]) {
        store[op] = () => {
          throw new Error(`sync ${op} failure`);
        };
      }
    },
    "rejects": (store) => {
      store.broken = (op) => {
        throw new Error(`async ${op} failure`);
      };
    },
    "never answers": (store) => {
      for (const op of ["get", "set", "delete"]) store[op] = () => new Promise(() => {});
    },
    "answers a number": (store) => {
      store.get = async () => 42;
    },
  };
  for (const [label, breakIt] of Object.entries(failures)) {
    test(`a store that ${label}: the token comes from the server, onStoreError hears ERR_STORE`, async () => {
      const store = memoryStore();
      breakIt(store);
      const { c, errors } = client(store);
      const started = Date.now();
      const { result, requests } = await requestsDuring(() => c.getToken());
      assert.equal(requests, 1);
      assert.equal(typeof result.accessToken, "string");
      // Doesn't hang: 10× what it takes (a 200 ms store timeout for get and for set, and a request).
      const tookMs = Date.now() - started;
      assert.ok(tookMs < 10 * (2 * 200 + 200), `took ${tookMs} ms`);
      assert.ok(errors.length >= 1, "onStoreError was called");
      for (const e of errors) {
        assert.equal(e.name, "ClientCredentialsError");
        assert.equal(e.code, "ERR_STORE");
        assert.match(e.message, /^the token store failed \(store\.(get|set)/);
        assert.ok(e.cause !== undefined);
        assert.ok(!e.message.includes(as.clients.basic.clientSecret) && !e.message.includes(result.accessToken));
      }
      if (label === "never answers") assert.match(errors[0].message, /storeTimeoutMs \(200 ms\)/);
    });
  }

  test("a lock that fails: the client requests without waiting", async () => {
    const store = memoryStore({ lock: true });
    store.lock = () => Promise.reject(new Error("lock down"));
    const { c, errors } = client(store);
    assert.equal((await requestsDuring(() => c.getToken())).requests, 1);
    assert.deepEqual(errors.map((e) => e.message), ["the token store failed (store.lock: lock down); the token came from the authorization server instead"]);
  });

  test("an onStoreError that throws or rejects changes nothing", async () => {
    for (const onStoreError of [() => { throw new Error("handler"); }, async () => { throw new Error("handler"); }]) {
      const store = memoryStore();
      store.broken = () => {
        throw new Error("down");
      };
      const c = new TokenClient(options({ store, onStoreError }));
      assert.equal(typeof (await c.getToken()).accessToken, "string");
    }
  });

  test("without onStoreError, failures are silent and getToken() still succeeds", async () => {
    const store = memoryStore();
    store.broken = () => {
      throw new Error("down");
    };
    const c = new TokenClient(options({ store, storeTimeoutMs: 100 }));
    assert.equal(typeof (await c.getToken()).accessToken, "string");
  });

  test("sharing resumes when the store is back", async () => {
    const store = memoryStore();
    store.broken = () => {
      throw new Error("down");
    };
    const a = client(store);
    await a.c.getToken();
    assert.equal(store.map.size, 0);
    store.broken = undefined;
    const b = client(store);
    assert.equal((await requestsDuring(() => b.c.getToken())).requests, 1, "the store is empty");
    const c = client(store);
    assert.equal((await requestsDuring(() => c.c.getToken())).requests, 0, "shared again");
    assert.deepEqual([...b.errors, ...c.errors], []);
  });

  test("no unhandled rejection came from any store", async () => {
    // Timed-out store calls settle later; give them the time to.
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(unhandled, []);
  });
});

describe("waiting for another instance's token (lock)", () => {
  test("an instance that finds the lock taken waits for the token in the store", async () => {
    const store = memoryStore({ lock: true });
    const a = client(store), b = client(store);
    const { result, requests } = await requestsDuring(() => Promise.all([a.c.getToken(), b.c.getToken()]));
    assert.equal(requests, 1);
    assert.equal(result[0].accessToken, result[1].accessToken);
  });

  test("a lock whose holder died is taken over at the first poll after it expires", async (t) => {
    const store = memoryStore({ lock: true });
    const { c } = client(store, { timeoutMs: 1000 });
    const key = await (async () => {
      await client(store).c.getToken();
      const [k] = onlyEntry(store);
      store.map.clear();
      return k;
    })();
    const locks = timeLocks(store);
    store.map.set(`${key}:lock`, "1"); // a holder that never writes
    const { result, requestedAt } = await onDrivenClock(t, () => {
      setTimeout(() => store.map.delete(`${key}:lock`), 300); // and its lock expires
      return requestsDuring(() => c.getToken());
    });
    assert.equal(result.requests, 1);
    const taken = locks.findIndex((at) => at - locks[0] >= 300);
    assert.equal(taken, locks.length - 1, `lock attempts at ${locks.map((at) => at - locks[0])} ms: the first one after 300 ms takes it`);
    const waited = requestedAt - locks[0];
    // The poll interval there is at most 250 ms (it grows from 20 ms by half each time).
    assert.ok(waited >= 300 && waited < 300 + 250, `requested ${waited} ms after the first lock attempt`);
  });

  test("a lock that is never released: polling ends within joinLimitMs − timeoutMs, then the client requests", async (t) => {
    const store = memoryStore({ lock: true });
    store.lock = async () => false;
    const locks = timeLocks(store);
    const { c } = client(store, { timeoutMs: 500 }); // join limit 2 s, so at most 1.5 s of polling
    const { result, requestedAt } = await onDrivenClock(t, () => requestsDuring(() => c.getToken()));
    assert.equal(result.requests, 1);
    const waited = requestedAt - locks[0];
    // The last poll comes less than one interval (at most 250 ms) before the limit, never after it.
    assert.ok(waited > 1500 - 250 && waited <= 1500, `requested ${waited} ms after the first lock attempt`);
    const gaps = locks.slice(1).map((at, i) => at - locks[i]);
    assert.ok(gaps[0] >= 20 && gaps[0] <= 30, `first poll after ${gaps[0]} ms`);
    assert.ok(gaps.every((gap, i) => i === 0 || gap >= gaps[i - 1]) && Math.max(...gaps) <= 260, `polls ${gaps} ms apart: growing, at most 250 ms`);
  });
});

describe("a 401 removes the shared entry only while it holds the refused token", () => {
  test("the entry holds the refused token: deleted, a new one requested and shared", async () => {
    const store = memoryStore();
    const a = client(store), b = client(store);
    const t1 = await a.c.getToken();
    await b.c.getToken(); // b holds t1 in memory, from the store
    refused.add(t1.accessToken);
    const { result, requests } = await requestsDuring(() => a.c.fetch(api.url("/api")));
    assert.equal(result.status, 200);
    assert.equal(requests, 1);
    assert.ok(store.calls.some(([op]) => op === "delete"));
    const t2 = await a.c.getToken();
    assert.notEqual(t2.accessToken, t1.accessToken);

    // b still holds t1; the store now holds t2: b's 401 must not delete it.
    const deletes = store.calls.filter(([op]) => op === "delete").length;
    const second = await requestsDuring(() => b.c.fetch(api.url("/api")));
    assert.equal(second.result.status, 200);
    assert.equal(second.requests, 0, "b took t2 from the store");
    assert.equal(store.calls.filter(([op]) => op === "delete").length, deletes, "no delete");
    assert.equal((await b.c.getToken()).accessToken, t2.accessToken);
  });

  test("invalidate() never takes the refused token back from the store", async () => {
    const store = memoryStore();
    store.delete = () => new Promise(() => {}); // the delete never lands
    const { c } = client(store);
    const t1 = await c.getToken();
    c.invalidate();
    const { result, requests } = await requestsDuring(() => c.getToken());
    assert.equal(requests, 1);
    assert.notEqual(result.accessToken, t1.accessToken);
  });
});

describe("options", () => {
  const bad = {
    "store is not an object": { store: "redis://x" },
    "store has no set": { store: { get() {}, delete() {} } },
    "lock without unlock": { store: { get() {}, set() {}, delete() {}, lock() {} } },
    "onStoreError is not a function": { store: memoryStore(), onStoreError: "log" },
    "storeSecret too short": { store: memoryStore(), storeSecret: "short" },
    "storeSecret not a string": { store: memoryStore(), storeSecret: 12345678901234567890 },
    "storeTimeoutMs 0": { store: memoryStore(), storeTimeoutMs: 0 },
    "storeTimeoutMs too long": { store: memoryStore(), storeTimeoutMs: 600_000 },
    "storeSecret without store": { storeSecret: "a-shared-store-secret-0123456789" },
    "onStoreError without store": { onStoreError: () => {} },
  };
  for (const [label, extra] of Object.entries(bad)) {
    test(`${label}: ERR_INVALID_OPTIONS, and the store untouched`, () => {
      let err;
      try {
        new TokenClient(options(extra));
      } catch (e) {
        err = e;
      }
      assert.equal(err?.code, "ERR_INVALID_OPTIONS", inspect(err));
      assert.ok(err.message.length > 20);
      if (extra.store?.calls) assert.deepEqual(extra.store.calls, []);
    });
  }

  test("the adapters refuse what is not a client, namespace or cache", () => {
    for (const make of [() => redisStore({}), () => redisStore(null), () => kvStore({}), () => cacheStore("default"), () => redisStore({ call() {} }, { prefix: 5 })]) {
      assert.throws(make, (e) => e.code === "ERR_INVALID_OPTIONS" && e.name === "ClientCredentialsError");
    }
  });

  test("fetchClientCredentialsToken ignores store, as it caches nothing", async () => {
    const { fetchClientCredentialsToken } = await import("client-credentials");
    const store = memoryStore();
    await fetchClientCredentialsToken(options({ store }));
    assert.deepEqual(store.calls, []);
  });
});
