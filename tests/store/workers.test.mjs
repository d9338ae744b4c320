// kvStore and cacheStore in workerd, through Miniflare: two Workers (two
// isolates) bound to the same KV namespace and the same Cache share one token,
// and one JWKS. Token and JWKS requests are counted at oidc-provider.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { Miniflare } from "miniflare";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let as, mf, dir;

before(async () => {
  as = await startAuthServer({ accessTokenTtl: 300 });
  dir = mkdtempSync(join(tmpdir(), "cc-store-worker-"));
  await esbuild.build({
    entryPoints: [join(ROOT, "tests", "store", "fixtures", "worker", "index.js")],
    outfile: join(dir, "worker.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    alias: { "client-credentials": join(ROOT, "dist", "workerd.mjs") },
    external: ["*.wasm"],
    logLevel: "error",
  });
  copyFileSync(join(ROOT, "dist", "client_credentials_bg.wasm"), join(dir, "client_credentials_bg.wasm"));
  const { clientId, clientSecret } = as.clients.basic;
  const worker = (name) => ({
    name,
    modules: true,
    scriptPath: join(dir, "worker.mjs"),
    modulesRoot: dir,
    modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
    compatibilityDate: "2025-01-01",
    kvNamespaces: { TOKENS: "shared-tokens" },
    bindings: { TOKEN_URL: as.tokenUrl, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret, NAME: name, JWKS_URI: as.jwksUri, ISSUER: as.issuer },
  });
  mf = new Miniflare({ workers: [worker("a"), worker("b")] });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
  await as?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function call(name, store) {
  const w = await mf.getWorker(name);
  const res = await w.fetch(`http://worker/?store=${store}`);
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

async function requestsDuring(fn) {
  const before = as.stats.tokenRequests;
  const result = await fn();
  return { result, requests: as.stats.tokenRequests - before };
}

for (const store of ["kv", "cache"]) {
  describe(`${store === "kv" ? "kvStore (Workers KV)" : "cacheStore (Cache API)"} in workerd`, () => {
    test("isolate a requests the token; isolate b takes it from the store", async () => {
      const first = await requestsDuring(() => call("a", store));
      assert.equal(first.requests, 1);
      assert.deepEqual(first.result.errors, []);
      const second = await requestsDuring(() => call("b", store));
      assert.equal(second.requests, 0, "b made no token request");
      assert.equal(second.result.token, first.result.token);
      assert.equal(second.result.expiresAt, first.result.expiresAt);
      assert.equal(second.result.isolate, "b");
      assert.deepEqual(second.result.errors, []);
    });

    test("two concurrent requests on a warm store share the token", async () => {
      const { result, requests } = await requestsDuring(() => Promise.all([call("a", store), call("b", store)]));
      assert.equal(requests, 0);
      assert.equal(result[0].token, result[1].token);
    });
  });
}

describe("without a lock", () => {
  test("concurrent cold requests each request a token (reported), and all succeed", async (t) => {
    const kv = await mf.getKVNamespace("TOKENS", "a");
    for (const { name } of (await kv.list()).keys) await kv.delete(name);
    const { result, requests } = await requestsDuring(() => Promise.all(Array.from({ length: 8 }, (_, i) => call(i % 2 ? "b" : "a", "kv"))));
    t.diagnostic(`8 concurrent cold requests over KV: ${requests} token requests`);
    assert.ok(requests >= 1 && requests <= 8);
    assert.ok(result.every((r) => typeof r.token === "string" && r.errors.length === 0));
  });
});

for (const store of ["kv", "cache"]) {
  describe(`JwksClient's key set in ${store === "kv" ? "Workers KV" : "the Cache API"}`, () => {
    test("isolate a fetches the key set; isolate b verifies a token with no JWKS fetch of its own", async () => {
      const { token } = await call("a", store);
      const verify = async (name) => {
        const w = await mf.getWorker(name);
        const before = as.stats.jwksRequests;
        const res = await w.fetch(`http://worker/verify?store=${store}`, { headers: { authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200, await res.clone().text());
        return { result: await res.json(), fetches: as.stats.jwksRequests - before };
      };
      const first = await verify("a");
      const second = await verify("b");
      assert.equal(first.fetches + second.fetches, 1, "one JWKS fetch in all");
      assert.equal(second.fetches, 0, "b read the key set from the store");
      assert.equal(second.result.isolate, "b");
      assert.equal(second.result.kid, first.result.kid);
      assert.equal(second.result.azp, "archival-service");
      assert.deepEqual([...first.result.errors, ...second.result.errors], []);
    });
  });
}
