// Node 20+: `import` picks dist/node.mjs and `require` dist/node.cjs, through the
// `node` condition, in a project that installed the packed package; and the two
// scripts of examples/node run there against the local servers.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { ROOT, installedPackage, lastJsonLine, run } from "./support/harness.mjs";
import { assertSmoke, copyFixtures, startServers } from "./support/scenario.mjs";

describe(`Node ${process.version}`, () => {
  let project, servers;
  before(async () => {
    project = installedPackage();
    copyFixtures(project.dir, "smoke.mjs", "smoke.cjs");
    for (const f of ["get-token.mjs", "service.mjs"]) copyFileSync(join(ROOT, "examples", "node", f), join(project.dir, f));
    servers = await startServers();
  });
  after(() => servers?.close());

  for (const [kind, script, entry] of [
    ["ESM import", "smoke.mjs", "node.mjs"],
    ["CommonJS require", "smoke.cjs", "node.cjs"],
  ]) {
    test(`${kind}: token, decode, TokenClient, secured API`, async () => {
      servers.as.resetStats();
      const out = lastJsonLine(await run(process.execPath, [script, servers.smokeArgs], { cwd: project.dir }));
      assertSmoke(out, servers, { entry, tokenRequests: servers.as.stats.tokenRequests });
    });
  }

  const exampleEnv = () => ({ TOKEN_URL: servers.as.tokenUrl, CLIENT_ID: servers.clientId, CLIENT_SECRET: servers.clientSecret, API_URL: servers.api.url });

  test("examples/node/get-token.mjs prints the token's claims", async () => {
    const { code, stdout, stderr } = await run(process.execPath, ["get-token.mjs"], { cwd: project.dir, env: exampleEnv() });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^Bearer token, expires in 300 s, scope "openid profile"/);
    assert.match(stdout, new RegExp(`azp: '${servers.clientId}'`));
  });

  test("examples/node/service.mjs calls the API on a timer with one cached token", { timeout: 20_000 }, async () => {
    servers.as.resetStats();
    const child = spawn(process.execPath, ["service.mjs"], { cwd: project.dir, env: { ...process.env, ...exampleEnv(), EVERY_SECONDS: "0.2" } });
    const lines = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`3 ticks not seen in 10 s: ${lines.join("\n")}`)), 10_000);
      child.stdout.on("data", (d) => {
        lines.push(...String(d).trim().split("\n"));
        if (lines.length >= 3) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr.on("data", (d) => lines.push(`stderr: ${d}`));
    }).finally(() => child.kill("SIGINT"));
    const tokens = lines.slice(0, 3).map((l) => /-> 200, 2 archives \(token (\S+),/.exec(l)?.[1]);
    assert.ok(tokens[0], lines.join("\n"));
    assert.deepEqual(tokens, [tokens[0], tokens[0], tokens[0]], "the same token each tick");
    assert.equal(servers.as.stats.tokenRequests, 1);
  });
});
