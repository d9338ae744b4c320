// Secret hygiene: on every error path, no way of showing the error reveals the
// client secret (raw, form-encoded, or inside the Basic credentials) or an access
// token that a server sent. "Every way" means: message, stack, String(err),
// JSON.stringify, util.inspect with depth Infinity and showHidden, every own property
// (enumerable or not) and every enumerable inherited one (for..in), and `cause`,
// recursively.
//
// The servers here are careless on purpose: one echoes the whole request (headers and
// body) into its error answers, in bodies, headers and redirect targets; one hands out
// a token with a 4xx, 5xx or 3xx status.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { inspect } from "node:util";
import { JwksClient, TokenClient, authorizeRequest, decodeJwt, fetchClientCredentialsToken, verifyJwt } from "client-credentials";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { closeAll, httpServer, rawServer } from "../support/hand-server.mjs";
import { rejection } from "../support/rejection.mjs";

const CLIENT_ID = "hygiene-client";
/** URL-safe, as most real secrets are (Keycloak's are alphanumeric). */
const PLAIN_SECRET = "S3CRET-canary-4f1d9c7e2b8a";
/** With the characters form-encoding changes, so the raw, form and Basic forms all differ. */
const SPECIAL_SECRET = "S3CRET-canary-:+/ %&=?~";
const b64url = (v) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
/** A JWT-shaped access token whose every part is recognisable. */
const TOKEN = `${b64url({ alg: "RS256", kid: "canary" })}.${b64url({ sub: "ACCESS-TOKEN-canary-payload", azp: CLIENT_ID })}.${b64url("ACCESS-TOKEN-canary-signature-7d2e")}`;

const form = (s) => new URLSearchParams({ s }).toString().slice(2);
/** Everything that must never appear, with a name for the failure message. */
function needles(secret) {
  return {
    secret,
    "form-encoded secret": form(secret),
    "Basic credentials": Buffer.from(`${form(CLIENT_ID)}:${form(secret)}`).toString("base64"),
    "naive Basic credentials": Buffer.from(`${CLIENT_ID}:${secret}`).toString("base64"),
    "access token": TOKEN,
    "access token signature": TOKEN.split(".")[2],
  };
}

/** Every text a program could make of `err`, each with where it came from. */
function views(err, path = "err", seen = new Set()) {
  if (err === null || (typeof err !== "object" && typeof err !== "function")) {
    return [[path, String(err)]];
  }
  if (seen.has(err)) return [];
  seen.add(err);
  const out = [];
  const add = (where, f) => {
    try {
      out.push([where, String(f())]);
    } catch (e) {
      out.push([`${where} (threw)`, String(e)]);
    }
  };
  add(`${path}.message`, () => err.message);
  add(`${path}.stack`, () => err.stack);
  add(`String(${path})`, () => String(err));
  add(`JSON.stringify(${path})`, () => JSON.stringify(err));
  add(`inspect(${path})`, () => inspect(err, { depth: Infinity, showHidden: true, getters: true }));
  add(`inspect(${path}) default`, () => inspect(err));
  const keys = new Set([...Object.getOwnPropertyNames(err), ...Object.getOwnPropertySymbols(err)]);
  for (const key in err) keys.add(key); // inherited enumerable ones too
  for (const key of keys) {
    let value;
    try {
      value = err[key];
    } catch {
      continue;
    }
    const where = `${path}[${String(key)}]`;
    if (value !== null && typeof value === "object") out.push(...views(value, where, seen));
    else add(where, () => value);
  }
  return out;
}

function assertClean(err, secret, label) {
  assert.ok(err instanceof Error, `${label}: not an Error: ${inspect(err)}`);
  assert.equal(err.name, "ClientCredentialsError", `${label}: ${inspect(err)}`);
  for (const [where, text] of views(err)) {
    for (const [what, needle] of Object.entries(needles(secret))) {
      assert.ok(!text.includes(needle), `${label}: the ${what} shows in ${where}:\n${text}`);
    }
  }
}

