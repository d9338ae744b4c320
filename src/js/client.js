// fetchClientCredentialsToken and TokenClient: the core's Session driven
// over src/js/http.js.
//
// The core decides; this file only sequences. A Session (Rust) validates
// the options, names the discovery URLs and reads their answers, builds the
// token request (form encoding, client authentication), reads the token
// response and says whether the cached token is fresh. What stays here is
// what can only live in JavaScript: awaiting promises and sharing them.
import { Session } from "./client_credentials.js";
import { GAVE_UP, INLINE, afterThisTask, handOver, noop, report, withCause, within } from "./flight.js";
import { authorizedFetch, replayable, send } from "./http.js";
import { importKeys, sign } from "./signing.js";
import { sha256 } from "./webcrypto.js";
import { sharedStore } from "./store.js";

/** `Session.window`: what the core says of the cached token (see src/cache.rs). */
const FRESH = 0, REFRESH = 1, MANDATORY = 3;

/** Requests an access token with the Client Credentials grant (RFC 6749 §4.4). */
export async function fetchClientCredentialsToken(options) {
  const session = new Session(options, false);
  try {
    const response = await exchange(session, keysFor(session, options), options.fetch ?? undefined);
    return session.acceptToken(response.status, response.meta, response.body, Date.now());
  } finally {
    session.free();
  }
}

/** The keys the options call for (a promise), or undefined when the client authenticates with its secret alone. */
function keysFor(session, options) {
  return session.needsKeys ? importKeys(session, options) : undefined;
}

/**
 * Discovers the token endpoint if the session needs it, then sends the
 * token request, signing its client assertion and DPoP proof when it has
 * them, and sending it once more when a DPoP server asks for a nonce;
 * resolves to the raw response. Every request goes through `fetcher` (the
 * `fetch` option), or the global `fetch` when it is undefined.
 */
