// A token shared between instances through a store: the WebCrypto calls
// and the sequencing around the store's promises, for TokenClient.
//
// The core decides what names an entry (the identity, `storeIdentity`), what
// an entry holds (`storeEntry`) and whether one read back is usable
// (`acceptStored`). What stays here is what only JavaScript can do: hash and
// encrypt with `crypto.subtle`, and await the store within `storeTimeoutMs`.
//
// - Key: base64url(SHA-256(identity)). The identity holds no secret.
// - Value: `1.` iv `.` AES-256-GCM(plaintext), base64url, under a key derived
//   with HKDF-SHA-256 from the client secret (or `storeSecret`), with the
//   identity as `info`; the key name is the additional data, so an entry
//   moved under another name does not decrypt. Without the secret, the store
//   holds nothing usable.
// - A store that fails, throws or is slower than `storeTimeoutMs` is
//   reported to `onStoreError` and skipped: the token then comes from the
//   authorization server. No store call can reject into the caller.
import { hostError } from "./client_credentials.js";
import { sha256 } from "./webcrypto.js";

const STORE = 6; // hostError kind: ERR_STORE, for a token
const KEY_SET_STORE = 9; // hostError kind: ERR_STORE, for a key set

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });
const SALT = encoder.encode("client-credentials/store/1");
const FORMAT = "1.";

/** Waits between two reads of the store while another instance holds the lock: from 20 ms, growing to 250 ms. */
const POLL_FIRST_MS = 20;
const POLL_MAX_MS = 250;

/** The `store` option of one TokenClient, or undefined without one; the session has already checked the options. */
export function sharedStore(session, options) {
  const timeoutMs = session.storeTimeoutMs;
  return timeoutMs === undefined ? undefined : new SharedStore(session, options, timeoutMs);
}

class SharedStore {
  #store;
  #onError;
  #timeoutMs;
  #lockable;
  /** The secret the entry key derives from, until it is derived; then the key. */
  #secret;
  #keys;
  /** The stored value of each token this client wrote or read, for compare-and-delete. */
  #values = new WeakMap();
  #forgets = new WeakMap();
  /** The value of the token an API refused: never taken from the store again. */
  #refused;

  constructor(session, options, timeoutMs) {
    this.#store = options.store;
    this.#onError = options.onStoreError;
    this.#secret = options.storeSecret ?? options.clientSecret;
    this.#timeoutMs = timeoutMs;
    this.#lockable = typeof this.#store.lock === "function";
    this.#identity = session.storeIdentity;
  }

  #identity;

  /**
   * The token from the store, or else from `request(keep)` (the exchange
   * with the authorization server; `keep` gets the response body), then written
   * to the store. With a lock, one instance requests while the others poll
   * the store, for at most `pollLimitMs`. `publish` caches a token the
   * moment it is read.
   */
  async obtain(session, request, publish) {
    const keys = await this.#derive();
    if (keys === undefined) return request();
    const hit = await this.#read(keys, session, publish);
    if (hit !== undefined) return hit;
    let locked = this.#lockable ? await this.#lock(keys, session) : undefined;
    if (locked === false) {
      // Another instance is requesting: wait for its token in the store.
      const deadline = Date.now() + session.joinLimitMs - session.timeoutMs;
      for (let wait = POLL_FIRST_MS; locked === false && Date.now() + wait < deadline; wait = Math.min(wait * 1.5, POLL_MAX_MS)) {
        await new Promise((resolve) => setTimeout(resolve, wait));
        const token = await this.#read(keys, session, publish);
        if (token !== undefined) return token;
        // Its holder gave up or died: take the lock over, or keep waiting.
        locked = await this.#lock(keys, session);
      }
    }
    try {
      if (locked === true) {
        // Checked again under the lock: the instance that held it before us may have
        // written its token between our first read and our lock (it unlocks after writing).
        const token = await this.#read(keys, session, publish);
        if (token !== undefined) return token;
      }
      let body;
      const token = await request((b) => (body = b));
      await this.#write(keys, session, token, body);
      return token;
    } finally {
      if (locked === true) this.#call("unlock", () => this.#store.unlock(keys.name));
    }
  }

