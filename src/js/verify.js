// verifyJwt, JwksClient and authorizeRequest: the resource-server half,
// the core's JwtVerifier and KeySource driven over src/js/http.js (the key set
// requests) and src/js/webcrypto.js (the signatures).
//
// The core decides: the token's structure, header and claims, which keys
// may verify it, when a remote key set is fetched again, and every error.
// What stays here is what only JavaScript can do: awaiting, sharing one
// key set request among concurrent callers, keeping imported CryptoKeys,
// and reading a fetch API Request and answering it with a Response.
import { DpopProof, DpopReplay, JwtVerifier, KeySource, checkDpopOptions, verifyError } from "./client_credentials.js";
import { GAVE_UP, INLINE, afterThisTask, handOver, noop, report, withCause, within } from "./flight.js";
import { send } from "./http.js";
import { introspect, introspectionFailures, introspectorFor } from "./introspection.js";
import { sharedKeySet } from "./store.js";
import { clientRoles, realmRoles, scopes } from "./claims.js";
import { VerifiedTokens, cachedResult } from "./token-cache.js";
import { ALGS, cryptoKeyFits, importKey, sha256, verifySignature } from "./webcrypto.js";

const SIGNATURE = 0, OPTIONS = 1, KEY_MISFIT = 2;

/** `KeySource.window`: what the core says of the cached keys (see src/jwk.rs `Refresh`). */
const FRESH = 0, REFETCH = 1, MISSING = 3;

/**
 * The CryptoKeys that may verify a token signed with `alg` naming `kid`,
 * imported once per (alg, kid) and kept until the key set changes: the array
 * itself once imported (so a warm call awaits nothing), a promise of it
 * before. Keys that WebCrypto refuses to import (a malformed modulus) are
 * left out.
 */
function imported(source, cache, alg, kid) {
  const id = keyId(alg, kid);
  const cached = cache.get(id);
  if (cached !== undefined) return cached;
  const texts = source.select(alg, kid);
  if (texts === "") return NONE;
  const keys = Promise.all(texts.split("\n").map((jwk) => importKey(jwk, alg).catch(() => undefined))).then((list) => {
    const usable = list.filter((key) => key !== undefined);
    if (cache.get(id) === keys) cache.set(id, usable);
    return usable;
  });
  cache.set(id, keys);
  return keys;
}

const NONE = [];

const keyId = (alg, kid) => (kid === undefined ? alg : `${alg}\n${kid}`);

/** The keys `imported` already holds for `alg` and `kid`, without importing or fetching; undefined if none are at hand. */
function importedAtHand(cache, alg, kid) {
  const keys = cache.get(keyId(alg, kid));
  return Array.isArray(keys) ? keys : undefined;
}

/** `JwksClient`'s key lookups, for `candidates` and `keysAtHand` only (set by the class's static block). */
let keysOf, keysAtHandOf;

/**
 * A remote JSON Web Key Set (RFC 7517 §5), found from an `issuer` by
 * discovery or given as `jwksUri`, for `verifyJwt`.
 *
 * - Keys and their imported CryptoKeys are kept, and fetched again after
 *   `maxAgeSeconds`; a token with an unknown `kid` causes at most one fetch
 *   per `cooldownSeconds`, so a flood of made-up `kid`s costs the issuer one
 *   request per cooldown.
 * - The first load and every refetch are shared by all concurrent callers;
 *   a caller waits for someone else's at most `joinLimitMs` (as TokenClient),
 *   so a finished Workers request can't hang the next one.
 * - Past `maxAgeSeconds` the cached keys serve at once while one
 *   background request refetches them (handed to `waitUntil` if given).
 * - A failed fetch is not cached: with no keys yet, the next call fetches
 *   again; with keys, they stay in use up to `maxStaleSeconds` after they
 *   were fetched, `onRefreshError` hears each failure, and the core's
 *   backoff says when to try again. A token with an unknown `kid` while the
 *   issuer is down fails with ERR_JWKS_NO_KEY, the fetch's error as `cause`.
 */
