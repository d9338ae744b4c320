// The fault matrix: for each way a token endpoint or the network can fail, the
// documented error code, no hang, and a working next call. It extends faults.test.mjs
// (which has the canned routes: HTML 500, non-JSON, a plain 302, timeouts, aborts,
// options) with servers made by hand for one case each.
//
// Every test has a timeout; every server listens on 127.0.0.1 and stops writing by
// itself (tests/support/hand-server.mjs).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import { inspect } from "node:util";
import { setTimeout as sleep } from "node:timers/promises";
import { OK_BODY, OK_TOKEN, startFaultServer } from "../support/fault-server.mjs";
import { closeAll, httpServer, pump, rawServer, trickle } from "../support/hand-server.mjs";

// The wasm instance's memory, caught as the package instantiates it, to show that a
// refused input is never copied into it.
const wasm = await (async () => {
  const Instance = WebAssembly.Instance;
  let memory;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    memory ??= instance.exports.memory;
    return instance;
  };
  try {
    return { ...(await import("client-credentials")), memory: () => memory };
  } finally {
    WebAssembly.Instance = Instance;
  }
})();
const { decodeJwt, fetchClientCredentialsToken } = wasm;

const SECRET = "Matrix-Secret-0d9f4c2e71";
const CLIENT_ID = "matrix-client";
/** src/js/http.js MAX_RESPONSE_BYTES. */
const CAP = 256 * 1024;
const T = { timeout: 20_000 };

let faults;
before(async () => {
  faults = await startFaultServer();
});
after(() => Promise.all([faults.close(), closeAll()]));

const options = (tokenUrl, extra = {}) => ({ tokenUrl, clientId: CLIENT_ID, clientSecret: SECRET, ...extra });

/** The call must reject with `code` (or one of `code`) within `withinMs`; returns the error. */
async function rejects(promise, code, withinMs = 5000) {
  const started = Date.now();
  let err;
  try {
    await promise;
  } catch (caught) {
    err = caught;
  }
  const elapsed = Date.now() - started;
  const codes = [code].flat();
  assert.ok(err !== undefined, `expected ${codes.join(" or ")}, but the call succeeded`);
  assert.equal(err?.name, "ClientCredentialsError", inspect(err));
  assert.ok(codes.includes(err.code), `expected ${codes.join(" or ")}, got ${err.code}: ${err.message}`);
  assert.ok(elapsed < withinMs, `took ${elapsed} ms (limit ${withinMs})`);
  for (const view of [err.message, err.stack, JSON.stringify(err), inspect(err, { depth: 5 })]) {
    assert.ok(!String(view).includes(SECRET), `secret in ${view}`);
  }
  err.elapsed = elapsed;
  return err;
}

/** After any failure the next call works. */
async function nextCallWorks() {
  const token = await fetchClientCredentialsToken(options(faults.url("/ok")));
  assert.equal(token.accessToken, OK_TOKEN);
}

const json = (res, status, body, headers = {}) => {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
};

/**
 * Waits until every connection that carried a request has closed, or `ms` passed.
 * (Node's fetch opens a spare, idle connection when it drops one; that one is not ours.)
 */
async function allClosed(server, ms = 2000) {
  const open = () => server.connections.filter((c) => c.used && c.closedAt === undefined);
  const until = Date.now() + ms;
  while (Date.now() < until && open().length) await sleep(20);
  return open().length === 0;
}

/** A token response padded with spaces to exactly `size` bytes. */
function paddedBody(size) {
  const text = JSON.stringify(OK_BODY);
  assert.ok(size >= text.length + 2);
  return `{${" ".repeat(size - text.length)}${text.slice(1)}`;
}

