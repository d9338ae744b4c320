// The `fetch` option: every request of fetchClientCredentialsToken, TokenClient
// (discovery, the token request, client.fetch's API calls) and JwksClient (discovery,
// the key set) goes through the caller's function and none through the global one;
// a function that is not one is refused up front; and a custom fetch is no way around
// the rules (URLs checked first, no redirect with credentials, the body cap, the
// timeout and the caller's signal), each failing with the same error as the global.

import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as http from "node:http";
import { JwksClient, TokenClient, fetchClientCredentialsToken, verifyJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { OK_BODY, startFaultServer } from "../support/fault-server.mjs";
import { startProtectedApi } from "../support/protected-api.mjs";
import { rejection } from "../support/rejection.mjs";

const globalFetch = globalThis.fetch;
let as, api, faults;
const closers = [];

before(async () => {
  [as, faults] = await Promise.all([startAuthServer({ accessTokenTtl: 300 }), startFaultServer()]);
  api = await startProtectedApi({ issuer: as.issuer, jwksUri: as.jwksUri });
  closers.push(as.close, faults.close, api.close);
});

after(() => Promise.allSettled(closers.map((close) => close())));

// The global fetch, recorded: none of the library's requests may reach it. (It still
// sends, for the test's own servers: the API fetches its issuer's keys with it.)
let globalCalls = [];
function watchGlobalFetch() {
  globalCalls = [];
  globalThis.fetch = (input, init) => {
    globalCalls.push(String(input?.url ?? input));
    return globalFetch(input, init);
  };
}

/** None of `calls` (the option's) went through the global fetch as well. */
function noneGlobal(calls) {
  const urls = new Set(calls.map((c) => c.url));
  assert.deepEqual(globalCalls.filter((url) => urls.has(url)), []);
}
afterEach(() => {
  globalThis.fetch = globalFetch;
});

/** A fetch that records each call (method, URL, headers, redirect mode) and sends it with the real one. */
function recorder() {
  const calls = [];
  const fetch = (url, init) => {
    calls.push({ url, method: init?.method ?? "GET", headers: { ...init?.headers }, redirect: init?.redirect, hasSignal: init?.signal instanceof AbortSignal });
    return globalFetch(url, init);
  };
  return { fetch, calls };
}

const basic = () => ({ clientId: as.clients.basic.clientId, clientSecret: as.clients.basic.clientSecret });
const discoveryUrl = () => `${as.issuer}/.well-known/openid-configuration`;

describe("every request goes through the fetch option", () => {
  test("fetchClientCredentialsToken: the token request, with its credentials and redirect: manual", async () => {
    const { fetch, calls } = recorder();
    watchGlobalFetch();
    const token = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic(), fetch });
    assert.equal(token.tokenType, "Bearer");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, as.tokenUrl);
    assert.equal(calls[0].method, "POST");
    assert.match(calls[0].headers.authorization, /^Basic /);
    assert.equal(calls[0].redirect, "manual");
    assert.ok(calls[0].hasSignal, "the timer's signal is passed");
    assert.deepEqual(globalCalls, []);
  });

  test("TokenClient: discovery, the token request and client.fetch's API call, with the token", async () => {
    const { fetch, calls } = recorder();
    watchGlobalFetch();
    const client = new TokenClient({ issuer: as.issuer, ...basic(), fetch });
    const response = await client.fetch(api.url("/data"), { headers: { "x-trace": "t-1" } });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.trace, "t-1");
    assert.deepEqual(
      calls.map((c) => [c.method, c.url]),
      [
        ["GET", discoveryUrl()],
        ["POST", as.issuerTokenUrl],
        ["GET", api.url("/data")],
      ],
    );
    const token = await client.getToken();
    assert.equal(calls[2].headers.authorization, `Bearer ${token.accessToken}`);
    assert.equal(calls[2].headers["x-trace"], "t-1");
    assert.equal(calls[2].redirect, "manual");
    assert.equal(typeof calls[2].url, "string", "client.fetch hands the option a URL string, as the library's own requests");
    // A cached token: the next API call is the only new request.
    await (await client.fetch(api.url("/data"))).body?.cancel();
    assert.deepEqual(calls.slice(3).map((c) => c.url), [api.url("/data")]);
    noneGlobal(calls);
    client.free();
  });

  test("client.fetch: a POST's body reaches the API through the option, and a 401 retry goes through it too", async () => {
    const { fetch, calls } = recorder();
    const client = new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch });
    await client.getToken();
    api.rejectNext(1);
    const response = await client.fetch(api.url("/data"), { method: "POST", headers: { "content-type": "application/json" }, body: '{"n":1}' });
    assert.equal(response.status, 200);
    const body = await response.json();
    assert.equal(body.body, '{"n":1}');
    assert.deepEqual(
      calls.map((c) => [c.method, c.url]),
      [
        ["POST", as.tokenUrl],
        ["POST", api.url("/data")],
        ["POST", as.tokenUrl],
        ["POST", api.url("/data")],
      ],
    );
    client.free();
  });

  test("client.fetch: a body (a stream here) reaches the option as its bytes, so it goes out with a Content-Length", async () => {
    let seen;
    const fetch = (url, init) => {
      if (url === api.url("/data")) seen = init;
      return globalFetch(url, init);
    };
    const client = new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch });
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("streamed"));
        c.close();
      },
    });
    const response = await client.fetch(new Request(api.url("/data"), { method: "PUT", body: stream, duplex: "half" }));
    assert.equal(response.status, 200);
    assert.equal((await response.json()).body, "streamed");
    assert.ok(seen.body instanceof ArrayBuffer);
    assert.equal(new TextDecoder().decode(seen.body), "streamed");
    client.free();
  });

  test("client.fetch: a FormData body keeps its multipart boundary through the option", async () => {
    const client = new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch: (url, init) => globalFetch(url, init) });
    const form = new FormData();
    form.append("archive", "2026-q4");
    const response = await client.fetch(api.url("/data"), { method: "POST", body: form });
    const { body, contentType } = await response.json();
    const boundary = /boundary=(.+)$/.exec(contentType)?.[1];
    assert.ok(boundary, contentType);
    assert.ok(body.includes(`--${boundary}`) && body.includes("2026-q4"), body);
    client.free();
  });

  test("JwksClient: discovery and the key set; verifyJwt and its refetch for an unknown kid use it", async () => {
    const { accessToken } = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic() });
    const { fetch, calls } = recorder();
    watchGlobalFetch();
    const jwks = new JwksClient({ issuer: as.issuer, fetch, cooldownSeconds: 0 });
    const { payload } = await verifyJwt(accessToken, { jwks, issuer: as.issuer, audience: `${as.issuer}/account` });
    assert.equal(payload.azp, as.clients.basic.clientId);
    const jwksUri = jwks.jwksUri;
    assert.deepEqual(
      calls.map((c) => [c.method, c.url]),
      [
        ["GET", discoveryUrl()],
        ["GET", jwksUri],
      ],
    );
    await jwks.reload();
    assert.deepEqual(calls.slice(2).map((c) => c.url), [jwksUri]);
    assert.equal(calls[1].redirect, "manual", "the key set's URL is used as given");
    assert.deepEqual(globalCalls, []);
    jwks.free();
  });
});

