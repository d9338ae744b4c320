// The doc-test runner itself (scripts/doctest.mjs): a sample that drifts from the
// API (an export, a method or an option that does not exist) fails, a skip needs a
// reason, a Worker sample must answer, and a protected-API sample must refuse a
// request without a token. The fixture's headings say what each block must do.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DocServers, extractBlocks, root, runBlock } from "../../scripts/doctest.mjs";

const FIXTURE = "tests/docs/fixtures/samples.md";
const servers = new DocServers();
after(() => servers.close());

/** Each block of the fixture with the heading above it (its expected outcome). */
function fixtureBlocks() {
  const text = readFileSync(join(root, FIXTURE), "utf8");
  const lines = text.split("\n");
  return extractBlocks(text, FIXTURE).map((block) => {
    const heading = lines.slice(0, block.line - 1).findLast((l) => l.startsWith("## "));
    return { block, expect: heading.slice(3) };
  });
}

/** What the failure output must say, so a block can't fail for an unrelated reason. */
const WHY = {
  "an export that does not exist": /does not provide an export named 'fetchClientCredentialsTokens'/,
  "a method that does not exist": /getAccessToken is not a function/,
  "an option that does not exist": /ERR_INVALID_OPTIONS/,
  "no reason to skip": /`no-run` needs a reason/,
  "an unknown attribute": /unknown doc-test attribute\(s\) "keycloack"/,
  "a worker whose API call is refused": /fetch\(\) answered 401/,
  "an API that lets everyone in": /must answer 401 to a request without a token/,
  "a TypeScript block": /TypeScript blocks are not run/,
  "a shell command that fails": /--no-such-flag/,
  "a shell block that says neither run nor no-run": /a shell block must say `run`/,
};

describe("doctest runner", () => {
  const cases = fixtureBlocks();
  test("the fixture has the cases this file expects", () => {
    assert.equal(cases.length, 15);
    assert.deepEqual(
      cases.filter((c) => c.expect.startsWith("fails: ")).map((c) => c.expect.slice(7)).sort(),
      Object.keys(WHY).sort(),
    );
  });
  for (const { block, expect } of cases) {
    test(`line ${block.line}: ${expect}`, async () => {
      const result = await runBlock(block, servers);
      if (expect === "skipped") {
        assert.equal(result.skipped, "the fixture of a skip");
      } else if (expect.startsWith("passes")) {
        assert.ok(result.ok && !result.skipped, result.output);
      } else {
        assert.equal(result.ok, false, `expected a failure, got:\n${result.output}`);
        assert.match(result.output, WHY[expect.slice(7)]);
      }
    });
  }
  test("the info string is read as documented", () => {
    const [plain, kc, worker, skip, bad] = extractBlocks(
      "```js\na\n```\n```js keycloak api\nb\n```\n  ```js worker redis\n  c\n  ```\n```js no-run: needs a Cloudflare account\nd\n```\n```js no-run:\ne\n```\n",
    );
    assert.deepEqual([plain.mode, plain.services], ["node", []]);
    assert.deepEqual([kc.mode, kc.services], ["api", ["keycloak"]]);
    assert.deepEqual([worker.mode, worker.services, worker.code], ["worker", ["redis"], "c"]);
    assert.equal(skip.skip, "needs a Cloudflare account");
    assert.match(bad.problem, /needs a reason/);
  });
});