describe("the network fails", () => {
  test("connection refused: ERR_NETWORK with the runtime's error as cause", T, async () => {
    const s = await httpServer(() => {});
    const url = s.url();
    await s.close();
    const err = await rejects(fetchClientCredentialsToken(options(url)), "ERR_NETWORK");
    assert.ok(err.cause instanceof Error, `cause: ${inspect(err.cause)}`);
    assert.match(`${err.message} ${inspect(err.cause)}`, /ECONNREFUSED/);
    await nextCallWorks();
  });

  test("the connection closes before any response: ERR_NETWORK", T, async () => {
    const s = await rawServer((socket) => socket.destroy());
    await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_NETWORK");
    await s.close();
    await nextCallWorks();
  });

  test("a TCP reset in the middle of a Content-Length body: ERR_NETWORK, fast", T, async () => {
    const s = await rawServer(async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n");
      socket.write('{"access_token":"' + "a".repeat(100));
      await sleep(50);
      socket.resetAndDestroy();
    });
    await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), "ERR_NETWORK", 3000);
    await s.close();
    await nextCallWorks();
  });

  test("a close in the middle of a chunked body: ERR_NETWORK, fast", T, async () => {
    const s = await httpServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"access_token":"' + "a".repeat(100));
      await sleep(50);
      res.socket.destroy();
    });
    await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), "ERR_NETWORK", 3000);
    await s.close();
    await nextCallWorks();
  });

  test("a response that is not HTTP: ERR_NETWORK", T, async () => {
    const s = await rawServer((socket) => socket.end("SSH-2.0-OpenSSH_9.6\r\n"));
    await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_NETWORK");
    await s.close();
    await nextCallWorks();
  });
});

describe("timeoutMs covers the whole exchange", () => {
  test("status line and headers trickling in, each byte in time, all too late: ERR_TIMEOUT", T, async () => {
    const s = await rawServer((socket) => trickle(socket, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}", 40));
    const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 300 })), "ERR_TIMEOUT", 2000);
    assert.ok(err.elapsed >= 250, `${err.elapsed} ms`);
    assert.match(err.message, /300 ms/);
    await s.close();
    await nextCallWorks();
  });

  for (const framing of ["content-length", "chunked"]) {
    test(`a ${framing} body trickling in, each byte in time, all too late: ERR_TIMEOUT`, T, async () => {
      const body = JSON.stringify(OK_BODY);
      const s = await httpServer(async (_req, res) => {
        res.writeHead(200, { "content-type": "application/json", ...(framing === "content-length" ? { "content-length": Buffer.byteLength(body) } : {}) });
        for (const ch of body) {
          if (res.destroyed) return;
          res.write(ch);
          await sleep(30);
        }
        res.end();
      });
      const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 400 })), "ERR_TIMEOUT", 2500);
      assert.ok(err.elapsed >= 350, `${err.elapsed} ms`);
      assert.ok(await allClosed(s), "the client kept the connection open after the timeout");
      await s.close();
      await nextCallWorks();
    });
  }
});