let echo;
/** The body of the last request the echo server saw. */
let lastEchoed = "";
let tokenInError;
let resetter;
let as;

/** Everything the request carried, as one string, the credentials first (excerpts are short). */
const requestText = (req, body) => `${body} ${req.headers.authorization ?? ""} ${req.method} ${req.url} ${JSON.stringify(req.headers)}`;

before(async () => {
  // Echoes the request into an error, wherever the path says.
  echo = await httpServer((req, res, body) => {
    lastEchoed = body;
    const seen = requestText(req, body);
    const auth = req.headers.authorization ?? "";
    const where = new URL(req.url, "http://x").pathname.slice(1);
    const jsonAnswer = (status, value, headers = {}) => {
      const text = JSON.stringify(value);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    switch (where) {
      case "oauth-description":
        return jsonAnswer(401, { error: "invalid_client", error_description: seen, error_uri: `https://e.example/?${body}` });
      case "oauth-error-code":
        return jsonAnswer(400, { error: `${auth} ${body}` });
      case "oauth-in-200":
        return jsonAnswer(200, { error: "invalid_request", error_description: seen });
      case "text-500":
        res.writeHead(500, { "content-type": "text/plain" });
        return res.end(`bad request: ${seen}`);
      case "html-502":
        res.writeHead(502, { "content-type": "text/html" });
        return res.end(`<html><body><pre>${seen}</pre></body></html>`);
      case "headers-401":
        return jsonAnswer(401, { error: "invalid_client" }, { "www-authenticate": `Basic realm="x", echo="${auth}"`, "retry-after": form(body).slice(0, 500) });
      case "headers-429":
        res.writeHead(429, { "retry-after": `${body}`.replace(/[^\x20-\x7e]/g, "?"), "www-authenticate": auth || "none" });
        return res.end();
      case "redirect":
        res.writeHead(302, { location: `https://elsewhere.example/cb?${body}&auth=${encodeURIComponent(auth)}` });
        return res.end();
      case "token-type":
        return jsonAnswer(200, { access_token: TOKEN, token_type: `${auth} ${body}` });
      case "duplicate-name": {
        const name = JSON.stringify(`${auth} ${body}`);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(`{"access_token":${JSON.stringify(TOKEN)},"token_type":"Bearer",${name}:1,${name}:2}`);
      }
      case "not-json":
        res.writeHead(200, { "content-type": "text/plain" });
        return res.end(`access_token=${TOKEN}&echo=${seen}`);
      case "too-large":
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(`{"access_token":"${TOKEN}","echo":${JSON.stringify(seen.repeat(2000))}}`);
      case "hang":
        return undefined;
      default:
        return jsonAnswer(404, { error: "no such path" });
    }
  });
  // Hands out a token, with a status that makes it a refusal.
  tokenInError = await httpServer((req, res) => {
    const status = Number(new URL(req.url, "http://x").pathname.split("/")[1]);
    const body = JSON.stringify(
      req.url.includes("error") ? { error: "server_error", access_token: TOKEN } : { access_token: TOKEN, token_type: "Bearer", expires_in: 300 },
    );
    res.writeHead(status, { "content-type": "application/json", location: "/ok", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
  // Reads the whole request, then drops the connection.
  resetter = await rawServer((socket) => socket.resetAndDestroy());
  as = await startAuthServer();
});

after(async () => {
  await Promise.all([closeAll(), as.close()]);
});

const options = (tokenUrl, secret, extra = {}) => ({ tokenUrl, clientId: CLIENT_ID, clientSecret: secret, ...extra });

describe("a server echoing the request", () => {
  const cases = [
    ["oauth-description", "ERR_OAUTH"],
    ["oauth-error-code", "ERR_OAUTH"],
    ["oauth-in-200", "ERR_OAUTH"],
    ["text-500", "ERR_HTTP"],
    ["html-502", "ERR_HTTP"],
    ["headers-401", "ERR_OAUTH"],
    ["headers-429", "ERR_HTTP"],
    ["redirect", "ERR_INVALID_RESPONSE"],
    ["token-type", "ERR_INVALID_RESPONSE"],
    ["duplicate-name", "ERR_INVALID_RESPONSE"],
    ["not-json", "ERR_INVALID_RESPONSE"],
    ["too-large", "ERR_INVALID_RESPONSE"],
  ];
  for (const secret of [PLAIN_SECRET, SPECIAL_SECRET]) {
    for (const authMethod of ["client_secret_basic", "client_secret_post"]) {
      for (const [path, code] of cases) {
        test(`${path} (${authMethod}, ${secret === PLAIN_SECRET ? "plain" : "special"} secret): ${code}, nothing leaks`, { timeout: 10_000 }, async () => {
          const err = await rejection(fetchClientCredentialsToken(options(echo.url(`/${path}`), secret, { authMethod })));
          assert.equal(err.code, code, err.message);
          assertClean(err, secret, path);
        });
      }
    }
  }

  test("the echo really carries the secret, so the cases above mean something", async () => {
    const err = await rejection(fetchClientCredentialsToken(options(echo.url("/oauth-description"), PLAIN_SECRET, { authMethod: "client_secret_post" })));
    assert.match(err.errorDescription, /client_secret=\[redacted\]/);
    const basic = await rejection(fetchClientCredentialsToken(options(echo.url("/oauth-description"), PLAIN_SECRET)));
    assert.match(basic.errorDescription, /Basic \[redacted\]/);
  });
});

describe("a server echoing a signed client assertion (RFC 7523) and a DPoP proof", () => {
  const echoing = ["oauth-description", "oauth-error-code", "oauth-in-200", "text-500", "html-502", "headers-401", "redirect", "token-type", "duplicate-name"];
  let jwk;
  before(async () => {
    const pair = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
    jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  });
  const methods = {
    private_key_jwt: () => ({ authMethod: "private_key_jwt", privateKey: jwk, clientSecret: undefined, dpop: true }),
    client_secret_jwt: () => ({ authMethod: "client_secret_jwt", clientSecret: SPECIAL_SECRET, dpop: true }),
  };
  for (const [method, extra] of Object.entries(methods)) {
    for (const path of echoing) {
      test(`${path} (${method}): neither the assertion, the key nor the secret shows`, { timeout: 10_000 }, async () => {
        const client = new TokenClient(options(echo.url(`/${path}`), SPECIAL_SECRET, extra()));
        const err = await rejection(client.getToken());
        client.free();
        const assertion = new URLSearchParams(lastEchoed).get("client_assertion");
        assert.equal(assertion.split(".").length, 3, "the echo carried the assertion");
        assertClean(err, SPECIAL_SECRET, path);
        for (const [where, text] of views(err)) {
          for (const [what, needle] of [
            ["assertion", assertion],
            ["assertion signature", assertion.split(".")[2]],
            ["assertion claims", assertion.split(".")[1]],
            ["private key", jwk.d],
          ]) {
            assert.ok(!text.includes(needle), `${path}: the ${what} shows in ${where}:\n${text}`);
          }
        }
      });
    }
  }

  test("a key that doesn't fit: the message says what was expected, never the key", async () => {
    const err = await rejection(fetchClientCredentialsToken({ ...options(echo.url("/none"), PLAIN_SECRET), authMethod: "private_key_jwt", privateKey: jwk, signingAlg: "PS256" }));
    assert.equal(err.code, "ERR_INVALID_OPTIONS");
    assert.match(err.message, /EC P-256 key, which signs ES256, not PS256/);
    for (const [where, text] of views(err)) assert.ok(!text.includes(jwk.d), `the private key shows in ${where}`);
  });
});

describe("a server handing out the token with a refusal", () => {
  for (const [path, code] of [
    ["/500", "ERR_HTTP"],
    ["/400", "ERR_HTTP"],
    ["/401", "ERR_HTTP"],
    ["/503/error", "ERR_OAUTH"],
    ["/302", "ERR_INVALID_RESPONSE"],
    ["/307", "ERR_INVALID_RESPONSE"],
  ]) {
    test(`HTTP ${path.slice(1)} with an access_token in the body: ${code} without it`, async () => {
      const err = await rejection(fetchClientCredentialsToken(options(tokenInError.url(path), PLAIN_SECRET)));
      assert.equal(err.code, code, err.message);
      assertClean(err, PLAIN_SECRET, path);
    });
  }
});

describe("every other error code", () => {
  test("ERR_NETWORK, cause included", async () => {
    const err = await rejection(fetchClientCredentialsToken(options(resetter.url(), PLAIN_SECRET)));
    assert.equal(err.code, "ERR_NETWORK");
    assert.ok(err.cause, "the runtime's error is kept as cause");
    assertClean(err, PLAIN_SECRET, "reset");
    const post = await rejection(fetchClientCredentialsToken(options(resetter.url(), SPECIAL_SECRET, { authMethod: "client_secret_post" })));
    assertClean(post, SPECIAL_SECRET, "reset, post");
  });

  test("ERR_TIMEOUT", async () => {
    const err = await rejection(fetchClientCredentialsToken(options(echo.url("/hang"), PLAIN_SECRET, { timeoutMs: 100 })));
    assert.equal(err.code, "ERR_TIMEOUT");
    assertClean(err, PLAIN_SECRET, "timeout");
  });

  test("ERR_ABORTED, even when the abort reason names the secret", async () => {
    const controller = new AbortController();
    const pending = fetchClientCredentialsToken(options(echo.url("/hang"), PLAIN_SECRET, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error(`shutting down ${PLAIN_SECRET}`)), 50);
    const err = await rejection(pending);
    assert.equal(err.code, "ERR_ABORTED");
    assertClean(err, PLAIN_SECRET, "abort");
  });

  const badOptions = [
    ["plain http to another host", { tokenUrl: "http://auth.example/token" }],
    ["a fragment", { tokenUrl: "https://auth.example/token#x" }],
    ["user:pass in the URL", { tokenUrl: `https://user:pw@auth.example/token` }],
    ["extraParams overriding client_secret", { extraParams: { client_secret: PLAIN_SECRET } }],
    ["a bad scope", { scope: "openid\u0000" }],
    ["a bad timeout", { timeoutMs: -1 }],
    ["an unknown authMethod", { authMethod: "tls_client_auth" }],
    ["a bad resource", { resource: "not a uri" }],
    ["a bad signal", { signal: { aborted: false } }],
  ];
  for (const [name, extra] of badOptions) {
    test(`ERR_INVALID_OPTIONS: ${name}`, async () => {
      const err = await rejection(fetchClientCredentialsToken({ ...options(echo.url("/none"), PLAIN_SECRET), ...extra }));
      assert.equal(err.code, "ERR_INVALID_OPTIONS", err.message);
      assertClean(err, PLAIN_SECRET, name);
    });
  }

  test("ERR_INVALID_JWT never quotes the token", () => {
    const [h, p, s] = TOKEN.split(".");
    const broken = [
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}.${s}`,
      `${h}.${p}!.${s}`,
      `${h}.${b64url(`{"sub":"ACCESS-TOKEN-canary-payload"`)}.${s}`,
      `${h}.${b64url(`["ACCESS-TOKEN-canary-payload"]`)}.${s}`,
      `${h}.${p}.${s}=`,
      `${TOKEN} `,
      `${TOKEN}${"A".repeat(70_000)}`,
    ];
    for (const token of broken) {
      let err;
      try {
        decodeJwt(token);
      } catch (caught) {
        err = caught;
      }
      assert.equal(err?.code, "ERR_INVALID_JWT", token.slice(0, 60));
      assertClean(err, PLAIN_SECRET, `decodeJwt(${token.slice(0, 40)}…)`);
      for (const [where, text] of views(err)) {
        assert.ok(!text.includes("ACCESS-TOKEN-canary"), `a claim of the token shows in ${where}: ${text}`);
      }
    }
  });

  test("ERR_OAUTH from the real authorization server, wrong secret", async () => {
    const err = await rejection(fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: as.clients.basic.clientId, clientSecret: PLAIN_SECRET }));
    assert.equal(err.code, "ERR_OAUTH");
    assert.equal(err.error, "invalid_client");
    assertClean(err, PLAIN_SECRET, "oidc-provider");
  });
});

describe("TokenClient", () => {
  test("its errors, and the client itself, show neither the secret nor the token", async () => {
    const client = new TokenClient(options(echo.url("/oauth-description"), PLAIN_SECRET));
    const err = await rejection(client.getToken());
    assert.equal(err.code, "ERR_OAUTH");
    assertClean(err, PLAIN_SECRET, "TokenClient.getToken");
    for (const text of [inspect(client, { depth: Infinity, showHidden: true }), JSON.stringify(client) ?? "", String(client)]) {
      for (const needle of Object.values(needles(PLAIN_SECRET))) assert.ok(!text.includes(needle), text);
    }
    client.free();

    const { clientId, clientSecret } = as.clients.basic;
    const working = new TokenClient({ tokenUrl: as.tokenUrl, clientId, clientSecret });
    const token = await working.getToken();
    for (const text of [inspect(working, { depth: Infinity, showHidden: true }), JSON.stringify(working) ?? "", String(working)]) {
      assert.ok(!text.includes(token.accessToken), `the cached token shows: ${text}`);
      assert.ok(!text.includes(clientSecret), `the secret shows: ${text}`);
    }
    working.free();
  });
});

describe("verifyJwt and authorizeRequest", () => {
  test("no verification error, and no refusal response, shows the token", async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "canary" };
    const other = (await generateKeyPair("RS256")).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims, key = privateKey, kid = "canary") =>
      new SignJWT({ iss: "https://iss.example", aud: "api", exp: now + 60, sub: "ACCESS-TOKEN-canary-payload", ...claims }).setProtectedHeader({ alg: "RS256", kid }).sign(key);
    const cases = {
      expired: await sign({ exp: now - 3600 }),
      "not yet valid": await sign({ nbf: now + 3600 }),
      "wrong issuer": await sign({ iss: "https://evil.example" }),
      "wrong audience": await sign({ aud: "other" }),
      "bad signature": await sign({}, other),
      "unknown kid": await sign({}, privateKey, "nobody"),
      "not a JWT": `${TOKEN}.x`,
    };
    const options = { jwks: { keys: [jwk] }, issuer: "https://iss.example", audience: "api" };
    for (const [name, token] of Object.entries(cases)) {
      const err = await rejection(verifyJwt(token, options));
      assertClean(err, PLAIN_SECRET, `verifyJwt: ${name}`);
      for (const [where, text] of views(err)) {
        assert.ok(!text.includes(token) && !text.includes(token.split(".")[2]), `verifyJwt ${name}: the token shows in ${where}`);
        assert.ok(!text.includes("ACCESS-TOKEN-canary"), `verifyJwt ${name}: a claim shows in ${where}`);
      }
      const result = await authorizeRequest(new Request("https://api.example/", { headers: { authorization: `Bearer ${token}` } }), options);
      assert.equal(result.ok, false);
      const shown = `${await result.response.text()} ${JSON.stringify([...result.response.headers])}`;
      assert.ok(!shown.includes(token.split(".")[1]) && !shown.includes("ACCESS-TOKEN-canary"), `authorizeRequest ${name}: ${shown}`);
    }
    // A JwksClient that cannot reach its keys: the transport error names no token either.
    const jwks = new JwksClient({ jwksUri: "http://127.0.0.1:9/certs", timeoutMs: 500 });
    const err = await rejection(verifyJwt(cases.expired, { ...options, jwks }));
    assertClean(err, PLAIN_SECRET, "JwksClient transport");
    for (const [where, text] of views(err)) assert.ok(!text.includes(cases.expired.split(".")[1]), where);
  });
});
