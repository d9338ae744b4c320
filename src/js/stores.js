// Store adapters for TokenClient's `store` option: the user's own Redis
// client, Cloudflare KV namespace or Cache API cache, behind the one small
// interface src/js/store.js calls:
//
//   get(key) → string | undefined      set(key, value, { ttlSeconds })
//   delete(key)                        lock?(key, ttlMs) → boolean, unlock?(key)
//
// Each returns a promise. No store package is imported: the clients are
// duck-typed, so the package has no runtime dependency on any of them.

import { hostError } from "./client_credentials.js";

const INVALID = 7; // hostError kind: ERR_INVALID_OPTIONS

const invalid = (message) => hostError(INVALID, message, 0);

/** Keys are prefixed, so the entries are easy to find and can't collide with the application's own. */
const DEFAULT_PREFIX = "client-credentials:";

function prefixOf(options) {
  const prefix = options?.prefix ?? DEFAULT_PREFIX;
  if (typeof prefix !== "string") throw invalid("the store's prefix must be a string");
  return prefix;
}

/**
 * A store on a connected Redis client: node-redis (v4, v5) or ioredis. The
 * lock is `SET key:lock 1 NX PX ttl`, so one instance requests the token
 * while the others wait for it.
 */
export function redisStore(client, options) {
  if (client === null || typeof client !== "object") throw invalid("redisStore expects a connected node-redis or ioredis client");
  const prefix = prefixOf(options);
  // ioredis: call(command, ...args); node-redis: sendCommand([command, ...args]).
  let command;
  if (typeof client.call === "function") command = (...args) => client.call(...args);
  else if (typeof client.sendCommand === "function") command = (...args) => client.sendCommand(args);
  else throw invalid("redisStore expects a node-redis (v4, v5) or ioredis client: it has neither call() nor sendCommand()");
  const text = (v) => (v === null || v === undefined ? undefined : typeof v === "string" ? v : String(v));
  return {
    get: async (key) => text(await command("GET", prefix + key)),
    set: async (key, value, { ttlSeconds }) => {
      await command("SET", prefix + key, value, "EX", String(ttlSeconds));
    },
    delete: async (key) => {
      await command("DEL", prefix + key);
    },
    lock: async (key, ttlMs) => (await command("SET", `${prefix}${key}:lock`, "1", "NX", "PX", String(Math.max(1, Math.ceil(ttlMs))))) !== null,
    unlock: async (key) => {
      await command("DEL", `${prefix}${key}:lock`);
    },
  };
}

/**
 * A store on a Cloudflare Workers KV namespace. KV has no atomic
 * operation, so there is no lock: instances that start cold at once each
 * request a token, and the last write wins. KV keeps a key at least 60 s;
 * an entry whose token expires sooner is refused on read all the same.
 */
export function kvStore(namespace, options) {
  if (namespace === null || typeof namespace !== "object" || typeof namespace.get !== "function") {
    throw invalid("kvStore expects a KV namespace binding, such as env.TOKENS");
  }
  const prefix = prefixOf(options);
  return {
    get: async (key) => (await namespace.get(prefix + key)) ?? undefined,
    set: (key, value, { ttlSeconds }) => namespace.put(prefix + key, value, { expirationTtl: Math.max(60, ttlSeconds) }),
    delete: (key) => namespace.delete(prefix + key),
  };
}

/**
 * A store on a Cache API cache (`caches.default` in Workers): entries are
 * responses at synthetic https URLs, kept `max-age` seconds. The cache is
 * per data center and has no lock.
 */
export function cacheStore(cache, options) {
  if (cache === null || typeof cache !== "object" || typeof cache.match !== "function") {
    throw invalid("cacheStore expects a Cache, such as caches.default or await caches.open(name)");
  }
  const prefix = prefixOf(options);
  const url = (key) => `https://client-credentials.invalid/${encodeURIComponent(prefix + key)}`;
  return {
    get: async (key) => {
      const response = await cache.match(url(key));
      return response === undefined ? undefined : response.text();
    },
    set: (key, value, { ttlSeconds }) =>
      cache.put(url(key), new Response(value, { headers: { "content-type": "text/plain", "cache-control": `max-age=${ttlSeconds}` } })),
    delete: async (key) => {
      await cache.delete(url(key));
    },
  };
}
