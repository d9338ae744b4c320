// Every ```js and ```sh block of README.md and docs/*.md runs (scripts/doctest.mjs says how),
// so a sample that drifts from the API fails `npm test`. A block marked
// `no-run: REASON` is reported as a skip with its reason, never as a pass.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DocServers, RUN_LANGUAGES, describeBlock, docFiles, extractBlocks, root, runBlock } from "../../scripts/doctest.mjs";

const servers = new DocServers();
after(() => servers.close());

const files = docFiles();
const blocks = files.flatMap((file) => extractBlocks(readFileSync(join(root, file), "utf8"), file)).filter((b) => RUN_LANGUAGES.has(b.language));

test("the docs have samples to run", () => {
  assert.ok(files.includes("README.md") && files.some((f) => f.startsWith("docs/")), files.join(", "));
  assert.ok(blocks.filter((b) => !b.skip).length >= 20, `only ${blocks.length} JS blocks found`);
});

for (const file of files) {
  const own = blocks.filter((b) => b.file === file);
  if (!own.length) continue;
  describe(file, () => {
    for (const block of own) {
      test(describeBlock(block), { skip: block.skip ? `no-run: ${block.skip}` : false }, async () => {
        const result = await runBlock(block, servers);
        assert.ok(result.ok, `${file}:${block.line} failed:\n${result.output}`);
      });
    }
  });
}
