// The Keycloak admin console still shows every setting docs/keycloak.md names, where
// its screenshots show them: scripts/docs/keycloak-screenshots.mjs takes the shots again
// (into test-output/, not over the committed docs/images/) and fails on a missing label.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SHOTS, takeScreenshots } from "../../scripts/docs/keycloak-screenshots.mjs";
import { root } from "../../scripts/doctest.mjs";

test("the admin console shows the settings docs/keycloak.md names, and the page shows every shot", async () => {
  const out = join(root, "test-output/keycloak-screenshots");
  const written = await takeScreenshots({ out, log: () => {} });
  assert.equal(written.length, SHOTS.length);
  const page = readFileSync(join(root, "docs/keycloak.md"), "utf8");
  for (const shot of SHOTS) {
    const png = readFileSync(join(out, shot.file));
    assert.equal(png.subarray(1, 4).toString(), "PNG", shot.file);
    assert.ok(png.length > 5000, `${shot.file} is ${png.length} bytes: an empty frame?`);
    assert.ok(existsSync(join(root, "docs/images", shot.file)), `docs/images/${shot.file} is not committed`);
    assert.ok(page.includes(`images/${shot.file}`), `docs/keycloak.md does not show ${shot.file}`);
  }
});
