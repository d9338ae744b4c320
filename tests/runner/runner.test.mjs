// scripts/test.mjs's guards, shown on made-up projects (CC_TEST_ROOT) rather
// than on the real suites: a suite can't pass on nothing, a name can't be
// mistyped into "all 0 suites passed", and a stale dist/ is never tested.

import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { SUITES, countTests, findTestFiles } from "../../scripts/test.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const runner = join(root, "scripts", "test.mjs");
const made = [];
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const passing = (n) =>
  `import { test } from "node:test";\nimport assert from "node:assert/strict";\n` +
  Array.from({ length: n }, (_, i) => `test("t${i}", () => assert.equal(${i}, ${i}));\n`).join("");

// A build that writes dist/ and the stamp as scripts/build.mjs does, and counts its runs.
const FAKE_BUILD = `import { appendFileSync, mkdirSync, rmSync, renameSync } from "node:fs";
import { join } from "node:path";
import { writeStamp } from ${JSON.stringify(pathToFileURL(join(root, "scripts", "build-stamp.mjs")).href)};
const started = Date.now();
const root = process.cwd();
if (process.env.FAKE_BUILD_FAILS) { console.error("fake build: failing"); process.exit(1); }
rmSync(join(root, "dist.tmp"), { recursive: true, force: true });
mkdirSync(join(root, "dist.tmp"));
writeStamp(join(root, "dist.tmp"), started);
rmSync(join(root, "dist"), { recursive: true, force: true });
renameSync(join(root, "dist.tmp"), join(root, "dist"));
appendFileSync(join(root, "build.log"), "built\\n");
`;

