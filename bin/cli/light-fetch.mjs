// A small `fetch` over node:http and node:https, for the command line's
// token and key set requests only: the library's `fetch` option, when no
// proxy is in the way (transport.mjs).
//
// Why: Node 20's own fetch (undici) costs about 100 ms of CPU the first time
// a process calls it (it loads and compiles undici and its wasm HTTP
// parser), which is most of a `client-credentials token` run. A command line
// pays that on every run. The library's src/js/http.js stays the one place that
// decides how a token request is sent (no redirect with credentials, one
// timer for the whole exchange, the body cap); this file only moves its
// bytes, for exactly the calls http.js makes: a string URL, a plain headers
// object, a string body or none, `redirect` "manual" or "follow", a signal.
// Anything else goes to Node's fetch.
//
// TLS is Node's: certificates are verified against Node's CA store (plus
// NODE_EXTRA_CA_CERTS), as Node's fetch does. No compression is asked for
// (`accept-encoding: identity`), and connections are not kept alive, so the
// process ends as soon as the command is done.
import * as http from "node:http";

const nodeFetch = globalThis.fetch;
const MAX_FOLLOWS = 20;

export function lightFetch(input, init = {}) {
  const { method = "GET", headers = {}, body, redirect = "follow", signal } = init;
  const plain =
    typeof input === "string" &&
    (body === undefined || typeof body === "string") &&
    headers !== null && typeof headers === "object" && Object.getPrototypeOf(headers) === Object.prototype &&
    (redirect === "manual" || redirect === "follow") &&
    /^https?:/i.test(input);
  if (!plain) return nodeFetch(input, init);
  return send(new URL(input), method, headers, body, redirect, signal, 0);
}

async function send(url, method, headers, body, redirect, signal, follows) {
  const response = await exchange(url, method, headers, body, signal);
  const location = response.headers.get("location");
  if (redirect === "follow" && response.status >= 300 && response.status < 400 && location !== null && method === "GET" && body === undefined) {
    response.body.cancel();
    if (follows >= MAX_FOLLOWS) throw new TypeError("fetch failed", { cause: new Error("too many redirects") });
    return send(new URL(location, url), method, headers, body, redirect, signal, follows + 1);
  }
  return response;
}

function exchange(url, method, headers, body, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const transport = url.protocol === "https:" ? import("node:https") : Promise.resolve(http);
    transport.then((mod) => {
      const outgoing = { "accept-encoding": "identity", connection: "close", ...lower(headers) };
      if (body !== undefined) outgoing["content-length"] = String(Buffer.byteLength(body));
      const req = mod.request(url, { method, headers: outgoing, agent: false });
      let res;
      const onAbort = () => {
        const err = abortError(signal);
        req.destroy(err);
        res?.destroy(err);
        reject(err);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      req.on("error", (err) => {
        done();
        reject(new TypeError("fetch failed", { cause: err }));
      });
      req.on("response", (incoming) => {
        res = incoming;
        incoming.on("close", done);
        resolve(new LightResponse(incoming));
      });
      req.end(body);
    }, reject);
  });
}

function lower(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = v;
  return out;
}

function abortError(signal) {
  return signal.reason ?? new DOMException("This operation was aborted", "AbortError");
}

/** The part of the fetch `Response` that src/js/http.js reads. */
class LightResponse {
  #incoming;
  constructor(incoming) {
    this.#incoming = incoming;
    this.status = incoming.statusCode;
    this.statusText = incoming.statusMessage ?? "";
    this.ok = this.status >= 200 && this.status < 300;
    this.type = "basic";
    this.headers = {
      get: (name) => {
        const v = incoming.headers[name.toLowerCase()];
        return v === undefined ? null : Array.isArray(v) ? v.join(", ") : String(v);
      },
    };
    this.body = {
      cancel: async () => {
        incoming.destroy();
      },
      getReader: () => {
        const chunks = incoming[Symbol.asyncIterator]();
        return {
          read: async () => {
            try {
              const { done, value } = await chunks.next();
              return done ? { done: true, value: undefined } : { done: false, value: new Uint8Array(value.buffer, value.byteOffset, value.length) };
            } catch (err) {
              throw new TypeError("terminated", { cause: err });
            }
          },
          cancel: async () => {
            incoming.destroy();
          },
        };
      },
    };
  }

  async arrayBuffer() {
    const parts = [];
    try {
      for await (const chunk of this.#incoming) parts.push(chunk);
    } catch (err) {
      throw new TypeError("terminated", { cause: err });
    }
    if (!this.#incoming.complete) throw new TypeError("terminated", { cause: new Error("the connection closed before the body ended") });
    const all = Buffer.concat(parts);
    return all.buffer.slice(all.byteOffset, all.byteOffset + all.length);
  }
}