export class JwksClient {
  #source;
  /** `alg \n kid` → Promise<CryptoKey[]>, for the current key set. */
  #keys = new Map();
  #loaded = false;
  /** The fetch in flight: `{ id, promise }`. */
  #flight;
  #flights = 0;
  /** With the `store` option: the key set shared with other instances. */
  #shared;
  /** The last failed refetch's error, until a fetch succeeds. */
  #refetchError;
  #onRefreshError;
  #waitUntil;
  /** The `fetch` option (undefined: the global one), read once. */
  #fetcher;

  /** `{ issuer | jwksUri, cooldownSeconds = 30, maxAgeSeconds = 600, maxStaleSeconds = 86400, timeoutMs = 5000, signal, fetch, allowInsecureHttp, onRefreshError, waitUntil, store, onStoreError, storeTimeoutMs = 1000 }` */
  constructor(options) {
    this.#source = new KeySource(options);
    this.#shared = sharedKeySet(this.#source, options);
    this.#onRefreshError = options.onRefreshError ?? undefined;
    this.#waitUntil = options.waitUntil ?? undefined;
    // Checked by the core above.
    this.#fetcher = options.fetch ?? undefined;
  }

  /** The key set's URL, once known (given, or found by discovery). */
  get jwksUri() {
    return this.#source.url;
  }

  /** Fetches the key set now (or joins the fetch in flight), for a warm start; rejects if it fails. */
  reload() {
    return this.#reload(false);
  }

