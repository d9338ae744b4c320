// Deno (npm's `deno` package): `import ... from "client-credentials"` in a project with the
// package in node_modules picks dist/deno.mjs through the `deno` condition. That entry
// imports the wasm as a compiled module (a source-phase import), so the only permission
// granted is the network, and only to 127.0.0.1.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, installedPackage, lastJsonLine, run, runtimeBinary } from "./support/harness.mjs";
import { assertSmoke, copyFixtures, startServers } from "./support/scenario.mjs";

const deno = runtimeBinary("deno");
const version = (await run(deno, ["--version"])).stdout.split("\n")[0];

describe(version, () => {
  let project, servers;
  before(async () => {
    project = installedPackage();
    copyFixtures(project.dir, "smoke.mjs");
    copyFileSync(join(ROOT, "examples", "deno", "main.ts"), join(project.dir, "main.ts"));
    servers = await startServers();
  });
  after(() => servers?.close());

  test("import by name: token, decode, TokenClient, secured API, with --allow-net=127.0.0.1 only", async () => {
    servers.as.resetStats();
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "smoke.mjs", servers.smokeArgs], {
      cwd: project.dir,
      env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" },
    });
    assertSmoke(lastJsonLine(result), servers, { entry: "deno.mjs", tokenRequests: servers.as.stats.tokenRequests });
  });

  test("without --allow-net the token request fails as ERR_NETWORK, and decodeJwt still works", async () => {
    const script = `
      import { decodeJwt, fetchClientCredentialsToken } from "client-credentials";
      const { tokenUrl, clientId, clientSecret } = JSON.parse(Deno.args[0]);
      const err = await fetchClientCredentialsToken({ tokenUrl, clientId, clientSecret }).catch((e) => e);
      let jwt; try { decodeJwt("a.b"); } catch (e) { jwt = e.code; }
      console.log(JSON.stringify({ code: err.code, jwt }));`;
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--ext=js", "-", servers.smokeArgs], {
      cwd: project.dir,
      input: script,
      env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" },
    });
    assert.deepEqual(lastJsonLine(result), { code: "ERR_NETWORK", jwt: "ERR_INVALID_JWT" });
  });

  test("examples/deno/main.ts type-checks against the package's declarations and runs", async () => {
    const env = { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" };
    const check = await run(deno, ["check", "--no-config", "--node-modules-dir=manual", "main.ts"], { cwd: project.dir, env, timeoutMs: 60_000 });
    assert.equal(check.code, 0, check.stderr);
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "--allow-env", "main.ts"], {
      cwd: project.dir,
      env: { ...env, TOKEN_URL: servers.as.tokenUrl, CLIENT_ID: servers.clientId, CLIENT_SECRET: servers.clientSecret, API_URL: servers.api.url },
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`token for ${servers.clientId}, roles default-roles-sivalabs`));
    assert.match(result.stdout, / -> 200 /);
  });
});
