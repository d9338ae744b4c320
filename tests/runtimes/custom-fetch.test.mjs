// The `fetch` option in Deno and in Cloudflare Workers (workerd from npm, the worker
// bundled as wrangler bundles it): fixtures/custom-fetch.mjs hands a recording fetch to
// a TokenClient and a JwksClient; every request of both goes through it, with the
// runtime's own fetch underneath, and the library's rules hold for a test double.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FIXTURES, installedPackage, lastJsonLine, run, runtimeBinary, serveWorkerd, bundleWorker, oneWorkerConfig } from "./support/harness.mjs";
import { copyFixtures, startServers } from "./support/scenario.mjs";

let servers, project;

before(async () => {
  servers = await startServers();
  project = installedPackage();
  copyFixtures(project.dir, "custom-fetch.mjs");
});

after(() => servers?.close());

/** What the scenario must report, in any runtime. */
function assertScenario(out) {
  const { as, api, clientId } = servers;
  assert.deepEqual(out.calls, [`POST ${as.tokenUrl}`, `GET ${api.url}`, `GET ${as.jwksUri}`], "every request went through the option");
  assert.equal(out.apiStatus, 200);
  assert.equal(out.caller, clientId);
  assert.equal(out.azp, clientId);
  assert.equal(out.tooLarge, "ERR_INVALID_RESPONSE", "a double's oversized body is refused");
  assert.equal(out.notFunction, "ERR_INVALID_OPTIONS");
}

const args = () => ({ tokenUrl: servers.as.tokenUrl, clientId: servers.clientId, clientSecret: servers.clientSecret, apiUrl: servers.api.url, issuer: servers.as.issuer, jwksUri: servers.as.jwksUri });

describe("Deno", () => {
  test("a recording fetch sees the token request, the API call and the key set; --allow-net=127.0.0.1 only", async () => {
    const deno = runtimeBinary("deno");
    const script = `import { scenario } from "./custom-fetch.mjs";
      console.log(JSON.stringify(await scenario(JSON.parse(Deno.args[0]))));`;
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "--ext=js", "-", JSON.stringify(args())], {
      cwd: project.dir,
      input: script,
      env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" },
      timeoutMs: 60_000,
    });
    assertScenario(lastJsonLine(result));
  });
});

describe("workerd", () => {
  let server, port;
  before(async () => {
    const workerd = runtimeBinary("workerd");
    const dir = join(project.dir, "custom-fetch-worker");
    await bundleWorker(project, join(FIXTURES, "custom-fetch.mjs"), dir);
    const a = args();
    writeFileSync(
      join(dir, "config.capnp"),
      oneWorkerConfig("custom", {
        TOKEN_URL: a.tokenUrl,
        CLIENT_ID: a.clientId,
        CLIENT_SECRET: a.clientSecret,
        API_URL: a.apiUrl,
        ISSUER: a.issuer,
        JWKS_URI: a.jwksUri,
      }),
    );
    server = serveWorkerd(workerd, dir, ["custom"]);
    ({ custom: port } = await server.ready);
  });
  after(() => server?.child.kill());

  test("a recording fetch sees the token request, the API call and the key set, inside a request", { timeout: 30_000 }, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(15_000) });
    const body = await res.json();
    assert.equal(res.status, 200, `${JSON.stringify(body)}\n${server.output()}`);
    assertScenario(body);
  });
});
