// The API reference (`npm run docs`, TypeDoc over src/entries/index.d.ts): every
// exported name has a description and every {@link} resolves. The check must also
// fail when that is not so (a fixture with an undocumented export and a broken link).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { root } from "../../scripts/doctest.mjs";

const apiDocs = (...args) =>
  spawnSync(process.execPath, [join(root, "scripts/docs/api-docs.mjs"), "--check", ...args], { cwd: root, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });

test("src/entries/index.d.ts: every export documented, every link resolved", () => {
  const r = apiDocs();
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /every exported name of src\/entries\/index\.d\.ts documented/);
});

test("the check fails on an undocumented export and on a broken link", () => {
  const r = apiDocs("--entry", join(root, "tests/docs/fixtures/undocumented.d.ts"));
  const out = r.stdout + r.stderr;
  assert.equal(r.status, 1, out);
  assert.match(out, /undocumented \((Function|CallSignature)\).*does not have any documentation/);
  assert.match(out, /NoSuchThing/);
});
