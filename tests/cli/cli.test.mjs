// The command line (bin/client-credentials.mjs), spawned as a user runs it,
// against oidc-provider set up like the seed's Keycloak realm, the protected
// API of the demo, and fault servers for the transport errors. Every run's
// stdout and stderr are kept, and the last test scans them all for secrets
// and for tokens where none belongs.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "client-credentials";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { freePort } from "../../scripts/net.mjs";
import { OK_BODY, startFaultServer } from "../support/fault-server.mjs";
import { closeAll, httpServer } from "../support/hand-server.mjs";
import { BIN, ESC, SEED_TOKEN, baseEnv, cliRunner, isJwt, root, stripAnsi } from "./support.mjs";

let as;
let api;
let faults;
let tmp;

before(async () => {
  as = await startAuthServer({ accessTokenTtl: 300 });
  api = await startResourceServer({ issuer: as.issuer, jwksUri: as.jwksUri, port: 0, publicHost: "127.0.0.1" });
  faults = await startFaultServer();
  tmp = mkdtempSync(join(tmpdir(), "cc-cli-"));
});

after(async () => {
  await Promise.all([as?.close(), api?.close(), faults?.close(), closeAll()]);
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The seed client's environment: token URL, client id and secret. */
const seedEnv = (extra = {}) =>
  baseEnv({ CC_TOKEN_URL: as.tokenUrl, CC_CLIENT_ID: as.clients.basic.clientId, CLIENT_SECRET: as.clients.basic.clientSecret, ...extra });

const { cli, underTerminal, runs, tokens: issuedTokens, scan } = cliRunner(() => seedEnv());

describe("help", () => {
  test("client-credentials --help lists the commands, the environment and the exit codes", async () => {
    for (const args of [["--help"], []]) {
      const r = await cli(args);
      assert.equal(r.code, 0);
      for (const word of ["token", "decode", "verify", "call", "CC_TOKEN_URL", "CC_ISSUER", "CC_CLIENT_ID", "CLIENT_SECRET", "Exit codes"]) {
        assert.match(r.stdout, new RegExp(word), `${word} in the usage`);
      }
    }
  });

  test("each command's --help names its flags", async () => {
    const flags = {
      token: ["--token-url", "--issuer", "--client-id", "--client-secret-file", "--auth-method", "--scope", "--audience", "--resource", "--param", "--basic-encoding", "--private-key", "--key-id", "--signing-alg", "--dpop", "--timeout", "--json"],
      decode: ["--json", "TOKEN|-"],
      verify: ["--issuer", "--audience", "--jwks-uri", "--json"],
      call: ["--method", "--data", "--header", "--fail", "--client-id"],
    };
    for (const [command, names] of Object.entries(flags)) {
      const r = await cli([command, "--help"]);
      assert.equal(r.code, 0, command);
      assert.equal(r.stderr, "", command);
      assert.match(r.stdout, new RegExp(`^Usage: client-credentials ${command}`));
      for (const name of names) assert.ok(r.stdout.includes(name), `${command} --help mentions ${name}`);
    }
  });

  test("--version prints the package's version", async () => {
    const r = await cli(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
  });
});

describe("token", () => {
  test("prints the access token alone, from the environment's defaults, with client_secret_basic", async () => {
    const grants = as.stats.grants.length;
    const r = await cli(["token"], { tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "", "stderr is not a terminal: no summary");
    assert.ok(r.stdout.endsWith("\n") && r.stdout.split("\n").length === 2, "one line");
    const token = r.stdout.trim();
    issuedTokens.add(token);
    assert.ok(isJwt(token));
    assert.equal(decodeJwt(token).payload.azp, "archival-service");
    assert.equal(as.stats.grants.length, grants + 1);
    assert.equal(as.stats.grants.at(-1).authMethod, "client_secret_basic");
  });

  test("--json prints the whole result as the API returns it", async () => {
    const before = Date.now();
    const r = await cli(["token", "--json", "--scope", "openid", "--scope", "profile archive:read"], { tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    issuedTokens.add(result.accessToken);
    assert.deepEqual(Object.keys(result).sort(), ["accessToken", "expiresAt", "expiresIn", "raw", "scope", "tokenType"]);
    assert.equal(result.tokenType, "Bearer");
    assert.equal(result.expiresIn, 300);
    assert.ok(result.expiresAt >= before + 299_000 && result.expiresAt <= Date.now() + 301_000);
    assert.equal(result.scope, "openid profile archive:read");
    assert.equal(result.raw.access_token, result.accessToken);
    assert.equal(as.stats.grants.at(-1).scope, "openid profile archive:read");
  });

  test("flags win over the environment; client_secret_post, --audience-free --resource and --param reach the server", async () => {
    const secretFile = join(tmp, "post-secret");
    writeFileSync(secretFile, `${as.clients.post.clientSecret}\n`);
    const r = await cli(
      [
        "token", "--json",
        "--token-url", as.tokenUrl,
        "--client-id", as.clients.post.clientId,
        "--client-secret-file", secretFile,
        "--auth-method", "client_secret_post",
        "--resource", "https://archive.example/api",
        "--param", "note=a=b",
      ],
      { env: seedEnv({ CC_TOKEN_URL: "http://127.0.0.1:9/nowhere", CC_CLIENT_ID: "someone-else" }), tokenAllowed: true },
    );
    assert.equal(r.code, 0, r.stderr);
    const { accessToken } = JSON.parse(r.stdout);
    issuedTokens.add(accessToken);
    const grant = as.stats.grants.at(-1);
    assert.equal(grant.clientId, "archival-service-post");
    assert.equal(grant.authMethod, "client_secret_post");
    assert.equal(grant.resource, "https://archive.example/api");
    assert.equal(decodeJwt(accessToken).payload.aud, "https://archive.example/api");
  });

  test("--issuer finds the token endpoint by discovery (CC_ISSUER too)", async () => {
    const env = baseEnv({ CC_ISSUER: as.issuer, CC_CLIENT_ID: as.clients.basic.clientId, CLIENT_SECRET: as.clients.basic.clientSecret });
    const r = await cli(["token"], { env, tokenAllowed: true });
    assert.equal(r.code, 0, r.stderr);
    issuedTokens.add(r.stdout.trim());
    assert.equal(decodeJwt(r.stdout.trim()).payload.iss, as.issuer);
    const both = await cli(["token"], { env: { ...env, CC_TOKEN_URL: as.tokenUrl } });
    assert.equal(both.code, 2);
    assert.match(both.stderr, /CC_TOKEN_URL and CC_ISSUER are both set/);
    const flag = await cli(["token", "--issuer", as.issuer], { env: { ...env, CC_TOKEN_URL: as.tokenUrl }, tokenAllowed: true });
    assert.equal(flag.code, 0, "a flag settles it");
    issuedTokens.add(flag.stdout.trim());
  });

  test("the secret from stdin with --client-secret -, special characters intact", async () => {
    const { clientId, clientSecret } = as.clients.special;
    const r = await cli(["token", "--client-id", clientId, "--client-secret", "-"], {
      env: seedEnv({ CLIENT_SECRET: undefined }),
      input: `${clientSecret}\n`,
      tokenAllowed: true,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "");
    issuedTokens.add(r.stdout.trim());
    assert.equal(decodeJwt(r.stdout.trim()).payload.azp, clientId);
  });

  test("a plain --client-secret VALUE works and warns about shell history and ps", async () => {
    const r = await cli(["token", "--client-secret", as.clients.basic.clientSecret], { env: seedEnv({ CLIENT_SECRET: undefined }), tokenAllowed: true });
    assert.equal(r.code, 0);
    issuedTokens.add(r.stdout.trim());
    assert.match(r.stderr, /^warning: .*shell history.*ps/);
    assert.ok(!r.stderr.includes(as.clients.basic.clientSecret));
  });

  test("the pipe into curl: curl -H \"Authorization: Bearer $(client-credentials token)\"", async () => {
    const script = `curl -sS --fail-with-body -H "Authorization: Bearer $("${process.execPath}" "${BIN}" token)" "${api.url}"`;
    const accepted = api.stats.accepted;
    const r = await cli(["-c", script], { command: "bash", prefix: [] });
    assert.equal(r.code, 0, r.stderr);
    const body = JSON.parse(r.stdout);
    assert.equal(body.caller.client, "archival-service");
    assert.equal(body.archives.length, 3);
    assert.equal(api.stats.accepted, accepted + 1);
  });
});

describe("decode", () => {
  test("--json prints the header and payload exactly as decodeJwt reads them, from an argument, '-' and stdin", async () => {
    const expected = decodeJwt(SEED_TOKEN);
    for (const [args, input] of [[["decode", "--json", SEED_TOKEN]], [["decode", "--json", "-"], `${SEED_TOKEN}\n`], [["decode", "--json"], SEED_TOKEN]]) {
      const r = await cli(args, { input, tokenAllowed: true });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { header: expected.header, payload: expected.payload });
    }
  });

  test("the readable form: dates, relative times, roles, and the reminder that nothing was verified", async () => {
    const r = await cli(["decode", SEED_TOKEN]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!r.stdout.includes(ESC), "no colours off a terminal");
    assert.match(r.stdout, /"exp": 1695555768, {2}\/\/ 2023-09-24 11:42:48 UTC, expired \d+ y ago/);
    assert.match(r.stdout, /"iat": 1695555468, {2}\/\/ 2023-09-24 11:37:48 UTC, issued \d+ y ago/);
    assert.match(r.stdout, /Roles\n {2}realm {4}default-roles-sivalabs, offline_access, uma_authorization\n {2}account {2}manage-account, manage-account-links, view-profile\n/);
    assert.match(r.stdout, /Not verified/);
  });

  test("a fresh token reads 'expires in 5 min'", async () => {
    const t = await cli(["token"], { tokenAllowed: true });
    issuedTokens.add(t.stdout.trim());
    const r = await cli(["decode"], { input: t.stdout, tokenAllowed: false });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /"exp": \d+, {2}\/\/ \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC, expires in 5 min/);
    assert.match(r.stdout, /issued \d+ s ago/);
  });

  test("not a JWT: exit 1 with ERR_INVALID_JWT; too much or nothing on stdin: exit 2", async () => {
    const bad = await cli(["decode", "not-a-jwt"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^client-credentials: ERR_INVALID_JWT: /);
    assert.equal(bad.stdout, "");
    const huge = await cli(["decode"], { input: `${SEED_TOKEN}\n`.repeat(200) });
    assert.equal(huge.code, 2);
    assert.match(huge.stderr, /ERR_INVALID_OPTIONS: the token on stdin is over 131072 bytes/);
    const empty = await cli(["decode"], { input: "  \n" });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /ERR_INVALID_OPTIONS: no token/);
  });
});

describe("call", () => {
  test("the body on stdout, the status line on stderr", async () => {
    const r = await cli(["call", api.url.replace("localhost", "127.0.0.1")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, "HTTP 200 OK\n");
    const body = JSON.parse(r.stdout);
    assert.equal(body.caller.client, "archival-service");
  });

  test("a refusal is a response: exit 0, or 1 with --fail; --method and --data are sent", async () => {
    const notFound = new URL("/api/nothing", api.url).href;
    const plain = await cli(["call", notFound]);
    assert.equal(plain.code, 0);
    assert.equal(plain.stderr, "HTTP 404 Not Found\n");
    assert.deepEqual(JSON.parse(plain.stdout), { error: "not_found" });
    const failing = await cli(["call", "--fail", notFound]);
    assert.equal(failing.code, 1);
    const post = await cli(["call", api.url, "-d", '{"name":"x"}']);
    assert.equal(post.stderr, "HTTP 405 Method Not Allowed\n", "POST reached the API, which only reads");
    // The echo's body holds the token it was sent.
    const echo = await cli(["call", faults.url("/echo"), "-X", "put", "-d", "a=1", "-H", "X-Test: yes"], { tokenAllowed: true, echoed: true });
    assert.equal(echo.code, 0, echo.stderr);
    const seen = JSON.parse(echo.stdout).echo;
    assert.equal(seen.method, "PUT");
    assert.equal(seen.body, "a=1");
    assert.equal(seen.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(seen.headers["x-test"], "yes");
    assert.match(seen.headers.authorization, /^Bearer ey/);
    issuedTokens.add(seen.headers.authorization.slice(7));
  });
});

describe("errors: code and message on stderr, exit code by class", () => {
  test("a wrong secret: exit 1, ERR_OAUTH invalid_client", async () => {
    const r = await cli(["token"], { env: seedEnv({ CLIENT_SECRET: "wrong-secret-canary" }) });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /^client-credentials: ERR_OAUTH: .*invalid_client.*HTTP 401/);
  });

  test("an unknown scope: exit 1, ERR_OAUTH invalid_scope", async () => {
    const r = await cli(["token", "--scope", "archive:delete"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /ERR_OAUTH: .*invalid_scope/);
  });

  test("usage: exit 2, naming the flag or what is missing", async () => {
    const cases = [
      [["token", "--frobnicate"], seedEnv(), /ERR_INVALID_OPTIONS: unknown flag --frobnicate/],
      [["token", "--json=yes"], seedEnv(), /--json takes no value/],
      [["token", "--client-id"], seedEnv(), /--client-id needs a value/],
      [["token"], seedEnv({ CC_CLIENT_ID: undefined }), /no client id: pass --client-id/],
      [["token"], seedEnv({ CLIENT_SECRET: undefined }), /no client secret: set CLIENT_SECRET/],
      [["token"], seedEnv({ CC_TOKEN_URL: undefined }), /no token endpoint/],
      [["token", "--timeout", "soon"], seedEnv(), /--timeout takes seconds/],
      [["token", "--param", "novalue"], seedEnv(), /--param takes KEY=VALUE/],
      [["token", "--client-secret-file", "/nonexistent/secret"], seedEnv(), /cannot read --client-secret-file \/nonexistent\/secret: ENOENT/],
      [["token", "--token-url", "http://auth.example/token"], seedEnv(), /ERR_INVALID_OPTIONS: .*http/],
      [["token", "--auth-method", "client_secret_magic"], seedEnv(), /ERR_INVALID_OPTIONS: authMethod/],
      [["frobnicate"], seedEnv(), /unknown command "frobnicate"/],
      [["decode", SEED_TOKEN, "extra"], seedEnv(), /too many arguments/],
      [["call"], seedEnv(), /call needs a URL/],
    ];
    for (const [args, env, message] of cases) {
      const r = await cli(args, { env });
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      assert.equal(r.stdout, "", args.join(" "));
    }
  });

  test("transport: exit 3 for an unreachable port, a timeout, an HTML error page, a non-JSON answer", async () => {
    const port = await freePort();
    const cases = [
      [[`http://127.0.0.1:${port}/token`], /ERR_NETWORK: .*ECONNREFUSED/],
      [[faults.url("/hang"), "--timeout", "300ms"], /ERR_TIMEOUT: /],
      [[faults.url("/html500")], /ERR_HTTP: .*500/],
      [[faults.url("/notjson")], /ERR_INVALID_RESPONSE: /],
    ];
    for (const [[url, ...rest], message] of cases) {
      const r = await cli(["token", "--token-url", url, ...rest]);
      assert.equal(r.code, 3, `${url}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
    const apiDown = await cli(["call", `http://127.0.0.1:${port}/api`]);
    assert.equal(apiDown.code, 3, apiDown.stderr);
    assert.match(apiDown.stderr, /ERR_NETWORK: .*ECONNREFUSED/);
  });

  test("a server that echoes the request into its error: the secret does not reach stderr", async () => {
    const r = await cli(["token", "--token-url", faults.url("/echo500")]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_HTTP/);
    assert.ok(!r.stderr.includes(as.clients.basic.clientSecret));
  });
});

describe("transport: the command line's small fetch (bin/cli/light-fetch.mjs) against Node's fetch", () => {
  /** Runs `token --token-url url` with both fetches; both must end the same way. */
  async function both(url, extra = []) {
    const light = await cli(["token", "--token-url", url, ...extra], { tokenAllowed: true });
    const node = await cli(["token", "--token-url", url, ...extra], { env: seedEnv({ CC_NODE_FETCH: "1" }), tokenAllowed: true });
    const code = (r) => /ERR_[A-Z_]+/.exec(r.stderr)?.[0];
    assert.equal(light.code, node.code, `${url}: light ${light.stderr} / node ${node.stderr}`);
    assert.equal(code(light), code(node), url);
    return light;
  }

  test("the request as the library built it: form body, Basic credentials, JSON accepted, no compression", async () => {
    const r = await both(faults.url("/echo"), ["--scope", "openid"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), OK_BODY.access_token);
    const json = await cli(["token", "--json", "--token-url", faults.url("/echo"), "--scope", "openid"], { tokenAllowed: true, echoed: true });
    const seen = JSON.parse(json.stdout).raw.echo;
    assert.equal(seen.method, "POST");
    assert.equal(seen.headers["content-type"], "application/x-www-form-urlencoded");
    assert.equal(seen.headers.accept, "application/json");
    assert.equal(seen.headers["accept-encoding"], "identity");
    assert.match(seen.headers.authorization, /^Basic /);
    assert.deepEqual(seen.params, [["grant_type", "client_credentials"], ["scope", "openid"]]);
  });

  test("a redirect is not followed (the credentials stay put): exit 3, ERR_INVALID_RESPONSE", async () => {
    const before = faults.hits("/ok");
    const r = await both(faults.url("/redirect"));
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_INVALID_RESPONSE: .*redirect/i);
    assert.equal(faults.hits("/ok"), before, "the target was never asked");
  });

  test("a body that stops: the timeout covers it (exit 3, ERR_TIMEOUT)", async () => {
    const r = await both(faults.url("/slowbody"), ["--timeout", "400ms"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ERR_TIMEOUT/);
  });

  test("chunked bodies: a token read through the stream reader; over 256 KiB refused; a reset mid-body", async () => {
    const server = await httpServer((req, res) => {
      res.writeHead(200, { "content-type": "application/json" }); // no content-length: chunked
      if (req.url === "/chunked") {
        const text = JSON.stringify(OK_BODY);
        res.write(text.slice(0, 40));
        setTimeout(() => res.end(text.slice(40)), 20);
      } else if (req.url === "/huge") {
        const chunk = " ".repeat(64 * 1024);
        let sent = 0;
        const pump = () => {
          while (sent < 40 && res.write(chunk)) sent++;
          if (sent < 40 && !res.destroyed) res.once("drain", pump);
          else res.end();
        };
        res.on("error", () => {});
        pump();
      } else {
        res.write('{"access_token":"');
        setTimeout(() => res.destroy(), 20);
      }
    });
    const ok = await both(server.url("/chunked"));
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout.trim(), OK_BODY.access_token);
    const huge = await both(server.url("/huge"));
    assert.equal(huge.code, 3);
    assert.match(huge.stderr, /ERR_INVALID_RESPONSE: .*(large|256)/i);
    const reset = await both(server.url("/reset"));
    assert.equal(reset.code, 3);
    assert.match(reset.stderr, /ERR_NETWORK/);
  });

  test("https: the certificate is verified against Node's CA store and NODE_EXTRA_CA_CERTS", async () => {
    const dir = mkdtempSync(join(tmp, "tls-"));
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
    const https = await import("node:https");
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => {
      req.resume();
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(OK_BODY));
      });
    });
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const url = `https://127.0.0.1:${server.address().port}/token`;
      const untrusted = await cli(["token", "--token-url", url]);
      assert.equal(untrusted.code, 3);
      assert.match(untrusted.stderr, /ERR_NETWORK: .*(self[- ]signed|certificate)/i);
      const trusted = await cli(["token", "--token-url", url], { env: seedEnv({ NODE_EXTRA_CA_CERTS: cert }), tokenAllowed: true });
      assert.equal(trusted.code, 0, trusted.stderr);
      assert.equal(trusted.stdout.trim(), OK_BODY.access_token);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("terminal", () => {
  test("token under a pseudo-terminal: a coloured summary with type, expiry, scope and roles", async () => {
    const r = await underTerminal(["token", "--scope", "openid profile"], seedEnv());
    assert.equal(r.code, 0, r.stdout);
    assert.ok(r.stdout.includes(`${ESC}32m✔${ESC}39m`), "a green check");
    const text = stripAnsi(r.stdout).replace(/\r/g, "");
    const [token, ...summary] = text.split("\n");
    issuedTokens.add(token);
    assert.ok(isJwt(token), "the token comes first, on its own line");
    const lines = summary.join("\n");
    assert.match(lines, /Bearer token/);
    assert.match(lines, /expires\s+\d\d:\d\d:\d\d UTC \(in 5 min\)/);
    assert.match(lines, /scope\s+openid profile/);
    assert.match(lines, /realm roles\s+default-roles-sivalabs, offline_access, uma_authorization/);
    assert.match(lines, /account roles\s+manage-account, manage-account-links, view-profile/);
  });

  test("decode under a pseudo-terminal is coloured", async () => {
    const r = await underTerminal(["decode", SEED_TOKEN], seedEnv());
    assert.equal(r.code, 0);
    assert.ok(r.stdout.includes(`${ESC}34m"azp"${ESC}39m: ${ESC}32m"archival-service"${ESC}39m`));
  });

  test("NO_COLOR: the same runs without a single escape code", async () => {
    for (const args of [["token"], ["decode", SEED_TOKEN], ["token", "--frobnicate"]]) {
      const r = await underTerminal(args, seedEnv({ NO_COLOR: "1" }));
      assert.ok(!r.stdout.includes("\x1b"), `${args[0]}: ${JSON.stringify(r.stdout.slice(0, 80))}`);
      if (args[0] === "token" && r.code === 0) issuedTokens.add(r.stdout.split(/\r?\n/)[0]);
    }
    const summary = runs.at(-3).stdout;
    assert.match(summary, /expires/, "the summary is still there");
  });
});

describe("npx from the packed tarball", () => {
  test("npm pack, npm install in a fresh folder, npx client-credentials token and decode", async () => {
    const dir = mkdtempSync(join(tmp, "npx-"));
    execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
    const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    assert.ok(tarball, "npm pack made a tarball");
    const listing = execFileSync("tar", ["-tzf", join(dir, tarball)], { encoding: "utf8" });
    assert.match(listing, /package\/bin\/client-credentials\.mjs/);
    assert.match(listing, /package\/bin\/cli\/token\.mjs/);
    const project = join(dir, "project");
    mkdirSync(project);
    writeFileSync(join(project, "package.json"), '{ "name": "cli-user", "private": true }\n');
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", join(dir, tarball)], { cwd: project, stdio: "ignore" });
    const npx = (args, opts = {}) => cli(["--no-install", "client-credentials", ...args], { command: "npx", prefix: [], cwd: project, ...opts });
    const token = await npx(["token"], { tokenAllowed: true });
    assert.equal(token.code, 0, token.stderr);
    issuedTokens.add(token.stdout.trim());
    assert.ok(isJwt(token.stdout.trim()));
    const decoded = await npx(["decode", "--json"], { input: token.stdout });
    assert.equal(decoded.code, 0, decoded.stderr);
    assert.equal(JSON.parse(decoded.stdout).payload.azp, "archival-service");
    const wrong = await npx(["token", "--frobnicate"]);
    assert.equal(wrong.code, 2);
  });
});

describe("secret hygiene", () => {
  test("no secret in any output of any run; tokens only on the stdout of runs that print one", () => {
    const secrets = [...Object.values(as.clients).map((c) => c.clientSecret), "wrong-secret-canary"];
    scan(secrets, Object.values(as.clients).map((c) => c.clientId), { minRuns: 60, minTokens: 10 });
  });
});
