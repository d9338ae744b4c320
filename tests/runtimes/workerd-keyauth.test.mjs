// Cloudflare Workers (workerd from npm): private_key_jwt and DPoP in a worker bundled as
// wrangler bundles it, with a module-scope TokenClient. Workers refuse to make keys
// outside a request, so the client imports and makes its keys on the first request,
// and later requests reuse them.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { FIXTURES, installedPackage, run, runtimeBinary, serveWorkerd, bundleWorker, oneWorkerConfig } from "./support/harness.mjs";

const workerd = runtimeBinary("workerd");
const version = (await run(workerd, ["--version"])).stdout.trim();
const CLIENT_ID = "archival-service-worker";

describe(`${version}: private_key_jwt and DPoP`, () => {
  let as, server, port;
  const get = async (path) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: await res.json() };
  };

  before(async () => {
    const key = await generateKeyPair("RS256", { extractable: true });
    const jwk = { ...(await exportJWK(key.publicKey)), kid: "worker-key" };
    as = await startAuthServer({
      clients: { worker: { clientId: CLIENT_ID, authMethod: "private_key_jwt", metadata: { jwks: { keys: [jwk] }, dpop_bound_access_tokens: true } } },
    });
    const project = installedPackage();
    const dir = join(project.dir, "keyauth-worker");
    await bundleWorker(project, join(FIXTURES, "workerd", "keyauth.mjs"), dir);
    writeFileSync(
      join(dir, "config.capnp"),
      oneWorkerConfig("keyauth", { TOKEN_URL: as.tokenUrl, CLIENT_ID, PRIVATE_KEY: await exportPKCS8(key.privateKey), KEY_ID: "worker-key" }),
    );
    server = serveWorkerd(workerd, dir, ["keyauth"]);
    ({ keyauth: port } = await server.ready);
  });

  after(async () => {
    server?.child.kill();
    await as?.close();
  });

  test("a DPoP token with an RS256 assertion; the next request reuses the client's keys", { timeout: 30_000 }, async () => {
    as.resetStats();
    const first = await get("/");
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual([first.body.tokenType, first.body.clientId], ["DPoP", CLIENT_ID]);
    assert.match(first.body.jkt, /^[A-Za-z0-9_-]{43}$/);
    const second = await get("/?fresh");
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.jkt, first.body.jkt, "the same DPoP key pair in a later request");
    assert.equal(as.stats.tokenRequests, 2);
    assert.ok(as.stats.grants.every((g) => g.authMethod === "jwt" && g.dpop));
  });
});
