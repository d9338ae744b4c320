// Cloudflare Workers, in workerd from npm: the example worker (examples/cloudflare-worker)
// bundled as wrangler bundles it (esbuild, conditions workerd > worker > browser, the
// .wasm import kept as a module of its own), so `import ... from "client-credentials"`
// picks dist/workerd.mjs, which imports the wasm as a compiled module.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, ROOT, installedPackage, run, runtimeBinary, serveWorkerd, bundleWorker } from "./support/harness.mjs";
import { startServers } from "./support/scenario.mjs";

const workerd = runtimeBinary("workerd");
const version = (await run(workerd, ["--version"])).stdout.trim();

describe(version, () => {
  let servers, server, ports, bundle;
  const get = async (socket, path, headers = {}) => {
    // A hang here would be a request waiting on another request's promise: bounded, so it fails.
    const res = await fetch(`http://127.0.0.1:${ports[socket]}${path}`, { headers, signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: await res.json(), challenge: res.headers.get("www-authenticate") };
  };

  before(async () => {
    servers = await startServers();
    const project = installedPackage();
    const dir = join(project.dir, "worker");
    bundle = await bundleWorker(project, join(ROOT, "examples", "cloudflare-worker", "src", "index.js"), dir);
    copyFileSync(join(FIXTURES, "workerd", "driver.mjs"), join(dir, "driver.mjs"));
    const capnp = (s) => s.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
    const vars = { TOKEN_URL: servers.as.tokenUrl, CLIENT_ID: servers.clientId, CLIENT_SECRET: servers.clientSecret, API_URL: servers.api.url, ISSUER: servers.as.issuer, JWKS_URI: servers.as.jwksUri, AUDIENCE: `${servers.as.issuer}/account` };
    const config = readFileSync(join(FIXTURES, "workerd", "config.capnp"), "utf8").replace(/@(\w+)@/g, (_, k) => capnp(vars[k]));
    writeFileSync(join(dir, "config.capnp"), config);
    server = serveWorkerd(workerd, dir, ["example", "driver"]);
    ports = await server.ready;
  });

  after(async () => {
    if (process.env.SHOW_WORKERD_OUTPUT) console.log(server?.output());
    server?.child.kill();
    await servers?.close();
  });

  test("the bundle took dist/workerd.mjs through the `workerd` condition", () => {
    const inputs = Object.keys(bundle.metafile.inputs);
    assert.ok(inputs.some((p) => p.endsWith("node_modules/client-credentials/dist/workerd.mjs")), inputs.join("\n"));
  });

  test("two concurrent requests on a cold isolate share one module-scope TokenClient and both finish", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const [a, b] = await Promise.all([get("example", "/"), get("example", "/?second")]);
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.equal(a.body.payload.jti, b.body.payload.jti, "same token");
    assert.equal(servers.as.stats.tokenRequests, 1, "one token request for both");
    assert.doesNotMatch(server.output(), /different request context|hung|never resolve/i);
  });

  test("fetch handler shows the decoded token", async () => {
    const { status, body } = await get("example", "/");
    assert.equal(status, 200);
    assert.equal(body.header.alg, "RS256");
    assert.equal(body.payload.azp, servers.clientId);
    assert.equal(body.payload.iss, servers.as.issuer);
    assert.equal(body.payload.scope, "openid profile");
    assert.ok(Date.parse(body.expiresAt) > Date.now());
  });

  test("scheduled handler calls the secured API with the cached token", { timeout: 30_000 }, async () => {
    servers.as.resetStats();
    const { body } = await get("driver", "/__scheduled?cron=*/5+*+*+*+*");
    assert.equal(body.outcome, "ok", `${JSON.stringify(body)}\n${server.output()}`);
    assert.equal(servers.api.requests.length, 1);
    assert.equal(servers.api.requests[0].status, 200);
    assert.equal(servers.as.stats.tokenRequests, 0, "the token from the fetch handler was reused");
    assert.match(server.output(), /cron "\*\/5 \* \* \* \*": 2 archives/);
  });

  test("GET /archives: authorizeRequest with a JwksClient verifies tokens in workerd", { timeout: 30_000 }, async () => {
    const { clientId, clientSecret } = servers;
    const token = async (extra = {}) => {
      const res = await fetch(servers.as.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}` },
        body: new URLSearchParams({ grant_type: "client_credentials", ...extra }),
      });
      return (await res.json()).access_token;
    };
    const good = await token();
    const ok = await get("example", "/archives", { authorization: `Bearer ${good}` });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.caller, clientId);
    const missing = await get("example", "/archives");
    assert.equal(missing.status, 401);
    assert.equal(missing.challenge, "Bearer");
    const [h, p, s] = good.split(".");
    const forged = await get("example", "/archives", { authorization: `Bearer ${h}.${p}.${s[0] === "A" ? "B" : "A"}${s.slice(1)}` });
    assert.equal(forged.status, 401);
    assert.match(forged.challenge, /error="invalid_token"/);
    assert.ok(!JSON.stringify(forged.body).includes(p));
    // Another scheme is a request without our credentials (RFC 6750 §3.1); a malformed Bearer header is a bad request (§3).
    const basic = await get("example", "/archives", { authorization: "Basic abc" });
    assert.equal(basic.status, 401);
    assert.equal(basic.challenge, "Bearer");
    const malformed = await get("example", "/archives", { authorization: "Bearer a b" });
    assert.equal(malformed.status, 400);
    assert.match(malformed.challenge, /^Bearer error="invalid_request"/);
    // A token for another resource has neither the audience nor the account client role.
    const other = await token({ resource: "https://other.example/api" });
    const refused = await get("example", "/archives", { authorization: `Bearer ${other}` });
    assert.equal(refused.status, 401);
    assert.equal(refused.body.error, "invalid_token");
  });

  test("workerd refuses to compile wasm from bytes (why the entry imports the .wasm)", async () => {
    const { body } = await get("driver", "/compile-from-bytes");
    assert.equal(body.compiled, false);
    assert.match(body.error, /disallowed/i);
  });
});
