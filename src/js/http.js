// The one place that calls `fetch`.
//
// It uses the global `fetch` (or the caller's `fetch` option), `setTimeout`
// and `AbortController`, never `window`, so the same code runs in pages,
// workers, Node, Deno and workerd.
// It moves bytes and decides nothing about OAuth: the request comes from the
// core as text, the response goes back to it as status, headers and bytes,
// and every error is built by the core (`hostError`), so codes and messages
// have one source.
//
// Rules enforced here, because only here are they visible:
// - a request that carries credentials never follows a redirect
//   (`redirect: "manual"`): it would take them to another URL;
// - one timer covers the whole exchange, body included;
// - the body is refused past MAX_RESPONSE_BYTES without buffering the rest.
// A `fetch` option replaces only the transport (a proxy, mTLS, tracing, a
// test double): it gets the same URL and init, after the core checked the
// URL, and its response is read under the same rules.
import { hostError } from "./client_credentials.js";

/** Largest response body read, in bytes: a token response is a few KB; more is a misconfigured URL or an attack on memory. */
export const MAX_RESPONSE_BYTES = 256 * 1024;

/** Most redirects `client.fetch` follows within the caller's origin. */
const MAX_REDIRECTS = 5;

const NETWORK = 0, TIMEOUT = 1, ABORTED = 2, TOO_LARGE = 3, BAD_ARGUMENTS = 4, REDIRECTS = 5;

// AbortControllers for the exchange timer, reused. Node 20 takes about 10 µs
// to build one (it makes the signal transferable): measured, a sixth of a
// whole token request in-process. A controller whose exchange ended without
// aborting is as good as new, so a few idle ones are kept, each for at most
// MAX_USES exchanges, since every fetch leaves a listener on the signal
// until its Request is collected. Not in Cloudflare Workers or Vercel Edge,
// where an object made during one request must not serve another.
const POOLED = globalThis.navigator?.userAgent !== "Cloudflare-Workers" && typeof globalThis.EdgeRuntime !== "string";
const POOL_SIZE = 8;
const MAX_USES = 32;
const idle = [];

function takeController() {
  const pooled = idle.pop();
  if (pooled === undefined) return { controller: new AbortController(), uses: 1 };
  pooled.uses++;
  return pooled;
}

function giveBack(entry) {
  if (POOLED && !entry.controller.signal.aborted && entry.uses < MAX_USES && idle.length < POOL_SIZE) idle.push(entry);
}

const EMPTY = new Uint8Array(0);

/**
 * Sends a form POST (`form` given) or a GET, within `timeoutMs`, stopping
 * early if `caller` (an AbortSignal) aborts, with a `DPoP` proof header when
 * `dpop` is given. A GET without credentials follows redirects unless
 * `follow` is false. Resolves to `{ status, meta, body }` for the core: `meta`
 * is `type \n location \n retry-after \n www-authenticate \n dpop-nonce`,
 * or empty for a 2xx without DPoP. `fetcher`, the client's `fetch` option,
 * sends instead of the global `fetch` when given.
 */
export async function send(url, authorization, form, timeoutMs, caller, dpop, follow = true, fetcher) {
  if (caller?.aborted) throw hostError(ABORTED, "", 0);
  const entry = takeController();
  const { controller } = entry;
  let timedOut = false;
  // With a `fetch` option, `stopped` rejects when the timer fires or the
  // caller aborts, so a function (or a body) that ignores the signal can't
  // outlast them.
  let stop;
  const stopped = fetcher && new Promise((_, reject) => (stop = reject));
  stopped?.catch(() => {});
  const bound = (promise) => (stopped ? Promise.race([promise, stopped]) : promise);
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
    stop?.();
  }, timeoutMs);
  const onAbort = () => {
    controller.abort();
    stop?.();
  };
  caller?.addEventListener("abort", onAbort);
  try {
    const headers = { accept: "application/json" };
    if (form !== undefined) headers["content-type"] = "application/x-www-form-urlencoded";
    if (authorization) headers.authorization = authorization;
    if (dpop) headers.dpop = dpop;
    const init = {
      method: form === undefined ? "GET" : "POST",
      headers,
      body: form,
      // Credentials never follow a redirect to another URL.
      redirect: follow && form === undefined && !authorization && !dpop ? "follow" : "manual",
      signal: controller.signal,
    };
    let response;
    try {
      response = await bound((fetcher ?? fetch)(url, init));
    } catch (e) {
      throw network(e, "fetch failed");
    }
    if (fetcher !== undefined) responseLike(response);
    const status = response.status;
    // The type and the hint headers only matter to the core when the
    // status is not 2xx (a redirect, an error); each read costs.
    // A DPoP server may send a new nonce with any answer (RFC 9449 §8.2).
    const meta = status < 200 || status >= 300 ? describe(response) : dpop ? `\n\n\n\n${response.headers.get("dpop-nonce") ?? ""}` : "";
    if (response.type === "opaqueredirect" || (status >= 300 && status < 400)) {
      cancel(response.body);
      return { status, meta, body: EMPTY };
    }
    return { status, meta, body: await bound(readBody(response)) };
  } catch (e) {
    if (timedOut) throw hostError(TIMEOUT, "", timeoutMs);
    if (caller?.aborted) throw hostError(ABORTED, "", 0);
    throw e;
  } finally {
    clearTimeout(timer);
    caller?.removeEventListener("abort", onAbort);
    giveBack(entry);
  }
}