describe(`bodies over the ${CAP / 1024} KiB cap are refused without being read`, () => {
  test("an endless chunked body, fast: ERR_INVALID_RESPONSE, and the client hangs up", T, async () => {
    let written;
    const s = await httpServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"access_token":"');
      written = await pump(res, Buffer.alloc(64 * 1024, "a"));
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), "ERR_INVALID_RESPONSE", 3000);
    assert.match(err.message, /larger than 262144 bytes/);
    assert.ok(await allClosed(s), "the connection stayed open");
    const c = s.connections.find((conn) => conn.used);
    assert.ok(c.closedAt - c.openedAt < 3000, `closed after ${c.closedAt - c.openedAt} ms`);
    await sleep(50);
    assert.ok(written < 32 * 1024 * 1024, `the server wrote ${written} bytes before the client hung up`);
    await s.close();
    await nextCallWorks();
  });

  test("an endless chunked body, slow: refused as soon as it passes the cap, long before timeoutMs", T, async () => {
    const s = await httpServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      await pump(res, Buffer.alloc(16 * 1024, " "), { delayMs: 5 });
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 15_000 })), "ERR_INVALID_RESPONSE", 5000);
    assert.ok(err.elapsed < 5000);
    assert.ok(await allClosed(s), "the connection stayed open");
    await s.close();
    await nextCallWorks();
  });

  test("a Content-Length over the cap is refused before the body is read", T, async () => {
    let written;
    const s = await httpServer(async (_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(64 * 1024 * 1024) });
      // Slowly: were the client reading, it would wait; it must not.
      written = await pump(res, Buffer.alloc(1024, " "), { delayMs: 20 });
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), "ERR_INVALID_RESPONSE", 2000);
    assert.match(err.message, /larger than/);
    assert.ok(await allClosed(s), "the connection stayed open");
    await sleep(50);
    assert.ok(written < 1024 * 1024, `${written} bytes written`);
    await s.close();
    await nextCallWorks();
  });

  for (const framing of ["content-length", "chunked"]) {
    test(`${framing}: a body of exactly the cap is read; one byte more is refused`, T, async () => {
      const s = await httpServer((req, res) => {
        const size = Number(new URL(req.url, "http://x").searchParams.get("size"));
        const body = Buffer.from(paddedBody(size));
        if (framing === "content-length") {
          res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
          res.end(body);
        } else {
          res.writeHead(200, { "content-type": "application/json" });
          // Odd-sized chunks, so the cap falls inside one.
          for (let i = 0; i < body.length; i += 10_007) res.write(body.subarray(i, i + 10_007));
          res.end();
        }
      });
      const token = await fetchClientCredentialsToken(options(s.url(`/token?size=${CAP}`)));
      assert.equal(token.accessToken, OK_TOKEN);
      await rejects(fetchClientCredentialsToken(options(s.url(`/token?size=${CAP + 1}`))), "ERR_INVALID_RESPONSE");
      await s.close();
      await nextCallWorks();
    });
  }

  test("a gzip body under the cap that inflates far past it is refused without inflating it all", T, async () => {
    // 256 MiB of spaces deflate to about 250 KB: a declared length under the cap.
    const gz = await gzipOfSpaces(256 * 1024 * 1024);
    assert.ok(gz.length < CAP, `${gz.length} bytes compressed`);
    const s = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip", "content-length": gz.length });
      res.end(gz);
    });
    const peakBefore = process.resourceUsage().maxRSS;
    const started = Date.now();
    await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 15_000 })), "ERR_INVALID_RESPONSE", 15_000);
    const grewMiB = (process.resourceUsage().maxRSS - peakBefore) / 1024;
    const elapsed = Date.now() - started;
    assert.ok(grewMiB < 96, `peak RSS grew by ${grewMiB.toFixed(0)} MiB: the body was inflated in full (${elapsed} ms)`);
    await s.close();
    await nextCallWorks();
  });

  test("Content-Length under the cap with an endless chunked body: refused, not buffered", T, async () => {
    const s = await rawServer(async (socket) => {
      socket.write("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\ntransfer-encoding: chunked\r\n\r\n");
      const chunk = Buffer.alloc(64 * 1024, " ");
      const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
      await pump(socket, framed);
    });
    await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), ["ERR_NETWORK", "ERR_INVALID_RESPONSE"], 3000);
    assert.ok(await allClosed(s), "the connection stayed open");
    await s.close();
    await nextCallWorks();
  });
});

