// TypeScript: `tsc --strict` over tests/runtimes/types/usage.ts (every option, every error
// code, narrowing on `code`, and @ts-expect-error lines for what must not compile), as a
// bundler resolves the package and as Node does (ESM, and CommonJS through index.d.cts).
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ROOT, run } from "./support/harness.mjs";

const require = createRequire(join(ROOT, "package.json"));
const tsc = join(ROOT, "node_modules", ".bin", "tsc");
const { version } = require("typescript/package.json");
const types = join(ROOT, "tests", "runtimes", "types");

describe(`TypeScript ${version}`, () => {
  for (const [name, project, expected] of [
    ["moduleResolution bundler: usage.ts", "tsconfig.json", ["dist/index.d.ts"]],
    ["moduleResolution nodenext: usage.ts (import) and usage.cts (require)", "tsconfig.nodenext.json", ["dist/index.d.ts", "dist/index.d.cts"]],
  ]) {
    test(`tsc --strict, ${name}`, async () => {
      const { code, stdout, stderr } = await run(tsc, ["-p", join(types, project), "--traceResolution"], { timeoutMs: 60_000 });
      const errors = stdout.split("\n").filter((l) => /error TS\d+/.test(l));
      assert.equal(code, 0, `${errors.join("\n")}\n${stderr}`);
      const resolved = [...stdout.matchAll(/Module name 'client-credentials' was successfully resolved to '([^']+)'/g)].map((m) => m[1].slice(ROOT.length + 1));
      assert.deepEqual([...new Set(resolved)].sort(), expected.sort());
    });
  }
});
