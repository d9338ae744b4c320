// JwksClient's `store` option against a real authorization server (oidc-provider): a key
// set fetched by one client is read by the next from the store, with no JWKS request of
// its own; a rotation (an unknown `kid`) goes to the issuer and overwrites the shared
// copy; an unusable shared copy (malformed, foreign, truncated, expired) is ignored and
// replaced; a store that throws or hangs never fails verification. JWKS requests are
// counted at the server (`stats.jwksRequests`).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { JwksClient, fetchClientCredentialsToken, verifyJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { randomKidToken } from "../support/random-kid.mjs";

let as;
const unhandled = [];
const onUnhandled = (reason) => unhandled.push(reason);

before(async () => {
  process.on("unhandledRejection", onUnhandled);
  as = await startAuthServer({ accessTokenTtl: 300 });
});

after(async () => {
  await as?.close();
  process.off("unhandledRejection", onUnhandled);
  assert.deepEqual(unhandled, [], "no unhandled rejections");
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function realToken() {
  const { clientId, clientSecret } = as.clients.basic;
  return (await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret })).accessToken;
}

const verifyOptions = (jwks) => ({ jwks, issuer: as.issuer, audience: `${as.issuer}/account` });

/** A Map behind the store interface, remembering each write's TTL. */
function memoryStore() {
  const map = new Map();
  const ttls = new Map();
  return {
    map,
    ttls,
    get: async (key) => map.get(key),
    set: async (key, value, { ttlSeconds }) => {
      map.set(key, value);
      ttls.set(key, ttlSeconds);
    },
    delete: async (key) => {
      map.delete(key);
    },
  };
}

/** A client on `store` whose store failures are collected. */
function client(store, extra = {}) {
  const errors = [];
  const jwks = new JwksClient({ jwksUri: as.jwksUri, store, onStoreError: (e) => errors.push(e), ...extra });
  return { jwks, errors };
}

async function fetchesDuring(fn) {
  const before = as.stats.jwksRequests;
  const result = await fn();
  return { result, fetches: as.stats.jwksRequests - before };
}

/** The one entry in `store`: its key and its lines. */
function entryOf(store) {
  assert.equal(store.map.size, 1);
  const [[key, value]] = store.map;
  const [version, identity, url, fetchedAt, ...body] = value.split("\n");
  return { key, value, version, identity, url, fetchedAt: Number(fetchedAt), body: JSON.parse(body.join("\n")) };
}