  /** With `useStore`, a fresh shared copy (see `store`) stands in for the fetch. */
  #reload(useStore) {
    return this.#flight !== undefined ? this.#join(this.#flight, useStore) : this.#start(useStore);
  }

  /** Frees the client's wasm memory; the client can't be used after. */
  free() {
    this.#source.free();
    this.#keys.clear();
  }

  static {
    keysOf = (client, alg, kid) => client.#keysFor(alg, kid);
    keysAtHandOf = (client, alg, kid) => (client.#current() ? importedAtHand(client.#keys, alg, kid) : undefined);
  }

  /** Whether the key set is loaded, not being fetched, and younger than maxAgeSeconds: its keys may be used as they are. */
  #current() {
    return this.#loaded && this.#flight === undefined && this.#source.window(Date.now()) === FRESH;
  }

  /** The keys for `alg` and `kid`: an array when they are at hand, else a promise of one. */
  #keysFor(alg, kid) {
    if (this.#loaded) {
      const window = this.#source.window(Date.now());
      if (window !== MISSING) {
        if (window === REFETCH) {
          const refetch = this.#ahead();
          // workerd without waitUntil: the refetch runs inside this request.
          if (INLINE && this.#waitUntil === undefined) return within(refetch, this.#source.joinLimitMs).then(() => this.#load(alg, kid));
        }
        const keys = imported(this.#source, this.#keys, alg, kid);
        if (Array.isArray(keys) && keys.length > 0) return keys;
      }
    }
    return this.#load(alg, kid);
  }

  /** One background refetch past the max age, unless a fetch is in flight; resolves when it settles, never rejects. */
  #ahead() {
    const flight = this.#flight;
    if (flight !== undefined && Date.now() - flight.startedAt <= this.#source.joinLimitMs) return flight.settled;
    this.#start(true, true);
    const { settled } = this.#flight;
    handOver(this.#waitUntil, settled);
    return settled;
  }

  async #load(alg, kid) {
    const source = this.#source;
    const usable = () => this.#loaded && source.window(Date.now()) !== MISSING;
    if (!usable()) {
      const kept = this.#refetchError;
      try {
        await this.#reload(true);
      } catch (e) {
        // Keys older than maxStaleSeconds are not used, however long the issuer is down.
        if (!usable()) throw withCause(e, kept);
      }
    }
    let keys = await imported(source, this.#keys, alg, kid);
    // An unknown key: join a fetch in flight, or start one once per cooldown;
    // never from the store, whose copy may be the one without the key. A
    // joined flight that only read the store records no fetch: then fetch.
    let failed;
    for (let i = 0; i < 2 && keys.length === 0 && (this.#flight !== undefined || source.mayRefetch(Date.now())); i++) {
      try {
        await this.#reload(false);
      } catch (e) {
        failed = e;
        break;
      }
      keys = await imported(source, this.#keys, alg, kid);
    }
    if (keys.length === 0) {
      const error = source.noKey(alg, kid, false);
      // The issuer is down: the key may be one it published since.
      const cause = failed ?? this.#refetchError;
      if (cause !== undefined) error.cause = cause;
      throw error;
    }
    return keys;
  }

  #start(useStore, background = false) {
    const id = ++this.#flights;
    const settle = () => {
      if (this.#flight?.id === id) this.#flight = undefined;
    };
    // A background refetch starts after the caller has its keys.
    const fetched = background ? afterThisTask().then(() => this.#fetch(useStore)) : this.#fetch(useStore);
    const promise = fetched.then(
      () => {
        settle();
        this.#keys.clear();
        this.#loaded = true;
        this.#refetchError = undefined;
      },
      (error) => {
        settle();
        this.#failed(error);
        throw error;
      },
    );
    this.#flight = { id, promise, startedAt: Date.now(), settled: promise.then(noop, noop) };
    return promise;
  }

  /**
   * A fetch failed: the core schedules the next background attempt. With
   * keys in hand, it was a refetch: its error is kept, for the `cause` of
   * a later failure, and reported.
   */
  #failed(error) {
    this.#source.failed(Date.now(), String(error?.code ?? ""));
    if (!this.#loaded) return;
    this.#refetchError = error;
    report(this.#onRefreshError, error);
  }

  /** The shared copy (with `useStore`), else discovery (once), then the key set, each within `timeoutMs`, through http.js; then shared. */
  async #fetch(useStore) {
    const source = this.#source;
    const shared = this.#shared;
    if (useStore && shared !== undefined && (await shared.read(source))) return;
    source.attempted(Date.now());
    const { signal, timeoutMs } = source;
    const fetcher = this.#fetcher;
    for (let i = 0, url; (url = source.metadataUrl(i)) !== undefined; i++) {
      const res = await send(url, undefined, undefined, timeoutMs, signal, undefined, true, fetcher);
      if (source.discovered(i, res.status, res.body)) break;
    }
    // The key set's URL is used as given: a redirect is an error, not followed.
    const res = await send(source.url, undefined, undefined, timeoutMs, signal, undefined, false, fetcher);
    const fetchedAt = Date.now();
    source.accept(res.status, res.meta, res.body, fetchedAt);
    if (shared !== undefined) await shared.write(source, res.body, fetchedAt);
  }

  /** Waits for someone else's fetch, never longer than it can take; past that, replaces it (see TokenClient). */
  async #join(flight, useStore) {
    const winner = await within(flight.promise, this.#source.joinLimitMs);
    if (winner !== GAVE_UP) return winner;
    const current = this.#flight;
    return current !== undefined && current !== flight ? this.#join(current, useStore) : this.#start(useStore);
  }
}

/** A key set the caller passed (a JWKS object, or one JWK as `key`), read once per object. */
const fixedSets = new WeakMap();

function fixedSet(value, single) {
  let set = fixedSets.get(value);
  if (set === undefined) {
    let text;
    try {
      text = JSON.stringify(value);
    } catch {
      throw verifyError(OPTIONS, single ? "key must be a CryptoKey or a JWK object" : "jwks must be a JwksClient or a JWK Set object");
    }
    set = { source: KeySource.fromJson(text, single), keys: new Map() };
    fixedSets.set(value, set);
  }
  return set;
}

/** The CryptoKeys to try for `alg` and `kid`, from whichever key option the caller gave: an array, or a promise of one. */
function candidates(options, alg, kid) {
  const { jwks, key } = options;
  if ((jwks == null) === (key == null)) throw verifyError(OPTIONS, "pass exactly one of jwks (a JwksClient or a JWK Set object) and key (a CryptoKey or a JWK object)");
  if (jwks instanceof JwksClient) return keysOf(jwks, alg, kid);
  if (typeof CryptoKey !== "undefined" && key instanceof CryptoKey) {
    if (cryptoKeyFits(key, alg)) return [key];
    throw verifyError(KEY_MISFIT, alg);
  }
  const value = jwks ?? key;
  if (typeof value !== "object" || Array.isArray(value)) throw verifyError(OPTIONS, jwks != null ? "jwks must be a JwksClient or a JWK Set object ({ keys: [...] })" : "key must be a CryptoKey or a JWK object");
  const set = fixedSet(value, jwks == null);
  const keys = imported(set.source, set.keys, alg, kid);
  const fit = (list) => {
    if (list.length === 0) throw set.source.noKey(alg, kid, jwks == null);
    return list;
  };
  return Array.isArray(keys) ? fit(keys) : keys.then(fit);
}

/**
 * The keys the caller's key option holds for `alg` and `kid` right now,
 * without importing, fetching or throwing; undefined when they are not at
 * hand or the options are not a plain key option. A cached token counts
 * only while the key that verified it is among them.
 */
function keysAtHand(options, alg, kid) {
  const { jwks, key } = options;
  if ((jwks == null) === (key == null)) return undefined;
  if (jwks instanceof JwksClient) return keysAtHandOf(jwks, alg, kid);
  if (typeof CryptoKey !== "undefined" && key instanceof CryptoKey) return [key];
  const set = fixedSets.get(jwks ?? key);
  return set === undefined ? undefined : importedAtHand(set.keys, alg, kid);
}

/** The core's checker for these options, made once per distinct set of values (the options object may be a new literal each call). */
const verifiers = new Map();
const MAX_VERIFIERS = 64;

/** Each pooled verifier's cache of verified tokens (src/js/token-cache.js), unless its `tokenCache` is false. */
const verifiedTokens = new WeakMap();

/**
 * The id of the verifier each options object last got, with the values it
 * was made from: a caller that passes the same object each time skips the
 * JSON.stringify below, while a changed value (an array edited in place
 * too) still gets its own verifier.
 */
const byObject = new WeakMap();

const sameValue = (a, b) => a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]));

function verifierFor(options) {
  if (options === null || typeof options !== "object") return new JwtVerifier(options);
  const { issuer, audience, algorithms, clockToleranceSeconds, maxTokenAgeSeconds, typ, authorizedParty, tokenCache } = options;
  const values = [issuer, audience, algorithms, clockToleranceSeconds, maxTokenAgeSeconds, typ, authorizedParty, tokenCache];
  const last = byObject.get(options);
  if (last !== undefined && last.values.every((v, i) => sameValue(v, values[i]))) {
    // Absent once MAX_VERIFIERS freed them all: then made again below.
    const verifier = verifiers.get(last.id);
    if (verifier !== undefined) return verifier;
  }
  let id;
  try {
    id = JSON.stringify(values);
  } catch {
    return new JwtVerifier(options);
  }
  let verifier = verifiers.get(id);
  if (verifier === undefined) {
    verifier = new JwtVerifier(options);
    if (verifiers.size >= MAX_VERIFIERS) {
      for (const v of verifiers.values()) v.free();
      verifiers.clear();
    }
    verifiers.set(id, verifier);
    const entries = verifier.cacheEntries;
    if (entries > 0) verifiedTokens.set(verifier, new VerifiedTokens(entries));
  }
  // Copies of the arrays: the caller's may be edited in place.
  byObject.set(options, { id, values: values.map((v) => (Array.isArray(v) ? [...v] : v)) });
  return verifier;
}

function nowMs(options) {
  const date = options.currentDate;
  if (date === undefined) return Date.now();
  const ms = date instanceof Date ? date.getTime() : NaN;
  if (!Number.isFinite(ms)) throw verifyError(OPTIONS, "currentDate must be a valid Date");
  return ms;
}

/**
 * Verifies a JWS JWT: structure, header, key, signature, then claims, in
 * that order, so the claims of a token whose signature fails are never
 * reported. Resolves to `{ header, payload }`.
 *
 * A token verified before with the same options is taken from the
 * verifier's cache (src/js/token-cache.js) while the clock is inside the
 * span the core gave for its claims and the key that verified it is still
 * in the key set; its `{ header, payload }` is then shared and frozen.
 */
export async function verifyJwt(token, options) {
  const verifier = verifierFor(options);
  const now = nowMs(options);
  const tokens = verifiedTokens.get(verifier);
  if (tokens !== undefined) {
    const entry = tokens.find(token, now);
    if (entry !== undefined) {
      if (keysAtHand(options, entry.alg, entry.kid)?.includes(entry.key)) return cachedResult(entry);
      tokens.drop(token);
    }
  }
  const checked = verifier.check(token, now);
  const { alg } = checked;
  let keys = candidates(options, alg, checked.kid);
  if (!Array.isArray(keys)) keys = await keys;
  if (checked.signatureError !== undefined) throw checked.signatureError;
  let decoded;
  for (const key of keys) {
    const verified = verifySignature(alg, key, checked.signature, checked.data);
    // Parsed while WebCrypto computes (on another thread in Node, Deno and
    // Bun); the core has already validated this JSON.
    decoded ??= JSON.parse(checked.json);
    if (await verified) {
      if (checked.claimsError !== undefined) throw checked.claimsError;
      tokens?.add(token, checked, key);
      return decoded;
    }
  }
  throw verifyError(SIGNATURE, "");
}

/** RFC 6750 §2.1 and RFC 9449 §7.1: `Bearer` or `DPoP` (any case), spaces, a b64token. */
const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The schemes this resource server takes, however the rest of the header reads. */
const OUR_SCHEME = /^(Bearer|DPoP)(?: |$)/i;

/** What `error_description` says for each failure: fixed texts, so a response never echoes the token or the server's configuration. */
const DESCRIPTIONS = {
  ERR_INVALID_JWT: "the access token is not a well-formed JWT",
  ERR_JWT_ALG: "the access token's algorithm is not accepted",
  ERR_JWT_SIGNATURE: "the access token's signature is invalid",
  ERR_JWT_EXPIRED: "the access token expired",
  ERR_JWT_NOT_YET_VALID: "the access token is not valid yet",
  ERR_JWKS_NO_KEY: "the access token's signing key is unknown",
};

/**
 * Checks the bearer token of a fetch API `Request` (RFC 6750 §2.1) with
 * `verifyJwt` (or, with `introspection`, by asking the authorization
 * server, RFC 7662), then the realm roles, client roles and scopes the
 * options require (all of them). Resolves to `{ ok: true, header, payload,
 * token }` (and `active`, the introspection answer, for an introspected
 * token) or `{ ok: false, status, response }`, `response` a ready
 * `Response`: 401 (`invalid_token`, or no error code when the request
 * carried no token or another scheme's credentials, RFC 6750 §3.1), 400
 * `invalid_request` for a malformed Bearer or DPoP header (the error in
 * `WWW-Authenticate` too, §3), 403 `insufficient_scope`, 503 (with the
 * error as `cause`) when the key set can't be fetched or the token can't
 * be introspected.
 * `realm` (optional) names the protection space in the challenge.
 * Bad options reject with ERR_INVALID_OPTIONS.
 */
export async function authorizeRequest(request, options) {
  const wanted = grants(options);
  const realm = options?.realm;
  if (realm !== undefined && (typeof realm !== "string" || /["\\\x00-\x1f\x7f]/.test(realm))) {
    throw verifyError(OPTIONS, "realm must be a string without quotes, backslashes or control characters");
  }
  const dpopOptions = proofOptions(options?.dpop);
  const introspector = introspectorFor(options);
  const authorization = request?.headers?.get?.("authorization");
  // RFC 6750 §3.1: a request without credentials, or with another scheme's, gets the bare challenge.
  const scheme = authorization == null ? null : OUR_SCHEME.exec(authorization);
  if (scheme === null) return refusal(realm)(401);
  const match = AUTHORIZATION.exec(authorization);
  if (match === null) return refusal(realm, scheme[1].toLowerCase() === "dpop")(400, "invalid_request", "the Authorization header is not `Bearer <token>` or `DPoP <token>`");
  const dpop = match[1].toLowerCase() === "dpop";
  // A refusal answers in the scheme the request used (RFC 9449 §7.1).
  const deny = refusal(realm, dpop);
  const token = match[2];
  let verified;
  try {
    verified = await (introspector === undefined ? verifyJwt(token, options) : checkToken(token, options, introspector));
  } catch (e) {
    if (e?.code === "ERR_INVALID_OPTIONS" || e?.name !== "ClientCredentialsError") throw e;
    // The claim's name is the core's (iss, aud, ...), never the token's text.
    const description = e.code === "ERR_JWT_CLAIM" ? `the access token's ${e.claim} is not accepted` : DESCRIPTIONS[e.code];
    if (description === undefined) {
      const refused = deny(503, "temporarily_unavailable", introspectionFailures.has(e) ? "the token could not be introspected" : "the issuer's keys could not be fetched");
      return { ...refused, cause: e };
    }
    return deny(401, "invalid_token", description);
  }
  if (verified === null) return deny(401, "invalid_token", "the access token is not active");
  const { payload } = verified;
  // RFC 9449 §7.1: a token bound to a key (cnf.jkt) is accepted only as DPoP, with a proof by that key;
  // an unbound one only as Bearer, so a downgrade either way is refused.
  const jkt = payload.cnf?.jkt;
  if (!dpop && jkt !== undefined) return refusal(realm, true)(401, "invalid_token", "the access token is bound to a DPoP key; send it as `Authorization: DPoP` with a proof");
  if (dpop && typeof jkt !== "string") return deny(401, "invalid_token", "the access token is not DPoP-bound (no cnf.jkt); send it as `Authorization: Bearer`");
  if (dpop) {
    const refused = await proofRefusal(request, token, jkt, nowMs(options), dpopOptions, options.clockToleranceSeconds);
    // RFC 9449 §9: a proof without the server's nonce is answered with the nonce to use.
    if (refused?.claim === "nonce") return deny(401, "use_dpop_nonce", refused.message, undefined, { "dpop-nonce": dpopOptions.nonce });
    if (refused !== undefined) return deny(401, "invalid_dpop_proof", refused.message);
  }
  const has = (granted, required) => required.every((r) => granted.includes(r));
  if (!has(realmRoles(payload), wanted.realmRoles)) return deny(403, "insufficient_scope", "a required realm role is missing");
  for (const [client, roles] of wanted.clientRoles) {
    if (!has(clientRoles(payload, client), roles)) return deny(403, "insufficient_scope", "a required client role is missing");
  }
  if (!has(scopes(payload), wanted.scopes)) return deny(403, "insufficient_scope", "a required scope is missing", wanted.scopes.join(" "));
  const granted = { ok: true, header: verified.header, payload, token };
  if (verified.active !== undefined) granted.active = verified.active;
  return granted;
}

/**
 * With the `introspection` option: the authorization server's word on a
 * token that is not a JWT (the core could not read it as one), or on every
 * token with `always`; else `verifyJwt`. Null for a token it calls inactive.
 */
async function checkToken(token, options, introspector) {
  if (!introspector.always) {
    try {
      return await verifyJwt(token, options);
    } catch (e) {
      if (e?.code !== "ERR_INVALID_JWT") throw e;
    }
  }
  return introspect(introspector, token, verifierFor(options), nowMs(options));
}

/** The proofs accepted lately in this isolate (made on first use, once the wasm is ready), so a replayed one is refused. */
let replay;

/**
 * Why the request's DPoP proof is refused (an ERR_DPOP_PROOF, its message a fixed text), or
 * undefined when it holds: the core checks the header and claims, WebCrypto
 * the signature with the proof's own key and the hashes (`ath`, the key's
 * thumbprint against `cnf.jkt`), then the core refuses a replayed proof.
 */
async function proofRefusal(request, token, jkt, now, { maxAgeSeconds, nonce }, clockToleranceSeconds) {
  let proof;
  try {
    const header = request.headers.get("dpop") ?? undefined;
    proof = new DpopProof(header, request.method, request.url, await sha256(token), now, maxAgeSeconds, clockToleranceSeconds, nonce);
    const { alg } = proof;
    const key = await importKey(proof.key, alg).catch(() => undefined);
    const ok = key !== undefined && (await verifySignature(alg, key, proof.signature, proof.data));
    replay ??= new DpopReplay();
    proof.bound(ok, await sha256(proof.thumbprintInput), jkt, replay);
    return undefined;
  } catch (e) {
    if (e?.code === "ERR_DPOP_PROOF") return e;
    throw e;
  } finally {
    proof?.free();
  }
}

/** `authorizeRequest`'s `dpop` option, `{ maxAgeSeconds, nonce }`, checked before any token is read. */
function proofOptions(dpop) {
  if (dpop === undefined) return {};
  if (dpop === null || typeof dpop !== "object") throw verifyError(OPTIONS, "dpop must be an object: { maxAgeSeconds, nonce }");
  const { maxAgeSeconds, nonce } = dpop;
  if (maxAgeSeconds !== undefined && typeof maxAgeSeconds !== "number") throw verifyError(OPTIONS, "dpop.maxAgeSeconds must be a number of seconds from 1 to 3600");
  if (nonce !== undefined && typeof nonce !== "string") throw verifyError(OPTIONS, "dpop.nonce must be a string");
  checkDpopOptions(maxAgeSeconds, nonce);
  return { maxAgeSeconds, nonce };
}

/** The roles and scopes `authorizeRequest` requires, checked before any token is read. */
function grants(options) {
  const list = (name, value) => {
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
    throw verifyError(OPTIONS, `${name} must be an array of strings`);
  };
  const clients = options?.clientRoles;
  if (clients !== undefined && (clients === null || typeof clients !== "object" || Array.isArray(clients))) {
    throw verifyError(OPTIONS, "clientRoles must be an object: { clientId: [roles] }");
  }
  return {
    realmRoles: list("realmRoles", options?.realmRoles),
    clientRoles: Object.entries(clients ?? {}).map(([client, roles]) => [client, list(`clientRoles.${client}`, roles)]),
    scopes: list("scopes", options?.scopes),
  };
}

/** The algorithms a DPoP proof may use, for the challenge (RFC 9449 §7.1): every asymmetric one. */
const DPOP_ALGS = ALGS.filter((alg) => !alg.startsWith("HS")).join(" ");

/**
 * Refusals as RFC 6750 §3 describes them: the challenge in `WWW-Authenticate` (with `realm` when given;
 * the `DPoP` scheme with `algs` for a DPoP request, RFC 9449 §7.1), the same error as a JSON body.
 */
const refusal = (realm, dpop) => (status, error, description, scope, extra) => {
  const params = realm === undefined ? [] : [`realm="${realm}"`];
  if (error !== undefined) {
    params.push(`error="${error}"`, `error_description="${description}"`);
    if (scope) params.push(`scope="${scope}"`);
  }
  if (dpop) params.push(`algs="${DPOP_ALGS}"`);
  const scheme = dpop ? "DPoP" : "Bearer";
  const challenge = params.length ? `${scheme} ${params.join(", ")}` : scheme;
  const headers = { "content-type": "application/json", "cache-control": "no-store" };
  if (status < 500) headers["www-authenticate"] = challenge;
  Object.assign(headers, extra);
  const body = error === undefined ? "{}" : JSON.stringify({ error, error_description: description });
  return { ok: false, status, response: new Response(body, { status, headers }) };
};

/** How many verified tokens the cache of the verifier for `options` holds (for tests; not exported by the package). */
export function cachedTokenCount(options) {
  return verifiedTokens.get(verifierFor(options))?.size ?? 0;
}