/** A project folder holding `files` ({ path: text }), with a floor file and the fake build unless given. */
function project(files) {
  const dir = mkdtempSync(join(tmpdir(), "cc-runner-"));
  made.push(dir);
  const all = { "scripts/test-floors.json": JSON.stringify({ js: 1, cli: 1, runtimes: 1 }), "scripts/build.mjs": FAKE_BUILD, ...files };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** Runs the real runner on `dir`; output is stdout and stderr together. */
function runOn(dir, args, env = {}) {
  const childEnv = { ...process.env, CC_TEST_ROOT: dir, ...env };
  // Inside `node --test`, this would make the runner's own `node --test` report to us instead.
  delete childEnv.NODE_TEST_CONTEXT;
  delete childEnv.KEYCLOAK_SHARED;
  const r = spawnSync(process.execPath, [runner, ...args], { env: childEnv, encoding: "utf8", timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("suite names", () => {
  test("an unknown suite name exits 2 and lists the suites, running nothing", () => {
    const dir = project({ "tests/js/a.test.mjs": passing(1) });
    const { status, output } = runOn(dir, ["jss"]);
    assert.equal(status, 2, output);
    assert.match(output, /unknown suite jss\. The suites are:\n {2}build fmt runner/);
    for (const suite of SUITES) assert.ok(output.includes(` ${suite.name}`), suite.name);
    assert.doesNotMatch(output, /━━|passed/);
  });
});

describe("a suite can't pass on nothing", () => {
  for (const suite of ["js", "cli"]) {
    test(`an empty ${suite} folder fails (${suite === "cli" ? "a serial suite, whose extra flags once hid the guard" : "no test files"})`, () => {
      const dir = project({ [`tests/${suite}/support.mjs`]: "export const helper = 1;\n" });
      const { status, output } = runOn(dir, [suite]);
      assert.equal(status, 1, output);
      assert.match(output, new RegExp(`✘ ${suite}: no test files in tests/${suite}/`));
      assert.match(output, new RegExp(`✘ ${suite} +0\\.0 s`));
      assert.doesNotMatch(output, /keycloak: starting/, "no Keycloak for a suite with nothing to run");
    });
  }

  test("a suite under its floor fails; at its floor it passes, with the count in the summary", () => {
    const dir = project({ "tests/js/a.test.mjs": passing(2), "scripts/test-floors.json": JSON.stringify({ js: 3 }) });
    const under = runOn(dir, ["js"]);
    assert.equal(under.status, 1, under.output);
    assert.match(under.output, /✘ js: it ran 2 tests, under its floor of 3 \(scripts\/test-floors\.json\)/);

    writeFileSync(join(dir, "scripts/test-floors.json"), JSON.stringify({ js: 2 }));
    const at = runOn(dir, ["js"]);
    assert.equal(at.status, 0, at.output);
    assert.match(at.output, /✔ js +[\d.]+ s +2 tests\n/);
    assert.match(at.output, /all 1 suites passed/);
  });

  test("a suite that runs 0 tests fails whatever the floor", () => {
    const dir = project({ "tests/js/a.test.mjs": `import { test } from "node:test";\ntest("later", { todo: true });\n`, "scripts/test-floors.json": JSON.stringify({ js: 0 }) });
    const { status, output } = runOn(dir, ["js"]);
    assert.equal(status, 1, output);
    assert.match(output, /✘ js: it ran 0 tests/);
  });

  test("a test file that defines no test fails, though node:test counts it as one passing test", () => {
    const dir = project({ "tests/js/a.test.mjs": passing(2), "tests/js/b.test.mjs": "// nothing here yet\n" });
    const { status, output } = runOn(dir, ["js"]);
    assert.equal(status, 1, output);
    assert.match(output, /ℹ pass 3/, "node:test's own count includes the empty file");
    assert.match(output, /✘ js: tests\/js\/b\.test\.mjs defines no test/);
  });

  test("skipped tests don't count towards the floor", () => {
    const dir = project({
      "tests/js/a.test.mjs": `${passing(1)}test("later", { skip: "not yet" }, () => {});\n`,
      "scripts/test-floors.json": JSON.stringify({ js: 2 }),
    });
    const { status, output } = runOn(dir, ["js"]);
    assert.equal(status, 1, output);
    assert.match(output, /it ran 1 tests, under its floor of 2/);
    assert.match(output, /1 tests \(1 skipped, 0 todo\)/);
  });

  test("a counted suite with no floor fails and says what to add", () => {
    const dir = project({ "tests/js/a.test.mjs": passing(1), "scripts/test-floors.json": "{}" });
    const { status, output } = runOn(dir, ["js"]);
    assert.equal(status, 1, output);
    assert.match(output, /no floor for it in scripts\/test-floors\.json: add "js": 1/);
  });
});

describe("test files", () => {
  test("found in subfolders and under every name node:test runs; helpers and fixtures are not tests", () => {
    const dir = project({
      "tests/js/a.test.mjs": passing(1),
      "tests/js/deeper/b.test.js": passing(1),
      "tests/js/c.test.cjs": `const { test } = require("node:test");\ntest("cjs", () => {});\n`,
      "tests/js/d-test.mjs": passing(1),
      "tests/js/e_test.mjs": passing(1),
      "tests/js/test-f.mjs": passing(1),
      "tests/js/support/helper.mjs": "export {};\n",
      "tests/js/fixtures/g.test.mjs": "throw new Error('a fixture, not a test');\n",
      "scripts/test-floors.json": JSON.stringify({ js: 6 }),
    });
    const { files, strays } = findTestFiles(join(dir, "tests/js"));
    assert.deepEqual(
      files.map((f) => f.slice(dir.length + 1)),
      ["a.test.mjs", "c.test.cjs", "d-test.mjs", "deeper/b.test.js", "e_test.mjs", "test-f.mjs"].map((f) => `tests/js/${f}`),
    );
    assert.deepEqual(strays, []);
    const { status, output } = runOn(dir, ["js"]);
    assert.equal(status, 0, output);
    assert.match(output, /✔ js +[\d.]+ s +6 tests\n/);
  });

  test("a file named like a test that node:test would not run is an error, not silence", () => {
    for (const name of ["a.spec.mjs", "a.tests.mjs", "a.test.ts"]) {
      const dir = project({ "tests/js/ok.test.mjs": passing(1), [`tests/js/${name}`]: passing(1) });
      const { status, output } = runOn(dir, ["js"]);
      assert.equal(status, 1, `${name}: ${output}`);
      assert.match(output, new RegExp(`✘ js: tests/js/${name.replace(/\./g, "\\.")} named like a test, but node:test would not run it`));
    }
  });
});

describe("the build under test", () => {
  test("a stale dist/ is rebuilt before the suites; a fresh one is not; a failed build stops the run", () => {
    const dir = project({ "tests/js/a.test.mjs": passing(1), "src/lib.rs": "// the sources\n" });
    const builds = () => (existsSync(join(dir, "build.log")) ? readFileSync(join(dir, "build.log"), "utf8").split("\n").filter(Boolean).length : 0);

    const first = runOn(dir, ["js"]);
    assert.equal(first.status, 0, first.output);
    assert.match(first.output, /━━ build: dist\/\.build-stamp is missing .*; rebuilding dist\/ first/);
    assert.equal(builds(), 1);

    const second = runOn(dir, ["js"]);
    assert.equal(second.status, 0, second.output);
    assert.doesNotMatch(second.output, /rebuilding/);
    assert.equal(builds(), 1, "dist/ was fresh: no build");

    // A source saved after the build (its time set ahead, so the test needs no sleep).
    const later = Date.now() / 1000 + 60;
    utimesSync(join(dir, "src/lib.rs"), later, later);
    const third = runOn(dir, ["js"]);
    assert.equal(third.status, 0, third.output);
    assert.match(third.output, /━━ build: src\/lib\.rs is newer than dist\/; rebuilding dist\/ first/);
    assert.equal(builds(), 2);

    utimesSync(join(dir, "src/lib.rs"), later + 60, later + 60);
    const failed = runOn(dir, ["js"], { FAKE_BUILD_FAILS: "1" });
    assert.equal(failed.status, 1, failed.output);
    assert.match(failed.output, /✘ build /);
    assert.doesNotMatch(failed.output, /━━ js:/, "no suite runs on a stale build");
  });

  test("suites that don't test dist/ don't build it", () => {
    const dir = project({ "tests/runner/a.test.mjs": passing(1), "scripts/test-floors.json": JSON.stringify({ runner: 1 }) });
    const { status, output } = runOn(dir, ["runner"]);
    assert.equal(status, 0, output);
    assert.ok(!existsSync(join(dir, "build.log")), output);
  });
});

describe("the caller's environment", () => {
  test("WASM_BINDGEN_TEST_ONLY_* and WASM_BINDGEN_USE_* are cleared before any suite runs", () => {
    const dir = project({
      "tests/js/a.test.mjs":
        `import { test } from "node:test";\nimport assert from "node:assert/strict";\n` +
        `test("env", () => assert.deepEqual(Object.keys(process.env).filter((k) => k.startsWith("WASM_BINDGEN_")), []));\n`,
    });
    const { status, output } = runOn(dir, ["js"], { WASM_BINDGEN_TEST_ONLY_NODE: "1", WASM_BINDGEN_TEST_ONLY_WEB: "1", WASM_BINDGEN_USE_BROWSER: "1" });
    assert.equal(status, 0, output);
    assert.match(output, /ignoring WASM_BINDGEN_TEST_ONLY_NODE=1 from the environment/);
  });
});

describe("counting", () => {
  test("cargo's and wasm-bindgen's result lines are summed; ignored tests are noted, not counted", () => {
    const output = [
      "test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s",
      "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
      "test result: ok. 30 passed; 0 failed; 0 ignored; 0 filtered out; finished in 1.20s",
    ].join("\n");
    assert.deepEqual(countTests("cargo", output), { ran: 42, note: "1 ignored" });
    assert.equal(countTests("cargo", "no tests to run (WASM_BINDGEN_TEST_ONLY_NODE)"), undefined);
    assert.deepEqual(countTests("fuzz", "fuzz: summary\n7 passed, 0 failed\n"), { ran: 7, note: "" });
    assert.deepEqual(countTests("node", "", "# tests 3\n# suites 0\n# pass 2\n# fail 0\n# cancelled 0\n# skipped 1\n# todo 0\n"), { ran: 2, note: "1 skipped, 0 todo", empty: [] });
    assert.equal(countTests("node", "", ""), undefined);
    const tap = "ok 1 - /p/tests/js/empty.test.mjs\nok 2 - a real test\n# tests 2\n# pass 2\n# skipped 0\n# todo 0\n";
    assert.deepEqual(countTests("node", "", tap, ["/p/tests/js/empty.test.mjs", "/p/tests/js/real.test.mjs"]), { ran: 1, note: "", empty: ["/p/tests/js/empty.test.mjs"] });
  });

  test("the floor file has a floor for every suite that counts its tests", () => {
    const floors = JSON.parse(readFileSync(join(root, "scripts", "test-floors.json"), "utf8"));
    for (const suite of SUITES.filter((s) => s.count)) assert.ok(Number.isInteger(floors[suite.name]) && floors[suite.name] > 0, suite.name);
  });
});