  /**
   * Removes the shared entry if it still holds `token` (an API refused it),
   * and never reads that entry again. Never rejects.
   */
  forget(token) {
    const value = token === undefined ? undefined : this.#values.get(token);
    if (value === undefined) return Promise.resolve();
    let pending = this.#forgets.get(token);
    if (pending === undefined) {
      this.#refused = value;
      pending = (async () => {
        const keys = await this.#derive();
        if (keys === undefined) return;
        const current = await this.#call("get", () => this.#store.get(keys.name));
        if (current.ok && current.value === value) await this.#call("delete", () => this.#store.delete(keys.name));
      })();
      this.#forgets.set(token, pending);
    }
    return pending;
  }

  /** The entry's name and AES key, derived once; undefined (reported) where WebCrypto can't. */
  async #derive() {
    if (this.#keys === undefined) {
      const secret = this.#secret;
      this.#secret = undefined;
      this.#keys = deriveKeys(this.#identity, secret).catch((e) => {
        this.#report("WebCrypto", e);
        return undefined;
      });
    }
    return this.#keys;
  }

  /** The stored token, published, or undefined for a miss, an unusable entry or a failed store. */
  async #read(keys, session, publish) {
    const { ok, value: read } = await this.#call("get", () => this.#store.get(keys.name));
    const value = ok ? storedText(read, (e) => this.#report("get", e)) : undefined;
    if (value === undefined || value === this.#refused) return undefined;
    // Tampered, foreign, written under another secret, truncated, expired:
    // all are a miss, and the token requested next replaces the entry.
    let plaintext;
    try {
      plaintext = await decrypt(keys, value);
    } catch (e) {
      this.#report("WebCrypto", e);
      return undefined;
    }
    const token = plaintext === undefined ? undefined : session.acceptStored(plaintext, Date.now());
    if (token === undefined) return undefined;
    this.#values.set(token, value);
    return publish(token);
  }

  async #write(keys, session, token, body) {
    const entry = session.storeEntry(body, Date.now());
    if (entry === undefined) return;
    const newline = entry.indexOf("\n");
    let value;
    try {
      value = await encrypt(keys, entry.slice(newline + 1));
    } catch (e) {
      this.#report("WebCrypto", e);
      return;
    }
    this.#values.set(token, value);
    const ttlSeconds = Number(entry.slice(0, newline));
    await this.#call("set", () => this.#store.set(keys.name, value, { ttlSeconds }));
  }

  /** true: this instance holds the lock; false: another does; undefined: the store failed. */
  async #lock(keys, session) {
    const { ok, value } = await this.#call("lock", () => this.#store.lock(keys.name, session.joinLimitMs));
    return ok ? value === true : undefined;
  }

  #call(what, run) {
    return callStore(what, run, this.#timeoutMs, this.#onError);
  }

  #report(what, cause) {
    reportStoreError(this.#onError, what, cause);
  }
}

/** Runs one store call within `timeoutMs`: `{ ok, value }`, never a rejection; a failure goes to `onError`. */
async function callStore(what, run, timeoutMs, onError, kind = STORE) {
  let timer;
  const pending = Promise.resolve().then(run);
  const late = new Promise((_, reject) => {
    timer = setTimeout(reject, timeoutMs, new Error(`no answer within storeTimeoutMs (${timeoutMs} ms)`));
  });
  // What the store does after its timeout is nobody's business.
  pending.catch(() => {});
  try {
    return { ok: true, value: await Promise.race([pending, late]) };
  } catch (e) {
    reportStoreError(onError, what, e, kind);
    return { ok: false };
  } finally {
    clearTimeout(timer);
  }
}

/** A value a store's `get` resolved to, as entry text: undefined for a miss, and for anything but a string (reported). */
function storedText(value, report) {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  report(new TypeError(`the store returned ${typeof value}, not a string`));
  return undefined;
}

function reportStoreError(onError, what, cause, kind = STORE) {
  if (onError === undefined || onError === null) return;
  const detail = typeof cause?.message === "string" && cause.message !== "" ? cause.message : String(cause);
  const error = hostError(kind, `store.${what}: ${detail}`, 0);
  error.cause = cause;
  try {
    const r = onError(error);
    if (typeof r?.then === "function") r.then(undefined, () => {});
  } catch {
    // The caller's handler failing is no reason to fail the call.
  }
}

