// A token from a real Keycloak (scripts/keycloak.mjs, realm `sivalabs`) in Node, Deno
// and workerd, through the packed package and issuer discovery.
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { startKeycloak, REALM_FILE } from "../../scripts/keycloak.mjs";
import { FIXTURES, installedPackage, lastJsonLine, run, runtimeBinary, serveWorkerd, bundleWorker } from "./support/harness.mjs";

const seed = JSON.parse(readFileSync(REALM_FILE, "utf8")).clients.find((c) => c.clientId === "archival-service");

describe("a Keycloak token in every server runtime", () => {
  let kc, project, args;
  before(async () => {
    kc = await startKeycloak();
    project = installedPackage();
    copyFileSync(join(FIXTURES, "keycloak", "token.mjs"), join(project.dir, "token.mjs"));
    args = JSON.stringify({ issuer: kc.issuer, clientId: seed.clientId, clientSecret: seed.secret });
  });
  after(() => kc?.stop());

  /** What token.mjs must print in any runtime. */
  function assertToken(out) {
    assert.deepEqual(out, {
      shared: true,
      tokenType: "Bearer",
      notBeforePolicy: 0,
      alg: "RS256",
      iss: kc.issuer,
      azp: "archival-service",
      username: "service-account-archival-service",
      realmRoles: out.realmRoles,
      wrong: { code: "ERR_OAUTH", error: "unauthorized_client", status: 401 },
    });
    assert.ok(out.realmRoles.includes("archiver"));
  }

  test("Node", async () => {
    const grants = await kc.tokenGrants(seed.clientId);
    assertToken(lastJsonLine(await run(process.execPath, ["token.mjs", args], { cwd: project.dir })));
    assert.equal(await kc.tokenGrants(seed.clientId), grants + 1, "two concurrent getToken() make one grant");
  });

  test("Deno, with --allow-net=127.0.0.1 only", async () => {
    const deno = runtimeBinary("deno");
    const result = await run(deno, ["run", "--no-config", "--node-modules-dir=manual", "--allow-net=127.0.0.1", "token.mjs", args], {
      cwd: project.dir,
      env: { DENO_DIR: `${project.dir}/.deno`, DENO_NO_UPDATE_CHECK: "1" },
    });
    assertToken(lastJsonLine(result));
  });

  test("workerd (Cloudflare Workers)", { timeout: 60_000 }, async () => {
    const workerd = runtimeBinary("workerd");
    const dir = join(project.dir, "keycloak-worker");
    await bundleWorker(project, join(FIXTURES, "keycloak", "worker.mjs"), dir);
    const vars = { ISSUER: kc.issuer, CLIENT_ID: seed.clientId, CLIENT_SECRET: seed.secret };
    const config = readFileSync(join(FIXTURES, "keycloak", "config.capnp"), "utf8").replace(/@(\w+)@/g, (_, k) => vars[k]);
    writeFileSync(join(dir, "config.capnp"), config);
    const server = serveWorkerd(workerd, dir, ["main"]);
    try {
      const { main } = await server.ready;
      const res = await fetch(`http://127.0.0.1:${main}/`, { signal: AbortSignal.timeout(20_000) });
      const body = await res.json();
      assert.equal(res.status, 200, `${JSON.stringify(body)}\n${server.output()}`);
      assert.deepEqual(body, { tokenType: "Bearer", alg: "RS256", iss: kc.issuer, azp: "archival-service", username: "service-account-archival-service" });
    } finally {
      server.child.kill();
    }
  });
});
