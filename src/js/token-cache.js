// verifyJwt's cache of verified tokens, one per verifier (the same issuer,
// audience, algorithms and other options), as Envoy's jwt_authn keeps one:
// in service-to-service traffic the same access token arrives again and
// again, and its signature need not be checked each time.
//
// The core decides what may be kept and for how long (src/verified_cache.rs):
// only a token whose signature and claims passed, with the span over which
// its time claims hold, computed under the verifier's clock tolerance and
// maximum age. What stays here is a Map and two comparisons against the
// instants the core handed out, so a hit never crosses into wasm. A hit
// outside the span drops the entry and the token is verified in full, so a
// refusal is the core's, with its code and claim. The key that verified a
// token is kept with it: verify.js counts a hit only while that CryptoKey
// is still among the key set's keys for the token's alg and kid, so a key
// that left the set (or changed under the same kid) ends the entry.

/**
 * Up to `maxEntries` verified tokens, least recently used out first (a
 * Map keeps insertion order, and a hit moves its entry to the end).
 */
export class VerifiedTokens {
  #entries = new Map();
  #max;

  constructor(maxEntries) {
    this.#max = maxEntries;
  }

  get size() {
    return this.#entries.size;
  }

  /**
   * The entry kept for `token` if `now` (ms) is inside its span; one outside
   * it is dropped. `{ alg, kid, key, from, until, json, result }`.
   */
  find(token, now) {
    const entries = this.#entries;
    const entry = entries.get(token);
    if (entry === undefined) return undefined;
    entries.delete(token);
    if (now >= entry.from && now < entry.until) {
      entries.set(token, entry);
      return entry;
    }
    return undefined;
  }

  drop(token) {
    this.#entries.delete(token);
  }

  /**
   * Keeps a token verified with `key`: the core's `checked` result (alg,
   * kid, the span and the header and payload as JSON text).
   */
  add(token, checked, key) {
    const entries = this.#entries;
    if (entries.size >= this.#max && !entries.has(token)) entries.delete(entries.keys().next().value);
    const { alg, kid, validFrom: from, validUntil: until, json } = checked;
    entries.set(token, { alg, kid, key, from, until, json, result: undefined });
  }
}

/**
 * The `{ header, payload }` a hit returns: parsed on the first hit (the
 * verification that filled the entry returned its own copy) and frozen,
 * since every later hit shares it: a caller that edits a payload can't
 * change what the next request with the same token is granted.
 */
export function cachedResult(entry) {
  return (entry.result ??= deepFreeze(JSON.parse(entry.json)));
}

function deepFreeze(value) {
  if (value !== null && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