/**
 * The `store` option of one JwksClient (its `source`, a KeySource, has
 * checked the options), or undefined without one. The key set is public, so
 * the entry is plain text: `source` decides what it holds and whether one
 * read back is usable. Key: `jwks:` base64url(SHA-256(identity)).
 */
export function sharedKeySet(source, options) {
  const timeoutMs = source.storeTimeoutMs;
  return timeoutMs === undefined ? undefined : new SharedKeySet(source, options, timeoutMs);
}

class SharedKeySet {
  #store;
  #onError;
  #timeoutMs;
  #name;

  constructor(source, options, timeoutMs) {
    this.#store = options.store;
    this.#onError = options.onStoreError;
    this.#timeoutMs = timeoutMs;
  }

  /** The entry's store key, hashed once, on first use (a Worker's global scope can't await); undefined (reported) where WebCrypto can't. */
  #nameOf(source) {
    this.#name ??= Promise.resolve()
      .then(() => sha256(source.storeIdentity))
      .then(
        (digest) => source.storeName(base64url(digest)),
        (e) => {
          reportStoreError(this.#onError, "WebCrypto", e, KEY_SET_STORE);
          return undefined;
        },
      );
    return this.#name;
  }

  /** Whether `source` took the keys from the store; false for a miss, an unusable entry or a failed store. Never rejects. */
  async read(source) {
    const name = await this.#nameOf(source);
    if (name === undefined) return false;
    const { ok, value: read } = await callStore("get", () => this.#store.get(name), this.#timeoutMs, this.#onError, KEY_SET_STORE);
    const value = ok ? storedText(read, (e) => reportStoreError(this.#onError, "get", e, KEY_SET_STORE)) : undefined;
    if (value === undefined) return false;
    // Malformed, foreign, truncated, expired: a miss, and the key set
    // fetched next replaces the entry.
    return source.acceptStored(value, Date.now());
  }

  /** Shares the key set `body` that `source` just took. Never rejects. */
  async write(source, body, fetchedAt) {
    const entry = source.storeEntry(body, fetchedAt);
    const name = await this.#nameOf(source);
    if (entry === undefined || name === undefined) return;
    const newline = entry.indexOf("\n");
    const ttlSeconds = Number(entry.slice(0, newline));
    await callStore("set", () => this.#store.set(name, entry.slice(newline + 1), { ttlSeconds }), this.#timeoutMs, this.#onError, KEY_SET_STORE);
  }
}

/**
 * The entry's name, and its AES key as a promise: the store read needs only
 * the name, so it runs while the key is derived (measured in Node 20: SHA-256
 * 0.1 ms, HKDF import and derive 0.27 ms, a Redis GET on loopback 0.15 ms).
 */
async function deriveKeys(identity, secret) {
  const info = encoder.encode(identity);
  const aes = crypto.subtle
    .importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveKey"])
    .then((base) => crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: SALT, info }, base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]));
  // Awaited, and reported, where the key is used.
  aes.catch(() => {});
  const name = base64url(await sha256(identity));
  return { name, aes, aad: encoder.encode(name) };
}

async function encrypt(keys, plaintext) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: keys.aad }, await keys.aes, encoder.encode(plaintext));
  return `${FORMAT}${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
}

/**
 * The plaintext, or undefined for anything that is not an entry sealed with
 * this key under this name. Rejects only if the key could not be derived.
 */
async function decrypt(keys, value) {
  if (!value.startsWith(FORMAT)) return undefined;
  const dot = value.indexOf(".", FORMAT.length);
  const iv = unbase64url(value.slice(FORMAT.length, dot));
  const sealed = unbase64url(value.slice(dot + 1));
  if (dot < 0 || iv?.length !== 12 || sealed === undefined || sealed.length < 16) return undefined;
  const aes = await keys.aes;
  try {
    return decoder.decode(await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: keys.aad }, aes, sealed));
  } catch {
    return undefined;
  }
}

function base64url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unbase64url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