describe("a fetch option that is not a function", () => {
  for (const [what, value] of [
    ["a string", "fetch"],
    ["an object", { fetch: globalFetch }],
    ["true", true],
    ["a number", 1],
  ]) {
    test(`${what}: ERR_INVALID_OPTIONS naming the option, from all three, before any request`, async () => {
      const { fetch, calls } = recorder();
      globalThis.fetch = fetch;
      const check = (e) => e.name === "ClientCredentialsError" && e.code === "ERR_INVALID_OPTIONS" && /fetch must be a function/.test(e.message);
      await assert.rejects(fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic(), fetch: value }), check);
      assert.throws(() => new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch: value }), check);
      assert.throws(() => new JwksClient({ jwksUri: as.jwksUri, fetch: value }), check);
      assert.deepEqual(calls, []);
    });
  }

  test("undefined and null mean the global fetch", async () => {
    const { fetch, calls } = recorder();
    globalThis.fetch = fetch;
    await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic(), fetch: undefined });
    await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, ...basic(), fetch: null });
    assert.equal(calls.length, 2);
  });
});

/** The fields an error is compared on: the same with the global fetch and with the option. */
const shape = (e) => ({ name: e.name, code: e.code, status: e.status, message: e.message });

/** A fetch that answers every call with `respond(url, init)` and records the URLs. */
function double(respond) {
  const urls = [];
  return {
    urls,
    fetch: async (url, init) => {
      urls.push(url);
      return respond(url, init);
    },
  };
}

