// Failure modes of fetchClientCredentialsToken: broken servers, timeouts, aborts, bad
// options, insecure URLs, and the rule that no error ever carries a secret or a token.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { fetchClientCredentialsToken } from "client-credentials";
import { HTML_500, OAUTH_ERROR_BODY, OK_BODY, OK_TOKEN, startFaultServer } from "../support/fault-server.mjs";
import { freePort } from "../../scripts/net.mjs";

// URL-safe, so a server echoing the form body echoes it verbatim.
const SECRET = "Fault-Secret-9c1d7e2a4b";
const CLIENT_ID = "fault-client";

let faults;
let closedPort;

before(async () => {
  faults = await startFaultServer();
  closedPort = await freePort();
});

after(() => faults.close());

function options(path, extra = {}) {
  return { tokenUrl: faults.url(path), clientId: CLIENT_ID, clientSecret: SECRET, ...extra };
}

/** Awaits a call that must fail with `code`, checks the error's shape and that it leaks nothing. */
async function expectError(promiseOrFn, code) {
  let err;
  try {
    await (typeof promiseOrFn === "function" ? promiseOrFn() : promiseOrFn);
  } catch (caught) {
    err = caught;
  }
  assert.ok(err !== undefined, `expected ${code}, but the call succeeded`);
  assert.ok(err instanceof Error, `expected an Error, got ${inspect(err)}`);
  assert.equal(err.name, "ClientCredentialsError", inspect(err));
  assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
  assert.equal(typeof err.message, "string");
  assert.ok(err.message.length > 0);
  assertNoLeak(err);
  return err;
}

function assertNoLeak(err) {
  const views = {
    message: err.message,
    stack: err.stack,
    json: JSON.stringify(err),
    string: String(err),
    inspect: inspect(err, { depth: 8 }),
  };
  for (const [where, text] of Object.entries(views)) {
    for (const needle of [SECRET, OK_TOKEN]) {
      assert.ok(!String(text).includes(needle), `${needle === SECRET ? "client secret" : "access token"} leaked into ${where}: ${text}`);
    }
  }
}

describe("responses a real server should not send", () => {
  test("/ok is a valid response, so the fault tests mean something", async () => {
    const token = await fetchClientCredentialsToken(options("/ok"));
    assert.equal(token.accessToken, OK_TOKEN);
    assert.equal(token.tokenType, "Bearer");
    assert.equal(token.expiresIn, 300);
    assert.equal(token.scope, "email profile");
    assert.deepEqual(token.raw, OK_BODY);
  });

  test("500 with an HTML page is ERR_HTTP with a short excerpt of it", async () => {
    const err = await expectError(fetchClientCredentialsToken(options("/html500")), "ERR_HTTP");
    assert.equal(err.status, 500);
    assert.equal(typeof err.body, "string");
    assert.ok(err.body.startsWith("<!DOCTYPE html>"), `excerpt: ${err.body.slice(0, 80)}`);
    assert.ok(err.body.length < 4096 && err.body.length < HTML_500.length, `excerpt is ${err.body.length} chars`);
    assert.ok(!err.body.includes("END-OF-PAGE"));
  });

  test("200 that is not JSON is ERR_INVALID_RESPONSE", async () => {
    await expectError(fetchClientCredentialsToken(options("/notjson")), "ERR_INVALID_RESPONSE");
  });

  test("200 JSON without access_token is ERR_INVALID_RESPONSE", async () => {
    const err = await expectError(fetchClientCredentialsToken(options("/noaccesstoken")), "ERR_INVALID_RESPONSE");
    assert.match(err.message, /access_token/);
  });

  test("200 JSON with an empty access_token is ERR_INVALID_RESPONSE", async () => {
    const err = await expectError(fetchClientCredentialsToken(options("/emptytoken")), "ERR_INVALID_RESPONSE");
    assert.match(err.message, /access_token/);
  });

  test("a 302 is ERR_INVALID_RESPONSE and is not followed", async () => {
    const okHits = faults.hits("/ok");
    await expectError(fetchClientCredentialsToken(options("/redirect")), "ERR_INVALID_RESPONSE");
    assert.equal(faults.hits("/ok"), okHits, "the redirect target was requested");
  });

  test("400 with an RFC 6749 §5.2 body is ERR_OAUTH with all its fields", async () => {
    const err = await expectError(fetchClientCredentialsToken(options("/oauth-error")), "ERR_OAUTH");
    assert.equal(err.status, 400);
    assert.equal(err.error, OAUTH_ERROR_BODY.error);
    assert.equal(err.errorDescription, OAUTH_ERROR_BODY.error_description);
    assert.equal(err.errorUri, OAUTH_ERROR_BODY.error_uri);
    assert.match(err.message, /invalid_scope/);
  });

  test("expires_in sent as a numeric string is read as a number", async () => {
    const before = Date.now();
    const token = await fetchClientCredentialsToken(options("/expires-string"));
    assert.equal(token.accessToken, OK_TOKEN);
    assert.equal(token.expiresIn, 300);
    assert.ok(Math.abs(token.expiresAt - (before + 300_000)) < 2000, `expiresAt ${token.expiresAt}`);
    assert.equal(token.raw.expires_in, "300", "raw is the server's JSON as sent");
  });

  test("token_type is case-insensitive (RFC 6749 §5.1, 'bearer')", async () => {
    const token = await fetchClientCredentialsToken(options("/tokentype-lower"));
    assert.equal(token.accessToken, OK_TOKEN);
    assert.match(token.tokenType, /^bearer$/i);
    assert.equal(token.raw.token_type, "bearer");
  });

  test("a server echoing the client_secret_post body into a 500 does not leak the secret", async () => {
    const err = await expectError(
      fetchClientCredentialsToken(options("/echo500", { authMethod: "client_secret_post" })),
      "ERR_HTTP",
    );
    assert.equal(err.status, 500);
    assert.match(err.body, /grant_type=client_credentials/, "the excerpt should still show the rest of the body");
  });
});