describe("JwksClient with a store", () => {
  test("two clients share one store: the second verifies with no JWKS fetch", async () => {
    const store = memoryStore();
    const token = await realToken();
    const a = client(store, { maxAgeSeconds: 120 });
    const first = await fetchesDuring(() => verifyJwt(token, verifyOptions(a.jwks)));
    assert.equal(first.fetches, 1);
    const entry = entryOf(store);
    assert.match(entry.key, /^jwks:[A-Za-z0-9_-]{43}$/, "hashed, in a namespace apart from token entries");
    assert.equal(entry.version, "client-credentials/jwks/1");
    assert.equal(entry.url, as.jwksUri);
    assert.ok(Math.abs(entry.fetchedAt - Date.now()) < 5000);
    assert.ok(Array.isArray(entry.body.keys) && entry.body.keys.length > 0);
    assert.equal(store.ttls.get(entry.key), 120, "TTL = maxAgeSeconds");

    const b = client(store, { maxAgeSeconds: 120 });
    const second = await fetchesDuring(() => verifyJwt(token, verifyOptions(b.jwks)));
    assert.equal(second.fetches, 0, "b read the keys from the store");
    assert.equal(second.result.header.kid, first.result.header.kid);
    assert.deepEqual([...a.errors, ...b.errors], []);
  });

  test("with issuer (discovery): the second client needs neither discovery nor the key set", async () => {
    const store = memoryStore();
    const token = await realToken();
    const a = new JwksClient({ issuer: as.issuer, store });
    assert.equal((await fetchesDuring(() => verifyJwt(token, verifyOptions(a)))).fetches, 1);
    const b = new JwksClient({ issuer: as.issuer, store });
    assert.equal(b.jwksUri, undefined);
    assert.equal((await fetchesDuring(() => verifyJwt(token, verifyOptions(b)))).fetches, 0);
    assert.equal(b.jwksUri, a.jwksUri, "the URL came with the entry");
    // A client of another issuer (here: jwksUri) does not take the issuer's entry.
    const c = client(store);
    assert.equal((await fetchesDuring(() => verifyJwt(token, verifyOptions(c.jwks)))).fetches, 1);
    assert.equal(store.map.size, 2);
  });

  test("rotation: an unknown kid fetches once and overwrites the shared copy; a third client uses the new copy", async () => {
    const store = memoryStore();
    const a = client(store, { cooldownSeconds: 0.2 });
    const b = client(store, { cooldownSeconds: 0.2 });
    const token = await realToken();
    await verifyJwt(token, verifyOptions(a.jwks));
    assert.equal((await fetchesDuring(() => verifyJwt(token, verifyOptions(b.jwks)))).fetches, 0);
    const before = entryOf(store);
    await sleep(250);
    const kid = await as.rotateKeys();
    const rotated = await realToken();

    // b has the old set (from the store): the new kid goes to the issuer, not the store.
    const rotation = await fetchesDuring(() => verifyJwt(rotated, verifyOptions(b.jwks)));
    assert.equal(rotation.fetches, 1);
    assert.equal(rotation.result.header.kid, kid);
    const after = entryOf(store);
    assert.notEqual(after.value, before.value, "the shared copy was overwritten");
    assert.ok(after.body.keys.some((k) => k.kid === kid));

    const c = client(store);
    const third = await fetchesDuring(() => verifyJwt(rotated, verifyOptions(c.jwks)));
    assert.equal(third.fetches, 0, "c used the new shared copy");
    assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  });

  test("made-up kids on a client loaded from the store: one fetch, then the cooldown", async () => {
    const store = memoryStore();
    const token = await realToken();
    await verifyJwt(token, verifyOptions(client(store).jwks));
    const b = client(store, { cooldownSeconds: 30 });
    assert.equal((await fetchesDuring(() => verifyJwt(token, verifyOptions(b.jwks)))).fetches, 0);
    const tokens = await Promise.all(Array.from({ length: 20 }, randomKidToken));
    const { fetches } = await fetchesDuring(async () => {
      for (const t of tokens) await assert.rejects(verifyJwt(t, verifyOptions(b.jwks)), { code: "ERR_JWKS_NO_KEY" });
    });
    assert.equal(fetches, 1);
  });
});

describe("unusable shared copies are ignored, then replaced", () => {
  /** A good entry and its key, from a client that fetched it. */
  async function goodEntry() {
    const store = memoryStore();
    await verifyJwt(await realToken(), verifyOptions(client(store).jwks));
    return entryOf(store);
  }

  const lines = (e, change) => {
    const parts = e.value.split("\n");
    change(parts);
    return parts.join("\n");
  };

  const cases = {
    malformed: () => "not an entry",
    "not a string": () => 42,
    "another version": (e) => lines(e, (p) => (p[0] = "client-credentials/jwks/0")),
    "foreign (another JWKS URL)": (e) => lines(e, (p) => (p[2] = "http://127.0.0.1:1/certs")),
    "foreign (another identity)": (e) => lines(e, (p) => (p[1] = "v=1&jwks_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcerts")),
    truncated: (e) => e.value.slice(0, e.value.length - 20),
    "no key set": (e) => lines(e, (p) => p.splice(4, p.length, "{}")),
    expired: (e) => lines(e, (p) => (p[3] = String(Date.now() - 601_000))),
    "from the future": (e) => lines(e, (p) => (p[3] = String(Date.now() + 3_600_000))),
  };

  for (const [name, make] of Object.entries(cases)) {
    test(name, async () => {
      const good = await goodEntry();
      const store = memoryStore();
      const bad = make(good);
      store.map.set(good.key, bad);
      const { jwks, errors } = client(store);
      const token = await realToken();
      const { fetches } = await fetchesDuring(() => verifyJwt(token, verifyOptions(jwks)));
      assert.equal(fetches, 1, "fetched from the issuer");
      const replaced = entryOf(store);
      assert.notEqual(replaced.value, bad);
      assert.equal(replaced.url, as.jwksUri);
      assert.ok(Date.now() - replaced.fetchedAt < 5000);
      assert.equal(errors.length, typeof bad === "string" ? 0 : 1);
    });
  }
});