/** A `fetch` option's answer must be a Response (any realm's: undici's own differs from the global one). */
function responseLike(response) {
  if (typeof response?.headers?.get !== "function") throw hostError(NETWORK, "the fetch option's answer is not a Response", 0);
}

/** `type \n location \n retry-after \n www-authenticate \n dpop-nonce`, for the core. */
function describe(response) {
  const h = response.headers;
  return `${response.type}\n${h.get("location") ?? ""}\n${h.get("retry-after") ?? ""}\n${h.get("www-authenticate") ?? ""}\n${h.get("dpop-nonce") ?? ""}`;
}

/**
 * The whole body, refused past MAX_RESPONSE_BYTES. A declared length is
 * trusted only when the body is not encoded: `fetch` inflates gzip and br,
 * so a small encoded body can grow to gigabytes. HTTP framing ends a plain
 * body at its declared length, so one `arrayBuffer()` (much cheaper than a
 * stream reader) can't pass the cap.
 */
async function readBody(response) {
  const h = response.headers;
  const encoding = (h.get("content-encoding") ?? "").trim().toLowerCase();
  const declared = encoding === "" || encoding === "identity" ? Number.parseInt(h.get("content-length") ?? "", 10) : NaN;
  if (declared > MAX_RESPONSE_BYTES) {
    cancel(response.body);
    throw hostError(TOO_LARGE, "", MAX_RESPONSE_BYTES);
  }
  if (declared >= 0) {
    let bytes;
    try {
      bytes = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      throw network(e, "the connection failed while reading the response");
    }
    if (bytes.length > MAX_RESPONSE_BYTES) throw hostError(TOO_LARGE, "", MAX_RESPONSE_BYTES);
    return bytes;
  }
  if (!response.body) return EMPTY;
  const reader = response.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    let chunk;
    try {
      chunk = await reader.read();
    } catch (e) {
      throw network(e, "the connection failed while reading the response");
    }
    if (chunk.done) break;
    if (!(chunk.value instanceof Uint8Array)) throw hostError(NETWORK, "the response body is not a byte stream", 0);
    length += chunk.value.length;
    if (length > MAX_RESPONSE_BYTES) {
      reader.cancel().catch(() => {});
      throw hostError(TOO_LARGE, "", MAX_RESPONSE_BYTES);
    }
    chunks.push(chunk.value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

function cancel(body) {
  body?.cancel().catch(() => {});
}

/**
 * A `fetch` rejection as ERR_NETWORK, with the most useful detail the
 * runtime gave: Node's `cause` (`connect ECONNREFUSED ...`) after the
 * message. The original error stays as `cause`.
 */
function network(e, fallback) {
  const text = (v) => (typeof v === "string" && v !== "" ? v : undefined);
  const message = text(e?.message) ?? fallback;
  const cause = e?.cause;
  const detail = cause !== null && typeof cause === "object" ? text(cause.message) ?? text(cause.code) : undefined;
  const error = hostError(NETWORK, detail ? `${message}: ${detail}` : message, 0);
  error.cause = e;
  return error;
}

/**
 * `fetch(input, init)` with `Authorization: Bearer <accessToken>` added and
 * the caller's other headers kept. With `proof` (an async function of the
 * method and URL that resolves to a DPoP proof), `Authorization: DPoP
 * <accessToken>` and a `DPoP` header made for each request sent (RFC 9449 §7).
 *
 * The token never goes to an origin other than the caller's: redirects are
 * handled here (`redirect: "manual"`), followed only within the same origin
 * and only for requests without a body; any other redirect is returned to
 * the caller unfollowed. (Browsers hide redirect targets, so there the
 * redirect response itself is returned.)
 *
 * A Bearer request whose input is a URL (not a `Request`) is sent as
 * `fetch(input, init')`, `init'` the caller's with the header and
 * `redirect: "manual"`, so `fetch` builds the only `Request`; building one
 * here first, as the general path does, costs two more (measured: most of
 * the library's cost per call in Node). A redirect then takes the general
 * path from that response.
 *
 * `fetcher`, the client's `fetch` option, sends instead of the global
 * `fetch`, always on the general path, called as the library's own requests
 * call it: `(url, init)` (see `initFor`).
 */
export async function authorizedFetch(input, init, accessToken, proof, fetcher) {
  const bearer = `${proof === undefined ? "Bearer" : "DPoP"} ${accessToken}`;
  let response;
  if (fetcher === undefined && proof === undefined && !(typeof Request !== "undefined" && input instanceof Request) && plain(init)) {
    try {
      response = await fetch(input, withAuthorization(init, bearer));
    } catch (e) {
      // Arguments fetch refused, told apart from a network failure.
      requestOf(input, init);
      throw network(e, "fetch failed");
    }
    if (!redirected(response)) return response;
    // Only a request without a body is followed (its body may be a stream, now read).
    const method = String(init?.method ?? "GET").toUpperCase();
    if (method !== "GET" && method !== "HEAD") return response;
  }
  let request = requestOf(input, init);
  const origin = new URL(request.url).origin;
  for (let i = 0; i <= MAX_REDIRECTS; i++) {
    if (response === undefined) {
      request.headers.set("authorization", bearer);
      if (proof !== undefined) request.headers.set("dpop", await proof(request.method, request.url));
      try {
        response = fetcher === undefined ? await fetch(request) : await fetcher(request.url, await initFor(request, init));
      } catch (e) {
        throw network(e, "fetch failed");
      }
      if (fetcher !== undefined) responseLike(response);
      if (!redirected(response)) return response;
    }
    const next = new URL(response.headers.get("location"), request.url);
    if (next.origin !== origin || (request.method !== "GET" && request.method !== "HEAD")) return response;
    request = new Request(next.href, { method: request.method, headers: request.headers, redirect: "manual", signal: request.signal });
    response = undefined;
  }
  throw hostError(REDIRECTS, "", MAX_REDIRECTS);
}

/** The caller's request, with `redirect: "manual"`; bad arguments are ERR_BAD_ARGUMENTS. */
function requestOf(input, init) {
  try {
    return new Request(new Request(input, init), { redirect: "manual" });
  } catch (e) {
    throw hostError(BAD_ARGUMENTS, e?.message || "invalid arguments", 0);
  }
}

/** Whether `init` is absent or a plain object, whose own properties are all fetch reads (a copy of it loses nothing). */
function plain(init) {
  if (init == null) return true;
  const proto = Object.getPrototypeOf(init);
  return proto === Object.prototype || proto === null;
}

/** Whether a response is a redirect this file may follow: a 3xx with a `Location`. */
function redirected(response) {
  const status = response.status;
  return status >= 300 && status < 400 && response.headers.has("location");
}

/**
 * The caller's `init` with `authorization` set (any header of that name in
 * any case replaced) and `redirect: "manual"`. A plain object of headers
 * is copied as an object, which `fetch` reads faster than a `Headers`.
 */
function withAuthorization(init, bearer) {
  const given = init?.headers;
  let headers;
  if (given == null) headers = { authorization: bearer };
  else if (Object.getPrototypeOf(given) === Object.prototype && !Object.keys(given).some((k) => k.toLowerCase() === "authorization")) headers = { ...given, authorization: bearer };
  else {
    headers = new Headers(given);
    headers.set("authorization", bearer);
  }
  return init == null ? { headers, redirect: "manual" } : { ...init, headers, redirect: "manual" };
}

/**
 * What a `fetch` option gets for `request`, as the library's own requests
 * (and jose's and oauth4webapi's customFetch) do: the URL as a string, and
 * the caller's init with the request's method, headers (a plain object),
 * body (its bytes: sent with their Content-Length, whatever the caller gave,
 * FormData included), signal and `redirect: "manual"`. That is what
 * undici's own `fetch` (which refuses another realm's Request), msw and
 * test doubles take.
 */
async function initFor(request, init) {
  return { ...init, method: request.method, headers: Object.fromEntries(request.headers), body: request.body && (await request.arrayBuffer()), redirect: "manual", signal: request.signal };
}

/** Whether `fetch(input, init)` can be sent twice: not when the body is a stream, which the first attempt consumes. */
export function replayable(input, init) {
  if (input instanceof Request && input.body !== null) return false;
  const body = init !== null && typeof init === "object" ? init.body : undefined;
  return !(typeof ReadableStream !== "undefined" && body instanceof ReadableStream);
}
