// Every relative link and image of README.md, SECURITY.md and docs/*.md points at a
// file of this checkout, and every #anchor at a heading of its page (GitHub's slugs).
//
// Pages that other branches are writing are linked before they land. A link to one
// of PENDING is a `todo` (neither pass nor fail) while the page is missing, and is
// checked like any other once it exists. When every one has landed, empty PENDING.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { docFiles, root } from "../../scripts/doctest.mjs";

export const PENDING = new Set([]);

/** Markdown without its fenced code blocks. */
function unfenced(text) {
  return text.replace(/^(\s*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\s*\2\s*$/gm, "");
}

/** Markdown without code, fenced or inline (links there are not links). */
function prose(text) {
  return unfenced(text).replace(/`[^`\n]*`/g, "");
}

/** GitHub's anchors of a page's headings. */
export function anchors(text) {
  const seen = new Map();
  const out = new Set();
  for (const [, heading] of unfenced(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n ? `${base}-${n}` : base);
  }
  // Explicit anchors: <a id="..."> or <a name="...">.
  for (const [, id] of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) out.add(id);
  return out;
}

const files = [...docFiles(), "SECURITY.md"].filter((f) => existsSync(join(root, f)));
for (const file of files) {
  const text = readFileSync(join(root, file), "utf8");
  const links = [...prose(text).matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]);
  describe(`links of ${file}`, () => {
    for (const link of new Set(links)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: — not checked offline
      const [path, anchor] = link.split("#");
      const target = path ? normalize(join(dirname(file), decodeURIComponent(path))) : file;
      if (PENDING.has(target) && !existsSync(join(root, target))) {
        test.todo(`${link}: ${target} lands from another branch`);
        continue;
      }
      test(link, () => {
        assert.ok(!relative(root, join(root, target)).startsWith(".."), `${link} leaves the repository`);
        assert.ok(existsSync(join(root, target)), `${file}: ${link} points at ${target}, which does not exist`);
        if (anchor) {
          assert.ok(statSync(join(root, target)).isFile() && target.endsWith(".md"), `${link}: an anchor into a non-Markdown target`);
          const known = anchors(readFileSync(join(root, target), "utf8"));
          assert.ok(known.has(anchor), `${file}: ${link}: no heading "#${anchor}" in ${target} (has: ${[...known].join(", ")})`);
        }
      });
    }
  });
}

test("the anchor slugs are GitHub's", () => {
  assert.deepEqual([...anchors("# Get a token\n## `npm test`: the suites\n## Errors & codes\n## Errors & codes\n")], [
    "get-a-token",
    "npm-test-the-suites",
    "errors--codes",
    "errors--codes-1",
  ]);
});

test("README.md and docs/README.md link every page of docs/ (and the pages still on other branches)", () => {
  const pages = [...new Set([...docFiles().filter((f) => f.startsWith("docs/") && f !== "docs/README.md" && !f.startsWith("docs/api/")), ...PENDING])];
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const index = readFileSync(join(root, "docs/README.md"), "utf8");
  for (const page of pages) {
    assert.ok(readme.includes(`](${page})`), `README.md does not link ${page}`);
    assert.ok(index.includes(`](${page.slice("docs/".length)})`), `docs/README.md does not link ${page}`);
  }
});

test("every file of this repository the docs name in `code` exists", () => {
  const missing = [];
  for (const file of [...docFiles(), "SECURITY.md"].filter((f) => existsSync(join(root, f)))) {
    const text = readFileSync(join(root, file), "utf8");
    for (const [, path] of text.matchAll(/`((?:src|tests|scripts|bench|bin|examples|www|fuzz)\/[\w./-]*[\w/])`/g)) {
      if (!existsSync(join(root, path))) missing.push(`${file}: ${path}`);
    }
  }
  assert.deepEqual(missing, []);
});