describe("store faults never fail verification", () => {
  test("a store that throws and rejects: verified from the issuer, each failure reported", async () => {
    const store = {
      get: () => {
        throw new Error("get exploded");
      },
      set: async () => {
        throw new Error("set exploded");
      },
      delete: async () => {},
    };
    const { jwks, errors } = client(store);
    const token = await realToken();
    const { fetches } = await fetchesDuring(() => verifyJwt(token, verifyOptions(jwks)));
    assert.equal(fetches, 1);
    assert.deepEqual(
      errors.map((e) => [e.code, e.message]),
      [
        ["ERR_STORE", "the key set store failed (store.get: get exploded); the keys came from the issuer instead"],
        ["ERR_STORE", "the key set store failed (store.set: set exploded); the keys came from the issuer instead"],
      ],
    );
  });

  test("a store that never answers: verified within storeTimeoutMs plus the fetch", async () => {
    const store = { get: () => new Promise(() => {}), set: () => new Promise(() => {}), delete: async () => {} };
    const { jwks, errors } = client(store, { storeTimeoutMs: 50 });
    const token = await realToken();
    const started = Date.now();
    assert.ok(await verifyJwt(token, verifyOptions(jwks)));
    // Doesn't hang: 10× what it takes (a 50 ms store timeout for get and for set, and a fetch).
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 10 * (2 * 50 + 200), `took ${tookMs} ms`);
    assert.deepEqual(
      errors.map((e) => e.message),
      ["get", "set"].map((what) => `the key set store failed (store.${what}: no answer within storeTimeoutMs (50 ms)); the keys came from the issuer instead`),
    );
  });

  test("an onStoreError that throws changes nothing", async () => {
    const store = { get: async () => Promise.reject(new Error("down")), set: async () => {}, delete: async () => {} };
    const jwks = new JwksClient({
      jwksUri: as.jwksUri,
      store,
      onStoreError: () => {
        throw new Error("handler failed");
      },
    });
    assert.ok(await verifyJwt(await realToken(), verifyOptions(jwks)));
  });
});

describe("bad store options: ERR_INVALID_OPTIONS before any request", () => {
  const store = memoryStore();
  const cases = {
    "store not an object": { store: 5 },
    "store without delete": { store: { get: async () => {}, set: async () => {} } },
    "lock without unlock": { store: { ...store, lock: async () => true } },
    "onStoreError not a function": { store, onStoreError: "log" },
    "storeTimeoutMs 0": { store, storeTimeoutMs: 0 },
    "storeTimeoutMs too large": { store, storeTimeoutMs: 120_000 },
    "storeTimeoutMs without store": { storeTimeoutMs: 100 },
    "onStoreError without store": { onStoreError: () => {} },
  };
  for (const [name, options] of Object.entries(cases)) {
    test(name, async () => {
      const { fetches } = await fetchesDuring(async () => {
        assert.throws(() => new JwksClient({ jwksUri: as.jwksUri, ...options }), (e) => {
          assert.equal(e.code, "ERR_INVALID_OPTIONS");
          assert.match(e.message, /store/i);
          return true;
        });
      });
      assert.equal(fetches, 0);
    });
  }
});
