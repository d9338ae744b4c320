// private_key_jwt (a PKCS#8 PEM) and DPoP (a key pair the client makes) in each
// runtime with a command line: the package installed by name, WebCrypto signing
// in that runtime, against oidc-provider.
import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, exportPKCS8, generateKeyPair } from "jose";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { FIXTURES, installedPackage, lastJsonLine, run, runtimeBinary } from "./support/harness.mjs";

const CLIENT_ID = "archival-service-keyauth";

describe("private_key_jwt and DPoP in each runtime", () => {
  let project, as, args;
  before(async () => {
    project = installedPackage();
    copyFileSync(join(FIXTURES, "keyauth.mjs"), join(project.dir, "keyauth.mjs"));
    const key = await generateKeyPair("ES256", { extractable: true });
    const jwk = { ...(await exportJWK(key.publicKey)), kid: "runtime-key" };
    as = await startAuthServer({
      clients: { keyauth: { clientId: CLIENT_ID, authMethod: "private_key_jwt", metadata: { jwks: { keys: [jwk] }, dpop_bound_access_tokens: true } } },
    });
    args = JSON.stringify({ tokenUrl: as.tokenUrl, clientId: CLIENT_ID, privateKey: await exportPKCS8(key.privateKey), keyId: "runtime-key" });
  });
  after(() => as?.close());

  const runtimes = [
    ["Node", () => [process.execPath, ["keyauth.mjs", args]]],
    ["Deno, --allow-net=127.0.0.1 only", () => [runtimeBinary("deno"), ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "keyauth.mjs", args]]],
    ["Bun", () => [runtimeBinary("bun"), ["run", "keyauth.mjs", args]]],
  ];
  for (const [name, command] of runtimes) {
    test(name, async () => {
      as.resetStats();
      const [bin, argv] = command();
      const out = lastJsonLine(await run(bin, argv, { cwd: project.dir, env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" } }));
      assert.equal(out.tokenType, "DPoP");
      assert.equal(out.clientId, CLIENT_ID);
      assert.match(out.jkt, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(out.sameKey, true, "one key pair for the client's life");
      assert.equal(as.stats.tokenRequests, 2);
      assert.ok(as.stats.grants.every((g) => g.authMethod === "jwt" && g.dpop), "each request had an assertion and a proof");
    });
  }
});
