// Bun (npm's `bun` package): `import` and `require` of "client-credentials" in a project
// with the package in node_modules. Bun has no entry of its own: it matches the `node`
// condition, and dist/node.mjs / dist/node.cjs run on it unchanged.
import { after, before, describe, test } from "node:test";
import { installedPackage, lastJsonLine, run, runtimeBinary } from "./support/harness.mjs";
import { assertSmoke, copyFixtures, startServers } from "./support/scenario.mjs";

const bun = runtimeBinary("bun");
const version = `bun ${(await run(bun, ["--version"])).stdout.trim()}`;

describe(version, () => {
  let project, servers;
  before(async () => {
    project = installedPackage();
    copyFixtures(project.dir, "smoke.mjs", "smoke.cjs");
    servers = await startServers();
  });
  after(() => servers?.close());

  for (const [kind, script, entry] of [
    ["ESM import", "smoke.mjs", "node.mjs"],
    ["CommonJS require", "smoke.cjs", "node.cjs"],
  ]) {
    test(`${kind}: token, decode, TokenClient, secured API`, async () => {
      servers.as.resetStats();
      const result = await run(bun, ["run", script, servers.smokeArgs], {
        cwd: project.dir,
        env: { BUN_INSTALL_CACHE_DIR: `${project.dir}/.bun-cache`, DO_NOT_TRACK: "1" },
      });
      assertSmoke(lastJsonLine(result), servers, { entry, tokenRequests: servers.as.stats.tokenRequests });
    });
  }
});