describe("bodies a strict reader refuses", () => {
  test("invalid UTF-8 in a 200 JSON body: ERR_INVALID_RESPONSE", T, async () => {
    const body = Buffer.concat([Buffer.from('{"access_token":"abc'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('","token_type":"Bearer"}')]);
    const s = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": body.length });
      res.end(body);
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_INVALID_RESPONSE");
    assert.match(err.message, /UTF-8/);
    await s.close();
    await nextCallWorks();
  });

  test("invalid UTF-8 in an error body: ERR_HTTP with a readable excerpt", T, async () => {
    const body = Buffer.concat([Buffer.from("upstream said: "), Buffer.from([0xff, 0xfe]), Buffer.from(" bye")]);
    const s = await httpServer((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain", "content-length": body.length });
      res.end(body);
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_HTTP");
    assert.equal(err.body, "upstream said: \uFFFD\uFFFD bye");
    await s.close();
    await nextCallWorks();
  });

  const duplicates = [
    ["access_token twice", `{"access_token":"a","token_type":"Bearer","access_token":"${OK_TOKEN}"}`, /access_token/],
    ["access_token twice, once escaped", `{"access_token":"a","token_type":"Bearer","access_\\u0074oken":"b"}`, /access_token/],
    ["token_type twice", `{"access_token":"${OK_TOKEN}","token_type":"Bearer","token_type":"mac"}`, /token_type/],
  ];
  for (const [name, body, names] of duplicates) {
    test(`duplicate members (${name}): ERR_INVALID_RESPONSE naming the member`, T, async () => {
      const s = await httpServer((_req, res) => json(res, 200, body));
      const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_INVALID_RESPONSE");
      assert.match(err.message, names);
      assert.match(err.message, /twice/);
      assert.ok(!err.message.includes(OK_TOKEN));
      await s.close();
      await nextCallWorks();
    });
  }

  test("a duplicated error member makes an ambiguous error body: ERR_HTTP, not ERR_OAUTH", T, async () => {
    const s = await httpServer((_req, res) => json(res, 400, '{"error":"invalid_scope","error":"invalid_client"}'));
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_HTTP");
    assert.equal(err.status, 400);
    await s.close();
    await nextCallWorks();
  });

  test("__proto__, constructor and prototype members pollute nothing", T, async () => {
    const body = `{"access_token":"${OK_TOKEN}","token_type":"Bearer","__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}`;
    const s = await httpServer((_req, res) => json(res, 200, body));
    const token = await fetchClientCredentialsToken(options(s.url()));
    assert.equal(token.accessToken, OK_TOKEN);
    assert.equal({}.polluted, undefined);
    assert.equal(Object.prototype.polluted, undefined);
    assert.equal({}.isAdmin, undefined);
    assert.equal(Object.getPrototypeOf(token), Object.prototype);
    assert.equal(Object.getPrototypeOf(token.raw), Object.prototype, "raw's prototype was replaced");
    assert.equal(token.raw.polluted, undefined);
    assert.equal(token.raw.isAdmin, undefined);
    assert.ok(Object.hasOwn(token.raw, "__proto__"), "__proto__ is kept as an own member, as JSON.parse does");
    assert.deepEqual(token.raw.__proto__, { polluted: "yes", isAdmin: true });
    assert.deepEqual(Object.keys(token.raw), ["access_token", "token_type", "__proto__", "constructor", "prototype"]);
    assert.deepEqual(token.raw, JSON.parse(body));
    await s.close();
  });

  test("__proto__ in an error body and in a JWT pollutes nothing", T, async () => {
    const s = await httpServer((_req, res) => json(res, 400, '{"error":"invalid_request","__proto__":{"polluted":"yes"}}'));
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_OAUTH");
    assert.equal(err.error, "invalid_request");
    assert.equal(err.polluted, undefined);
    const b64 = (t) => Buffer.from(t).toString("base64url");
    const { header, payload } = decodeJwt(`${b64('{"alg":"none","__proto__":{"polluted":1}}')}.${b64('{"__proto__":{"polluted":1},"sub":"x"}')}.`);
    assert.equal(Object.getPrototypeOf(header), Object.prototype);
    assert.equal(Object.getPrototypeOf(payload), Object.prototype);
    assert.equal(payload.polluted, undefined);
    assert.equal({}.polluted, undefined);
    await s.close();
    await nextCallWorks();
  });
});

describe("statuses", () => {
  for (const status of [301, 302, 303, 307, 308]) {
    test(`${status} to another server: ERR_INVALID_RESPONSE naming the target, which is never contacted`, T, async () => {
      const elsewhere = await httpServer((_req, res) => json(res, 200, OK_BODY));
      const s = await httpServer(async (_req, res) => {
        res.writeHead(status, { location: elsewhere.url("/stolen"), "content-type": "text/plain" });
        // An endless body: the client must not wait for it.
        await pump(res, Buffer.alloc(1024, "x"), { delayMs: 10 });
      });
      const err = await rejects(fetchClientCredentialsToken(options(s.url(), { timeoutMs: 10_000 })), "ERR_INVALID_RESPONSE", 3000);
      assert.ok(err.message.includes(elsewhere.url("/stolen")), err.message);
      assert.match(err.message, new RegExp(`HTTP ${status}`));
      assert.deepEqual(elsewhere.hits, [], "the redirect was followed");
      assert.ok(await allClosed(s), "the redirect's body was waited for");
      await Promise.all([s.close(), elsewhere.close()]);
      await nextCallWorks();
    });
  }

  test("a 3xx without Location is still a redirect refused", T, async () => {
    const s = await httpServer((_req, res) => json(res, 302, OK_BODY));
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_INVALID_RESPONSE");
    assert.match(err.message, /redirect/);
    await s.close();
  });

  test("401 with WWW-Authenticate and an OAuth body: ERR_OAUTH with err.wwwAuthenticate", T, async () => {
    const challenge = 'Basic realm="sivalabs", charset="UTF-8"';
    const s = await httpServer((_req, res) =>
      json(res, 401, { error: "invalid_client", error_description: "Invalid client credentials" }, { "www-authenticate": challenge }),
    );
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_OAUTH");
    assert.equal(err.status, 401);
    assert.equal(err.error, "invalid_client");
    assert.equal(err.wwwAuthenticate, challenge);
    assert.equal(err.retryAfter, undefined);
    await s.close();
    await nextCallWorks();
  });

  test("401 with WWW-Authenticate and no body: ERR_HTTP with err.wwwAuthenticate", T, async () => {
    const s = await httpServer((_req, res) => {
      res.writeHead(401, { "www-authenticate": 'Bearer realm="api"', "content-length": 0 });
      res.end();
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_HTTP");
    assert.equal(err.status, 401);
    assert.equal(err.wwwAuthenticate, 'Bearer realm="api"');
    assert.equal(err.body, "");
    await s.close();
  });

  const retries = [
    [429, "120", { error: "slow_down", error_description: "Too many requests" }, "ERR_OAUTH"],
    [503, "Wed, 21 Oct 2026 07:28:00 GMT", { error: "temporarily_unavailable" }, "ERR_OAUTH"],
    [429, "5", "Too Many Requests", "ERR_HTTP"],
    [503, "30", "<html><body><h1>503 Service Unavailable</h1></body></html>", "ERR_HTTP"],
  ];
  for (const [status, retryAfter, body, code] of retries) {
    test(`${status} with Retry-After: ${retryAfter}: ${code} with err.retryAfter`, T, async () => {
      const s = await httpServer((_req, res) =>
        typeof body === "string"
          ? (res.writeHead(status, { "retry-after": retryAfter, "content-type": "text/html" }), res.end(body))
          : json(res, status, body, { "retry-after": retryAfter }),
      );
      const err = await rejects(fetchClientCredentialsToken(options(s.url())), code);
      assert.equal(err.status, status);
      assert.equal(err.retryAfter, retryAfter, "Retry-After is passed on verbatim");
      if (code === "ERR_OAUTH") assert.equal(err.error, body.error);
      await s.close();
      await nextCallWorks();
    });
  }

  test("an HTML error page from a proxy: ERR_HTTP with the status and a one-line excerpt", T, async () => {
    const page = `<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n${"<!-- a padding to disable MSIE and Chrome friendly error page -->\r\n".repeat(6)}`;
    const s = await httpServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html", server: "nginx/1.25.3" });
      res.end(page);
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_HTTP");
    assert.equal(err.status, 502);
    assert.ok(err.body.startsWith("<html>"), err.body);
    assert.ok(!/[\r\n]/.test(err.body), "the excerpt is one line");
    assert.ok(err.body.length <= 201, `${err.body.length} chars`);
    assert.match(err.message, /HTTP 502/);
    await s.close();
    await nextCallWorks();
  });

  test("an HTML page with 200 (a captive portal): ERR_INVALID_RESPONSE, and the page is not quoted", T, async () => {
    const s = await httpServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html><body>Please log in to the hotel Wi-Fi</body></html>");
    });
    const err = await rejects(fetchClientCredentialsToken(options(s.url())), "ERR_INVALID_RESPONSE");
    assert.ok(!err.message.includes("hotel"), err.message);
    await s.close();
    await nextCallWorks();
  });
});

describe("limits at their boundaries", () => {
  const b64 = (t) => Buffer.from(t).toString("base64url");
  /** jwt.rs MAX_TOKEN_LENGTH. */
  const MAX = 65_536;

  /** A valid token of exactly `length` characters: spaces in the payload JSON, 'A's in the signature. */
  function tokenOfLength(length) {
    const head = b64('{"alg":"none"}');
    // Start just short of the length: base64url takes 4 characters per 3 bytes.
    const start = Math.max(0, Math.floor(((length - head.length - 2 - 64) * 3) / 4) - 12);
    for (let spaces = start; ; spaces += 1) {
      const payload = b64(`{"sub":"x"${" ".repeat(spaces)}}`);
      const sig = length - head.length - payload.length - 2;
      if (sig < 0) throw new Error("too short");
      if (sig % 4 !== 1 && sig < 64) return `${head}.${payload}.${"A".repeat(sig)}`;
    }
  }

  test(`decodeJwt: a token of exactly ${MAX} characters decodes; ${MAX + 1} is refused`, T, () => {
    const token = tokenOfLength(MAX);
    assert.equal(token.length, MAX);
    assert.equal(decodeJwt(token).payload.sub, "x");
    const over = tokenOfLength(MAX + 1);
    assert.equal(over.length, MAX + 1);
    assert.throws(() => decodeJwt(over), (err) => err.code === "ERR_INVALID_JWT" && /65537 long, over the limit of 65536/.test(err.message));
  });

  test("decodeJwt: a 64 MiB string is refused by its length, without being copied into wasm memory", T, () => {
    const memory = wasm.memory();
    assert.ok(memory instanceof WebAssembly.Memory, "the wasm memory was not caught at instantiation");
    decodeJwt(tokenOfLength(MAX)); // let memory settle at the size a largest valid token needs
    const before = memory.buffer.byteLength;
    const huge = "A".repeat(64 * 1024 * 1024);
    for (let i = 0; i < 20; i += 1) {
      assert.throws(() => decodeJwt(huge), (err) => err.code === "ERR_INVALID_JWT" && /over the limit/.test(err.message));
    }
    assert.equal(memory.buffer.byteLength, before, "wasm memory grew: the string was copied before the length check");
    // Non-ASCII takes more bytes than characters: the byte length is checked too.
    const wide = `${"é".repeat(MAX - 10)}.a.b`;
    assert.throws(() => decodeJwt(wide), (err) => err.code === "ERR_INVALID_JWT");
    assert.equal(decodeJwt(tokenOfLength(100)).payload.sub, "x");
  });

  // The response cap (src/js/http.js MAX_RESPONSE_BYTES) at its boundary is tested above,
  // with both framings, under "bodies over the 256 KiB cap".
});

describe("decodeJwt keeps working", () => {
  test("1000 malformed tokens of every kind in a row, then a valid one", T, () => {
    const b64 = (t) => Buffer.from(t).toString("base64url");
    const valid = `${b64('{"alg":"RS256","typ":"JWT"}')}.${b64('{"sub":"svc","roles":["a","b"],"n":1}')}.${b64("signature")}`;
    const expected = decodeJwt(valid);
    let seed = 7;
    const random = (n) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const kinds = [
      (t) => t.slice(0, random(t.lastIndexOf("."))), // truncated before the signature
      (t) => `${t.slice(0, random(t.length))}!${t.slice(random(t.length))}`, // a character outside base64url
      (t) => t.replace(".", ""), // two segments
      (t) => `${t}.${t}`, // five segments
      (t) => t.replaceAll(".", ".."), // empty segments
      (t) => `${t.split(".")[0]}=.${t.split(".")[1]}.${t.split(".")[2]}`, // padding
      (t) => `${b64("[1,2]")}.${t.split(".")[1]}.`, // header not an object
      (t) => `${t.split(".")[0]}.${b64('{"a":1,"a":2}')}.`, // duplicate claim
      (t) => `${t.split(".")[0]}.${Buffer.from([0xff, 0xfe]).toString("base64url")}.`, // not UTF-8
      (t) => `${t.split(".")[0]}.${b64(`{"d":${"[".repeat(500)}${"]".repeat(500)}}`)}.`, // too deep
      (t) => `\uD800${t}`, // a lone surrogate in the JS string
      (t) => ` ${t}`, // whitespace
      () => "x".repeat(65_537), // over the length limit
      () => null,
      () => 12345,
      () => ({ toString: () => valid }),
    ];
    const seen = new Set();
    for (let i = 0; i < 1000; i += 1) {
      const input = kinds[i % kinds.length](valid);
      let err;
      try {
        decodeJwt(input);
      } catch (caught) {
        err = caught;
      }
      assert.equal(err?.code, "ERR_INVALID_JWT", `#${i} (kind ${i % kinds.length}) ${inspect(input).slice(0, 80)}: ${err ? err.message : "accepted"}`);
      seen.add(err.message);
    }
    assert.ok(seen.size >= 10, `only ${seen.size} distinct messages`);
    assert.deepEqual(decodeJwt(valid), expected);
  });
});

/** gzip of `size` spaces, compressed by streaming so the test never holds them. */
async function gzipOfSpaces(size) {
  const gzip = zlib.createGzip({ level: 9 });
  const out = [];
  gzip.on("data", (c) => out.push(c));
  const chunk = Buffer.alloc(1024 * 1024, " ");
  for (let written = 0; written < size; written += chunk.length) {
    if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once("drain", resolve));
  }
  await new Promise((resolve) => gzip.end(resolve));
  return Buffer.concat(out);
}