async function hand(handler) {
  const server = http.createServer(handler);
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  closers.push(() => {
    server.closeAllConnections();
    return new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${server.address().port}`;
}

describe("a custom fetch gets the same errors as the global one", () => {
  const options = (tokenUrl, extra) => ({ tokenUrl, clientId: "fault-client", clientSecret: "Fault-Secret-9c1d7e2a4b", ...extra });

  test("a 302 from the token endpoint: not followed, the same ERR_INVALID_RESPONSE", async () => {
    const viaGlobal = await rejection(fetchClientCredentialsToken(options(faults.url("/redirect"))));
    const d = double(() => new Response(JSON.stringify(OK_BODY), { status: 302, headers: { location: "/ok", "content-type": "application/json" } }));
    const viaOption = await rejection(fetchClientCredentialsToken(options(faults.url("/redirect"), { fetch: d.fetch })));
    assert.equal(viaGlobal.code, "ERR_INVALID_RESPONSE");
    assert.deepEqual(shape(viaOption), shape(viaGlobal));
    assert.deepEqual(d.urls, [faults.url("/redirect")], "one call: the redirect is not followed");
  });

  test("a body over 256 KB, with and without a declared length: the same error", async () => {
    const big = JSON.stringify({ ...OK_BODY, padding: "x".repeat(300 * 1024) });
    const origin = await hand((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(big));
    const viaGlobal = await rejection(fetchClientCredentialsToken(options(`${origin}/token`)));
    assert.equal(viaGlobal.code, "ERR_INVALID_RESPONSE");
    assert.match(viaGlobal.message, /larger than 262144 bytes/);
    // A Response made in memory has no Content-Length: the stream is counted.
    const streamed = double(() => new Response(big, { headers: { "content-type": "application/json" } }));
    assert.deepEqual(shape(await rejection(fetchClientCredentialsToken(options(`${origin}/token`, { fetch: streamed.fetch })))), shape(viaGlobal));
    const declared = double(() => new Response(big, { headers: { "content-type": "application/json", "content-length": String(big.length) } }));
    assert.deepEqual(shape(await rejection(fetchClientCredentialsToken(options(`${origin}/token`, { fetch: declared.fetch })))), shape(viaGlobal));
    // A body that never ends is cut at the cap, not read to the end.
    let pulled = 0;
    const endless = double(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              pulled++;
              c.enqueue(new Uint8Array(16 * 1024));
            },
          }),
        ),
    );
    assert.deepEqual(shape(await rejection(fetchClientCredentialsToken(options(`${origin}/token`, { fetch: endless.fetch })))), shape(viaGlobal));
    assert.ok(pulled < 40, `${pulled} chunks of 16 KB pulled`);
  });

  test("a non-https token URL is refused before the option is called", async () => {
    const d = double(() => new Response(JSON.stringify(OK_BODY)));
    const viaGlobal = await rejection(fetchClientCredentialsToken(options("http://as.example/token")));
    const viaOption = await rejection(fetchClientCredentialsToken(options("http://as.example/token", { fetch: d.fetch })));
    assert.equal(viaGlobal.code, "ERR_INVALID_OPTIONS");
    assert.deepEqual(shape(viaOption), shape(viaGlobal));
    assert.throws(() => new JwksClient({ jwksUri: "http://as.example/certs", fetch: d.fetch }), (e) => e.code === viaGlobal.code);
    assert.deepEqual(d.urls, []);
  });

  test("a discovery document naming a non-https token endpoint: the same error, and the endpoint is never called", async () => {
    let issuer;
    const origin = await hand((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ issuer, token_endpoint: "http://as.example/token", jwks_uri: "http://as.example/certs" }));
    });
    issuer = `${origin}/realms/x`;
    const viaGlobal = await rejection(fetchClientCredentialsToken({ issuer, clientId: "c", clientSecret: "s" }));
    const { fetch, calls } = recorder();
    const viaOption = await rejection(fetchClientCredentialsToken({ issuer, clientId: "c", clientSecret: "s", fetch }));
    assert.deepEqual(shape(viaOption), shape(viaGlobal));
    assert.match(viaGlobal.message, /https/);
    assert.deepEqual(calls.map((c) => c.url), [`${issuer}/.well-known/openid-configuration`]);
    const jwks = new JwksClient({ issuer, fetch });
    const viaJwks = await rejection(jwks.reload());
    assert.match(viaJwks.message, /https/);
    assert.ok(!calls.some((c) => c.url.startsWith("http://as.example")), calls.map((c) => c.url).join("\n"));
    jwks.free();
  });

  test("client.fetch: a cross-origin redirect from the option is returned unfollowed, the token not sent on", async () => {
    const client = new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch: (url, init) => (url === as.tokenUrl ? globalFetch(url, init) : d.fetch(url, init)) });
    const d = double(() => new Response(null, { status: 302, headers: { location: "https://elsewhere.example/steal" } }));
    const response = await client.fetch(api.url("/data"));
    assert.equal(response.status, 302);
    assert.deepEqual(d.urls, [api.url("/data")]);
    client.free();
  });

  test("a fetch that ignores the signal still ends at timeoutMs with ERR_TIMEOUT; one whose body never ends too", async () => {
    const never = () => new Promise(() => {});
    const started = Date.now();
    const err = await rejection(fetchClientCredentialsToken(options(faults.url("/ok"), { fetch: never, timeoutMs: 200 })));
    assert.equal(err.code, "ERR_TIMEOUT");
    const stalled = () => new Response(new ReadableStream({ pull: () => new Promise(() => {}) }));
    assert.equal((await rejection(fetchClientCredentialsToken(options(faults.url("/ok"), { fetch: stalled, timeoutMs: 200 })))).code, "ERR_TIMEOUT");
    assert.ok(Date.now() - started < 4000, `${Date.now() - started} ms for two 200 ms timeouts`);
    const viaGlobal = await rejection(fetchClientCredentialsToken(options(faults.url("/hang"), { timeoutMs: 200 })));
    assert.deepEqual(shape(err), shape(viaGlobal));
  });

  test("the caller's signal: ERR_ABORTED, even when the option ignores it", async () => {
    const controller = new AbortController();
    const pending = rejection(fetchClientCredentialsToken(options(faults.url("/ok"), { fetch: () => new Promise(() => {}), signal: controller.signal })));
    setTimeout(() => controller.abort(), 50);
    assert.equal((await pending).code, "ERR_ABORTED");
  });

  test("a rejection from the option is ERR_NETWORK with its message; a non-Response is ERR_NETWORK too", async () => {
    const refused = await rejection(fetchClientCredentialsToken(options(faults.url("/ok"), { fetch: async () => Promise.reject(new TypeError("proxy refused the connection")) })));
    assert.equal(refused.code, "ERR_NETWORK");
    assert.match(refused.message, /proxy refused the connection/);
    const wrong = await rejection(fetchClientCredentialsToken(options(faults.url("/ok"), { fetch: async () => ({ ok: true }) })));
    assert.equal(wrong.code, "ERR_NETWORK");
    assert.match(wrong.message, /not a Response/);
    const client = new TokenClient({ tokenUrl: as.tokenUrl, ...basic(), fetch: (url, init) => (url === as.tokenUrl ? globalFetch(url, init) : "nope") });
    assert.equal((await rejection(client.fetch(api.url("/data")))).code, "ERR_NETWORK");
    client.free();
  });
});