async function exchange(session, keys, fetcher) {
  const { signal, timeoutMs } = session;
  const signers = keys === undefined ? undefined : await keys;
  for (let i = 0, url; (url = session.metadataUrl(i)) !== undefined; i++) {
    const res = await send(url, undefined, undefined, timeoutMs, signal, undefined, true, fetcher);
    if (session.discovered(i, res.status, res.meta, res.body)) break;
  }
  for (let retried = false; ; retried = true) {
    const [url, authorization, form, assertion, proof] = session.tokenRequest(Date.now()).split("\n");
    const [signed, dpop] = signers === undefined ? [""] : await Promise.all([
      assertion && sign(session, signers.client, assertion),
      proof && sign(session, signers.dpop, proof),
    ]);
    const response = await send(url, authorization || undefined, form + signed, timeoutMs, signal, dpop || undefined, true, fetcher);
    if (!proof || !session.nonceRetry(response.status, response.meta, response.body, retried)) return response;
  }
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
 * - With `store`, instances share the token too (src/js/store.js): memory,
 *   then the store, then the authorization server.
 */
export class TokenClient {
  #session;
  /** The cached result, frozen, and a promise already resolved to it, handed to every caller. */
  #token;
  #resolved;
  /**
   * The span over which the core said the cached token is fresh, `[from,
   * until)` in ms (Session's freshFrom and freshUntil, read once per token):
   * the hot path compares the clock against them without crossing into wasm.
   */
  #freshFrom = Infinity;
  #freshUntil = Infinity;
  /** The request in flight: `{ id, promise }`. */
  #flight;
  #flights = 0;
  /** The key options, kept until the first request imports them. */
  #keySource;
  /** The keys, imported once (a promise); a key that can't be imported fails every request. */
  #keys;
  /** The shared store, with the `store` option. */
  #shared;
  /** The last background refresh's error, until a token arrives. */
  #refreshError;
  #onRefreshError;
  #waitUntil;
  /** The `fetch` option (undefined: the global one), read once: every request of this client goes through it. */
  #fetch;

  /**
   * Takes the options of `fetchClientCredentialsToken`, plus
   * `refreshSkewSeconds`, `minValiditySeconds`, `onRefreshError`,
   * `waitUntil` and the store options.
   */
  constructor(options) {
    this.#session = new Session(options, true);
    this.#shared = sharedStore(this.#session, options);
    this.#onRefreshError = options.onRefreshError ?? undefined;
    this.#waitUntil = options.waitUntil ?? undefined;
    // Checked by the core above.
    this.#fetch = options.fetch ?? undefined;
    // Imported at the first request, not here: Cloudflare Workers refuse to
    // make keys (random values) outside a request, and a client is often
    // built at module scope.
    if (this.#session.needsKeys) this.#keySource = { privateKey: options.privateKey, clientSecret: options.clientSecret, dpop: options.dpop };
  }

  /** The keys (a promise), imported on first use, or undefined when the client has none. */
  #signers() {
    if (this.#keySource === undefined) return undefined;
    return (this.#keys ??= importKeys(this.#session, this.#keySource));
  }

  /** The cached token if the core's span says it is fresh now, else undefined. */
  #fresh() {
    const now = Date.now();
    return now >= this.#freshFrom && now < this.#freshUntil ? this.#token : undefined;
  }

  /**
   * A token with at least `minValiditySeconds` left: the cached one at once
   * (in the advisory window too, while one background request replaces
   * it), else the one being requested, or a new one.
   */
  getToken() {
    if (this.#fresh() !== undefined) return this.#resolved;
    if (this.#resolved !== undefined) {
      const window = this.#session.window(Date.now());
      if (window === FRESH) return this.#resolved;
      if (window !== MANDATORY) return window === REFRESH ? this.#ahead() : this.#resolved;
    }
    const waited = this.#flight !== undefined ? this.#join(this.#flight) : this.#start();
    const kept = this.#refreshError;
    return kept === undefined ? waited : waited.catch((e) => Promise.reject(withCause(e, kept)));
  }

  /**
   * The advisory window: the cached token, and one background refresh
   * (unless one is in flight), handed to `waitUntil` where the runtime
   * cancels what a finished request left running. In workerd without
   * `waitUntil`, the refresh runs inside this request: the caller waits
   * for it, and gets the cached token if it fails.
   */
  #ahead() {
    const cached = this.#token;
    let flight = this.#flight;
    if (flight === undefined || Date.now() - flight.startedAt > this.#session.joinLimitMs) {
      flight = this.#start(true);
      handOver(this.#waitUntil, flight.settled);
    }
    if (!INLINE || this.#waitUntil !== undefined) return this.#resolved;
    return within(flight.settled, this.#session.joinLimitMs).then(() => (this.#token === cached ? cached : (this.#resolved ?? cached)));
  }

  /** Forgets the cached token; the next `getToken()` requests a new one. */
  invalidate() {
    this.#shared?.forget(this.#token);
    this.#session.invalidate();
    this.#token = this.#resolved = undefined;
    this.#freshFrom = this.#freshUntil = Infinity;
  }

  /** Frees the client's wasm memory now rather than when it is garbage-collected; the client can't be used after. */
  free() {
    this.#session.free();
    this.#token = this.#resolved = undefined;
    this.#freshFrom = this.#freshUntil = Infinity;
  }

  /**
   * `fetch(input, init)` (the `fetch` option, else the global one) with `Authorization: Bearer <token>`, or
   * for a DPoP token `Authorization: DPoP <token>` and a proof. On a 401 it
   * forgets the token, gets a new one and retries once, when the request
   * can be replayed; a DPoP API's request for a nonce is answered first.
   */
  async fetch(input, init) {
    // The common case, a fresh token in hand, awaits nothing before fetch.
    const token = this.#fresh() ?? (await this.getToken());
    const response = await this.#send(input, init, token);
    if (response.status !== 401) return response;
    // The API refused this token: forget it, unless someone already
    // replaced it, so that no later call sends it again.
    if (this.#token === token) this.invalidate();
    // And from the store, if it still holds it there.
    await this.#shared?.forget(token);
    if (!replayable(input, init)) return response;
    const next = await this.getToken();
    return this.#send(input, init, next);
  }

  /** One authorized request; with DPoP, once more if the API asks for a nonce (RFC 9449 §9). */
  async #send(input, init, token) {
    if (token.tokenType !== "DPoP") return authorizedFetch(input, init, token.accessToken, undefined, this.#fetch);
    const { dpop } = await this.#signers();
    const session = this.#session;
    const hash = await sha256(token.accessToken);
    const proof = (method, url) => sign(session, dpop, session.resourceProof(method, url, Date.now(), hash));
    const response = await authorizedFetch(input, init, token.accessToken, proof, this.#fetch);
    const h = response.headers;
    const retry = session.resourceRetry(response.status, h.get("www-authenticate") ?? "", h.get("dpop-nonce") ?? "");
    return retry && replayable(input, init) ? authorizedFetch(input, init, token.accessToken, proof, this.#fetch) : response;
  }

  /**
   * Starts a token request and records it as the flight others join. A
   * `background` one (the advisory window) that fails leaves the token in
   * use: the core says when to try again, `onRefreshError` hears why, and
   * the error is kept as the `cause` of a caller's error if the token runs
   * out. Returns the flight's promise; `flight.settled` never rejects.
   */
  #start(background = false) {
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
      this.#freshFrom = session.freshFrom;
      this.#freshUntil = session.freshUntil;
      return token;
    };
    // `keep(body)`, for the store, receives the token response's body.
    const request = (keep) =>
      exchange(session, this.#signers(), this.#fetch).then((response) => {
        keep?.(response.body);
        return publish(session.acceptToken(response.status, response.meta, response.body, Date.now()));
      });
    const obtain = () => (this.#shared === undefined ? request() : this.#shared.obtain(session, request, publish));
    // Background work starts after the caller has its token: building and sending the
    // request costs the caller nothing.
    const obtained = background ? afterThisTask().then(obtain) : obtain();
    const promise = obtained.then(
      (token) => {
        settle();
        this.#refreshError = undefined;
        return token;
      },
      (error) => {
        settle();
        if (background) this.#refreshFailed(error);
        throw error;
      },
    );
    const flight = { id, promise, startedAt: Date.now(), settled: promise.then(noop, noop) };
    this.#flight = flight;
    return background ? flight : promise;
  }

  /** A background refresh failed: the core schedules the next attempt; the error is kept and reported. */
  #refreshFailed(error) {
    this.#session.refreshFailed(Date.now(), String(error?.code ?? ""), String(error?.error ?? ""), error?.retryAfter ?? undefined);
    this.#refreshError = error;
    report(this.#onRefreshError, error);
  }

  /**
   * Waits for someone else's flight, but never longer than that flight can
   * take. Past that, it belongs to a context that is gone (a finished
   * Workers request), and this caller replaces it, or joins whoever did.
   */
  async #join(flight) {
    const winner = await within(flight.promise, this.#session.joinLimitMs);
    if (winner !== GAVE_UP) return winner;
    const current = this.#flight;
    return current !== undefined && current !== flight ? this.#join(current) : this.#start();
  }
}
