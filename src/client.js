// fetchClientCredentialsToken and TokenClient: the core's Session driven
// over src/http.js.
//
// The core decides; this file only sequences. A Session (Rust) validates
// the options, names the discovery URLs and reads their answers, builds the
// token request (form encoding, client authentication), reads the token
// response and says whether the cached token is fresh. What stays here is
// what can only live in JavaScript: awaiting promises and sharing them.
import { Session } from "./client_credentials.js";
import { authorizedFetch, replayable, send } from "./http.js";
import { sharedStore } from "./store.js";

/** Requests an access token with the Client Credentials grant (RFC 6749 §4.4). */
export async function fetchClientCredentialsToken(options) {
  const session = new Session(options, false);
  try {
    const response = await exchange(session);
    return session.acceptToken(response.status, response.meta, response.body, Date.now());
  } finally {
    session.free();
  }
}

/** Discovers the token endpoint if the session needs it, then sends the token request; resolves to the raw response. */
async function exchange(session) {
  const { signal, timeoutMs } = session;
  for (let i = 0, url; (url = session.metadataUrl(i)) !== undefined; i++) {
    const res = await send(url, undefined, undefined, timeoutMs, signal);
    if (session.discovered(i, res.status, res.meta, res.body)) break;
  }
  const [url, authorization, form] = session.tokenRequest().split("\n");
  return send(url, authorization || undefined, form, timeoutMs, signal);
}

/**
 * A cached, single-flight token source and an authorized `fetch`, for jobs
 * and workers that call an API many times.
 *
 * - The core's cache decides when a token is fresh.
 * - Concurrent callers share one request: 1000 simultaneous `getToken()`
 *   calls make one token request, and all of them get its result or its
 *   error. A failure is not cached.
 * - Sharing can't hang a Cloudflare Workers request: a caller that joins
 *   someone else's request waits at most `joinLimitMs`, then makes its own.
 * - With `store`, instances share the token too (src/store.js): memory,
 *   then the store, then the authorization server.
 */
export class TokenClient {
  #session;
  /** The cached result, frozen, and a promise already resolved to it, handed to every caller. */
  #token;
  #resolved;
  /** The request in flight: `{ id, promise }`. */
  #flight;
  #flights = 0;
  /** The shared store, with the `store` option. */
  #shared;

  /** Takes the options of `fetchClientCredentialsToken`, plus `refreshSkewSeconds` and the store options. */
  constructor(options) {
    this.#session = new Session(options, true);
    this.#shared = sharedStore(this.#session, options);
  }

  /** A fresh token: the cached one, the one being requested, or a new one. */
  getToken() {
    if (this.#resolved !== undefined && this.#session.fresh(Date.now())) return this.#resolved;
    if (this.#flight !== undefined) return this.#join(this.#flight);
    return this.#start();
  }

  /** Forgets the cached token; the next `getToken()` requests a new one. */
  invalidate() {
    this.#shared?.forget(this.#token);
    this.#session.invalidate();
    this.#token = this.#resolved = undefined;
  }

  /** Frees the client's wasm memory now rather than when it is garbage-collected; the client can't be used after. */
  free() {
    this.#session.free();
    this.#token = this.#resolved = undefined;
  }

  /**
   * The global `fetch(input, init)` with `Authorization: Bearer <token>`. On
   * a 401 it forgets the token, gets a new one and retries once, when the
   * request can be replayed.
   */
  async fetch(input, init) {
    const token = await this.getToken();
    const response = await authorizedFetch(input, init, token.accessToken);
    if (response.status !== 401) return response;
    // The API refused this token: forget it, unless someone already
    // replaced it, so that no later call sends it again.
    if (this.#token === token) this.invalidate();
    // And from the store, if it still holds it there.
    await this.#shared?.forget(token);
    if (!replayable(input, init)) return response;
    const next = await this.getToken();
    return authorizedFetch(input, init, next.accessToken);
  }

  /** Starts a token request and records it as the flight others join. */
  #start() {
    const id = ++this.#flights;
    const settle = () => {
      if (this.#flight?.id === id) this.#flight = undefined;
    };
    const session = this.#session;
    // Read, cache and publish in one step, so no caller sees the cache
    // fresh while the old token is still the published one.
    const publish = (token) => {
      Object.freeze(token.raw);
      this.#token = Object.freeze(token);
      this.#resolved = Promise.resolve(token);
      return token;
    };
    // `keep(body)`, for the store, receives the token response's body.
    const request = (keep) =>
      exchange(session).then((response) => {
        keep?.(response.body);
        return publish(session.acceptToken(response.status, response.meta, response.body, Date.now()));
      });
    const obtained = this.#shared === undefined ? request() : this.#shared.obtain(session, request, publish);
    const promise = obtained.then(
      (token) => {
        settle();
        return token;
      },
      (error) => {
        settle();
        throw error;
      },
    );
    this.#flight = { id, promise };
    return promise;
  }

  /**
   * Waits for someone else's flight, but never longer than that flight can
   * take. Past that, it belongs to a context that is gone (a finished
   * Workers request), and this caller replaces it, or joins whoever did.
   */
  async #join(flight) {
    const gaveUp = {};
    let timer;
    const deadline = new Promise((resolve) => {
      timer = setTimeout(resolve, this.#session.joinLimitMs, gaveUp);
    });
    try {
      const winner = await Promise.race([flight.promise, deadline]);
      if (winner !== gaveUp) return winner;
    } finally {
      clearTimeout(timer);
    }
    const current = this.#flight;
    return current !== undefined && current !== flight ? this.#join(current) : this.#start();
  }
}
