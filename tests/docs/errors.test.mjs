// docs/errors.md lists every error code the library has: each one of src/error.rs
// and of index.d.ts's ErrorCode, and no code that neither has.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../scripts/doctest.mjs";

const codes = (text) => new Set(text.match(/ERR_[A-Z_]+[A-Z]/g));

test("docs/errors.md's table has a row for every code of src/error.rs and index.d.ts, and only those", () => {
  const page = readFileSync(join(root, "docs/errors.md"), "utf8");
  const rows = new Set([...page.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((m) => m[1]));
  const rust = new Set([...readFileSync(join(root, "src/error.rs"), "utf8").matchAll(/"(ERR_[A-Z_]+)"/g)].map((m) => m[1]));
  const dts = readFileSync(join(root, "src/entries/index.d.ts"), "utf8");
  const typed = codes(/export type ErrorCode =([\s\S]*?);\n/.exec(dts)[1]);
  assert.ok(rust.size >= 16, `src/error.rs: ${[...rust]}`);
  assert.deepEqual([...rows].sort(), [...rust].sort(), "docs/errors.md rows against src/error.rs");
  assert.deepEqual([...rows].sort(), [...typed].sort(), "docs/errors.md rows against index.d.ts ErrorCode");
});