describe("the request on the wire (RFC 6749 §4.4.2)", () => {
  async function echo(extra) {
    const token = await fetchClientCredentialsToken(options("/echo", extra));
    return token.raw.echo;
  }
  const param = (e, name) => e.params.filter(([k]) => k === name).map(([, v]) => v);

  test("client_secret_basic: POST, form body, Basic header of form-encoded id:secret", async () => {
    const clientId = "svc:a b+c";
    const clientSecret = "s3cr:t+%20 x/=?&~";
    const token = await fetchClientCredentialsToken({ tokenUrl: faults.url("/echo"), clientId, clientSecret, scope: "openid profile" });
    const e = token.raw.echo;
    assert.equal(e.method, "POST");
    assert.match(e.headers["content-type"], /^application\/x-www-form-urlencoded/);
    const [scheme, credentials] = e.headers.authorization.split(" ");
    assert.match(scheme, /^basic$/i);
    const decoded = Buffer.from(credentials, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    assert.ok(colon > 0);
    // RFC 6749 §2.3.1 / Appendix B: both parts are application/x-www-form-urlencoded first.
    assert.doesNotMatch(decoded.slice(0, colon), /:/);
    const formDecode = (s) => decodeURIComponent(s.replace(/\+/g, "%20"));
    assert.equal(formDecode(decoded.slice(0, colon)), clientId);
    assert.equal(formDecode(decoded.slice(colon + 1)), clientSecret);
    assert.deepEqual(param(e, "grant_type"), ["client_credentials"]);
    assert.deepEqual(param(e, "scope"), ["openid profile"]);
    assert.deepEqual(param(e, "client_secret"), []);
  });

  test("client_secret_post: id and secret in the body, no Authorization header", async () => {
    const e = await echo({ authMethod: "client_secret_post", clientSecret: "p+s w&d=1" });
    assert.equal(e.headers.authorization, undefined);
    assert.deepEqual(param(e, "client_id"), [CLIENT_ID]);
    assert.deepEqual(param(e, "client_secret"), ["p+s w&d=1"]);
    assert.deepEqual(param(e, "grant_type"), ["client_credentials"]);
  });

  test("scope array, resource array, audience and extra parameters", async () => {
    const e = await echo({
      scope: ["openid", "archive:read"],
      resource: ["https://a.example/api", "https://b.example/api"],
      audience: "https://archive.example.com",
      extraParams: { tenant: "sivalabs", "x y": "1&2" },
    });
    assert.deepEqual(param(e, "scope"), ["openid archive:read"]);
    assert.deepEqual(param(e, "resource"), ["https://a.example/api", "https://b.example/api"]);
    assert.deepEqual(param(e, "audience"), ["https://archive.example.com"]);
    assert.deepEqual(param(e, "tenant"), ["sivalabs"]);
    assert.deepEqual(param(e, "x y"), ["1&2"]);
    assert.deepEqual(param(e, "grant_type"), ["client_credentials"]);
  });

  test("a single resource string is one parameter", async () => {
    const e = await echo({ resource: "https://a.example/api" });
    assert.deepEqual(param(e, "resource"), ["https://a.example/api"]);
  });
});

describe("network, timeouts and aborts", () => {
  test("a refused connection is ERR_NETWORK", async () => {
    await expectError(
      fetchClientCredentialsToken({ tokenUrl: `http://127.0.0.1:${closedPort}/token`, clientId: CLIENT_ID, clientSecret: SECRET }),
      "ERR_NETWORK",
    );
  });

  test("a refused IPv6 loopback URL is allowed over http and is ERR_NETWORK", async () => {
    await expectError(
      fetchClientCredentialsToken({ tokenUrl: `http://[::1]:${closedPort}/token`, clientId: CLIENT_ID, clientSecret: SECRET }),
      "ERR_NETWORK",
    );
  });

  test("a server that never answers is ERR_TIMEOUT after timeoutMs", async () => {
    const started = Date.now();
    const err = await expectError(fetchClientCredentialsToken(options("/hang", { timeoutMs: 300 })), "ERR_TIMEOUT");
    const elapsed = Date.now() - started;
    // Not before the timeout (a timer never fires early); doesn't hang: 10× the timeout and a request.
    assert.ok(elapsed >= 290 && elapsed < 10 * (300 + 200), `took ${elapsed} ms`);
    assert.equal(err.status, undefined);
  });

  test("a body that never finishes is ERR_TIMEOUT (the timeout covers the body)", async () => {
    const started = Date.now();
    await expectError(fetchClientCredentialsToken(options("/slowbody", { timeoutMs: 300 })), "ERR_TIMEOUT");
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 290 && elapsed < 10 * (300 + 200), `took ${elapsed} ms`);
  });

  test("aborting the caller's signal mid-request is ERR_ABORTED, fast", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 100);
    await expectError(fetchClientCredentialsToken(options("/hang", { signal: controller.signal, timeoutMs: 10_000 })), "ERR_ABORTED");
    const elapsed = Date.now() - started;
    // Long before timeoutMs (10 s): 10× the abort's 100 ms and a request.
    assert.ok(elapsed >= 90 && elapsed < 10 * (100 + 200), `took ${elapsed} ms`);
  });

  test("aborting while the body streams is ERR_ABORTED", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("shutting down")), 150);
    await expectError(fetchClientCredentialsToken(options("/slowbody", { signal: controller.signal, timeoutMs: 10_000 })), "ERR_ABORTED");
  });

  test("an already-aborted signal is ERR_ABORTED and sends nothing", async () => {
    const hits = faults.hits("/ok");
    await expectError(fetchClientCredentialsToken(options("/ok", { signal: AbortSignal.abort() })), "ERR_ABORTED");
    assert.equal(faults.hits("/ok"), hits);
  });

  test("a caller's AbortSignal.timeout() firing is an error, not a hang", async () => {
    // Either code is defensible: the caller's signal fired, because of a timeout.
    await expectErrorOneOf(
      fetchClientCredentialsToken(options("/hang", { signal: AbortSignal.timeout(100), timeoutMs: 10_000 })),
      ["ERR_ABORTED", "ERR_TIMEOUT"],
    );
  });
});

describe("plain http only to loopback (RFC 6749 §3.2 requires TLS)", () => {
  test("http://example.com is ERR_INVALID_OPTIONS", async () => {
    const err = await expectError(
      fetchClientCredentialsToken({ tokenUrl: "http://example.com/token", clientId: CLIENT_ID, clientSecret: SECRET }),
      "ERR_INVALID_OPTIONS",
    );
    assert.match(err.message, /https|insecure|http/i);
  });

  // An IPv4-mapped IPv6 address: not one of the loopback names the library
  // accepts for plain http, yet it reaches the local fault server, so these
  // tests never send traffic off the machine.
  const mapped = () => faults.url("/ok").replace("127.0.0.1", "[::ffff:127.0.0.1]");

  test("http to a host that is not a loopback name is ERR_INVALID_OPTIONS", async () => {
    await expectError(
      fetchClientCredentialsToken({ tokenUrl: mapped(), clientId: CLIENT_ID, clientSecret: SECRET, timeoutMs: 300 }),
      "ERR_INVALID_OPTIONS",
    );
  });

  test("allowInsecureHttp lets it through to the network", async () => {
    const token = await fetchClientCredentialsToken({
      tokenUrl: mapped(),
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      timeoutMs: 2000,
      allowInsecureHttp: true,
    });
    assert.equal(token.accessToken, OK_TOKEN);
  });

  test("http to localhost and 127.0.0.1 needs no flag", async () => {
    const token = await fetchClientCredentialsToken(options("/ok"));
    assert.equal(token.accessToken, OK_TOKEN);
    const viaName = await fetchClientCredentialsToken({ ...options("/ok"), tokenUrl: faults.url("/ok").replace("127.0.0.1", "localhost") });
    assert.equal(viaName.accessToken, OK_TOKEN);
  });
});

describe("invalid options are ERR_INVALID_OPTIONS and send nothing", () => {
  const good = () => options("/echo");
  const cases = [
    ["no options at all", () => undefined],
    ["options is null", () => null],
    ["options is a string", () => "https://auth.example.com/token"],
    ["missing clientId", () => ({ ...good(), clientId: undefined })],
    ["empty clientId", () => ({ ...good(), clientId: "" })],
    ["clientId is a number", () => ({ ...good(), clientId: 42 })],
    ["missing clientSecret", () => ({ ...good(), clientSecret: undefined })],
    ["clientSecret is a number", () => ({ ...good(), clientSecret: 12345 })],
    ["missing tokenUrl", () => ({ ...good(), tokenUrl: undefined })],
    ["tokenUrl is not a URL", () => ({ ...good(), tokenUrl: "not a url" })],
    ["tokenUrl is relative", () => ({ ...good(), tokenUrl: "/realms/sivalabs/protocol/openid-connect/token" })],
    ["tokenUrl is not http(s)", () => ({ ...good(), tokenUrl: "ftp://127.0.0.1/token" })],
    ["tokenUrl is a number", () => ({ ...good(), tokenUrl: 8080 })],
    ["timeoutMs negative", () => ({ ...good(), timeoutMs: -1 })],
    ["timeoutMs NaN", () => ({ ...good(), timeoutMs: Number.NaN })],
    ["timeoutMs a string", () => ({ ...good(), timeoutMs: "1000" })],
    ["unknown authMethod", () => ({ ...good(), authMethod: "private_key_jwt_maybe" })],
    ["authMethod of the wrong type", () => ({ ...good(), authMethod: 1 })],
    ["scope a number", () => ({ ...good(), scope: 42 })],
    ["scope array with a non-string", () => ({ ...good(), scope: ["openid", 7] })],
    ["resource a number", () => ({ ...good(), resource: 42 })],
    ["extraParams not an object", () => ({ ...good(), extraParams: "tenant=x" })],
    ["signal not an AbortSignal", () => ({ ...good(), signal: { aborted: false } })],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      const hits = faults.hits("/echo");
      await expectError(() => fetchClientCredentialsToken(make()), "ERR_INVALID_OPTIONS");
      assert.equal(faults.hits("/echo"), hits, "a request was sent");
    });
  }
});

describe("after every kind of error the module keeps working", () => {
  test("a burst of mixed failures, then a success", async () => {
    const failing = [
      options("/html500"),
      options("/notjson"),
      options("/oauth-error"),
      options("/hang", { timeoutMs: 50 }),
      { ...options("/ok"), clientId: "" },
      { ...options("/ok"), tokenUrl: `http://127.0.0.1:${closedPort}/t` },
    ];
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => failing.map((o) => fetchClientCredentialsToken(o))).flat());
    assert.ok(results.every((r) => r.status === "rejected" && r.reason.name === "ClientCredentialsError"));
    const token = await fetchClientCredentialsToken(options("/ok"));
    assert.equal(token.accessToken, OK_TOKEN);
  });
});

async function expectErrorOneOf(promise, codes) {
  try {
    await promise;
  } catch (err) {
    assert.equal(err.name, "ClientCredentialsError", inspect(err));
    assert.ok(codes.includes(err.code), `expected one of ${codes}, got ${err.code}: ${err.message}`);
    assertNoLeak(err);
    return err;
  }
  assert.fail(`expected one of ${codes}, but the call succeeded`);
}
