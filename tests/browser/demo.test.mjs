// The demo (`npm start`) in a real Chromium: the page in www/ importing the package
// build from /dist/, the built-in authorization server and the protected API, all
// started in-process with `startDemo` on free ports. Needs `npm run build` first.
//
//   node --test tests/browser/demo.test.mjs
//
// Screenshots go to test-output/screenshots/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT, generateKeyPair } from "jose";
import { chromium } from "playwright-core";
import { startDemo } from "../../scripts/start.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { freePort, listening } from "../../scripts/net.mjs";
import { printed, processGroupAlive } from "../support/process-group.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const screenshots = join(root, "test-output", "screenshots");
const SEED_CLAIMS = JSON.parse(readFileSync(join(root, "tests", "fixtures", "seed-claims.json"), "utf8"));

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

let demo;
let browser;

before(async () => {
  assert.ok(existsSync(join(root, "dist", "browser.mjs")), "dist/browser.mjs is missing: run `npm run build` first");
  demo = await startDemo({ port: 0, authPort: 0, apiPort: 0 });
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_ARGS });
});

after(async () => {
  await browser?.close();
  await demo?.close();
});

/**
 * A fresh page on the demo, once the package has loaded. Collects uncaught page errors.
 * `clock`: the page runs on Playwright's fake clock (flowing until a test pauses it).
 */
async function openDemo(t, { width = 1280, height = 900, clock = false } = {}) {
  const context = await browser.newContext({ viewport: { width, height } });
  t.after(() => context.close());
  if (clock) await context.clock.install();
  const page = await context.newPage();
  const pageErrors = [];
  const consoleErrors = [];
  const responses = [];
  page.on("response", (res) => responses.push({ path: new URL(res.url()).pathname, status: res.status(), type: res.headers()["content-type"] }));
  page.on("pageerror", (err) => pageErrors.push(err));
  page.on("console", (msg) => msg.type() === "error" && consoleErrors.push(msg.text()));
  await page.goto(demo.urls.page);
  await page.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 15000 });
  return { page, pageErrors, consoleErrors, responses };
}

const byTestId = (page, ...ids) => page.locator(ids.map((id) => `[data-testid="${id}"]`).join(" "));

async function getToken(page) {
  await byTestId(page, "get-token").click();
  await byTestId(page, "token-result").waitFor({ state: "visible", timeout: 10000 });
}

function countdownState(page) {
  return page.evaluate(() => {
    const bar = document.querySelector('[data-testid="expiry-bar"]');
    const fill = bar.firstElementChild;
    const [m, s] = document.querySelector('[data-testid="countdown"]').textContent.split(":").map(Number);
    return {
      text: document.querySelector('[data-testid="countdown"]').textContent,
      seconds: m * 60 + s,
      remainingMs: Number(bar.dataset.remainingMs),
      valueNow: Number(bar.getAttribute("aria-valuenow")),
      // The width the page set (in %), not the drawn one: the bar's CSS transition runs on
      // the compositor's real time, which the test's fake clock doesn't move.
      fillPercent: parseFloat(fill.style.width),
    };
  });
}

describe("demo page: get a token", () => {
  test("the prefilled form gets a token from the built-in server and shows its claims", async (t) => {
    const { page, pageErrors, consoleErrors, responses } = await openDemo(t);
    // The page runs the real package build, wasm included, not a copy of its logic.
    const served = (path) => responses.find((r) => r.path === path);
    assert.equal(served("/dist/browser.mjs")?.status, 200);
    assert.match(served("/dist/browser.mjs").type, /^text\/javascript/);
    assert.equal(served("/dist/client_credentials_bg.wasm")?.status, 200);
    assert.equal(served("/dist/client_credentials_bg.wasm").type, "application/wasm");
    assert.equal(await byTestId(page, "token-url").inputValue(), demo.urls.tokenUrl);
    assert.equal(await byTestId(page, "client-id").inputValue(), "archival-service");
    assert.equal(await byTestId(page, "scope").inputValue(), "openid profile");
    demo.authServer.resetStats();

    await getToken(page);

    // The request really went from the page, with the seed's Postman settings.
    assert.equal(demo.authServer.stats.grants.length, 1);
    const grant = demo.authServer.stats.grants[0];
    assert.equal(grant.clientId, "archival-service");
    assert.equal(grant.authMethod, "client_secret_basic");
    assert.equal(grant.origin, new URL(demo.urls.page).origin);

    const payload = await byTestId(page, "token-result", "payload").textContent();
    const claims = JSON.parse(payload);
    assert.equal(claims.azp, "archival-service");
    assert.equal(claims.preferred_username, "service-account-archival-service");
    assert.equal(claims.iss, demo.urls.issuer);
    const header = JSON.parse(await byTestId(page, "token-result", "header").textContent());
    assert.equal(header.alg, "RS256");

    const raw = JSON.parse(await byTestId(page, "raw-response").textContent());
    assert.equal(raw.token_type, "Bearer");
    assert.equal(raw.expires_in, 300);
    assert.equal(await byTestId(page, "access-token").textContent(), raw.access_token);

    assert.deepEqual(await byTestId(page, "token-result", "scopes").locator("li").allTextContents(), ["openid", "profile"]);
    assert.deepEqual(
      await byTestId(page, "token-result", "realm-roles").locator("li").allTextContents(),
      ["default-roles-sivalabs", "offline_access", "uma_authorization"],
    );
    const clientRoles = await byTestId(page, "token-result", "client-roles").locator("li").allTextContents();
    assert.ok(clientRoles.some((c) => c.includes("account") && c.includes("manage-account")), clientRoles.join(", "));
    assert.match(await byTestId(page, "token-result", "summary").textContent(), /service-account-archival-service/);

    // The page checks the token as a resource server would: verifyJwt with the issuer's JWKS.
    await page.waitForFunction(() => /^[✓✗]/.test(document.querySelector('[data-testid="signature-status"]').textContent), null, { timeout: 10000 });
    assert.match(await byTestId(page, "signature-status").textContent(), new RegExp(`^✓ Signature verified by the issuer's JWKS \\(RS256, key ${header.kid}\\)`));

    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
  });

  test("the expiry countdown and bar go down with the page's clock, and say when the token expired", async (t) => {
    // The page's clock is driven (Playwright's fake clock), so a busy machine can't stretch or skip the minute.
    const { page } = await openDemo(t, { clock: true });
    await getToken(page);
    await page.clock.pauseAt(Date.now() + 2000);
    const first = await countdownState(page);
    assert.ok(first.remainingMs > 290_000 && first.remainingMs <= 300_000, `remaining ${first.remainingMs} ms`);
    assert.match(first.text, /^[45]:\d\d$/);
    await page.clock.runFor(60_000);
    const second = await countdownState(page);
    const elapsed = first.remainingMs - second.remainingMs;
    // The page redraws every 250 ms, so the two readings are whole redraws apart.
    assert.ok(Math.abs(elapsed - 60_000) <= 250, `countdown moved ${elapsed} ms in 60 s of the page's clock`);
    assert.ok(Math.abs(first.seconds - second.seconds - 60) <= 1, `${first.text} -> ${second.text}`);
    assert.ok(second.valueNow < first.valueNow, `aria-valuenow ${first.valueNow} -> ${second.valueNow}`);
    assert.ok(Math.abs(first.fillPercent - second.fillPercent - 20) <= 0.1, `bar ${first.fillPercent}% -> ${second.fillPercent}%: 60 s of 300 s is 20%`);
    await page.clock.runFor(second.remainingMs + 250);
    assert.equal(await byTestId(page, "countdown").textContent(), "expired");
    assert.equal((await countdownState(page)).remainingMs, 0);
  });

  test("client authentication in the form body is sent as client_secret_post", async (t) => {
    const { page } = await openDemo(t);
    demo.authServer.resetStats();
    await byTestId(page, "auth-post").check();
    await getToken(page);
    assert.equal(demo.authServer.stats.grants.at(-1)?.authMethod, "client_secret_post");
  });

  test("a wrong secret shows ERR_OAUTH invalid_client", async (t) => {
    const { page, pageErrors } = await openDemo(t);
    await byTestId(page, "client-secret").fill("not-the-secret");
    await byTestId(page, "get-token").click();
    const box = byTestId(page, "token-error");
    await box.waitFor({ state: "visible", timeout: 10000 });
    assert.equal(await byTestId(page, "token-error", "error-code").textContent(), "ERR_OAUTH");
    assert.equal(await byTestId(page, "token-error", "oauth-error").textContent(), "invalid_client");
    assert.match(await box.textContent(), /HTTP 401/);
    assert.equal(await byTestId(page, "token-result").isVisible(), false);
    assert.equal(await byTestId(page, "call-api").isDisabled(), true);
    assert.deepEqual(pageErrors, []);
  });

  test("an unreachable token endpoint shows ERR_NETWORK with the CORS / Web origins hint", async (t) => {
    const { page } = await openDemo(t);
    const port = await freePort();
    await byTestId(page, "token-url").fill(`http://localhost:${port}/realms/sivalabs/protocol/openid-connect/token`);
    await byTestId(page, "get-token").click();
    await byTestId(page, "token-error").waitFor({ state: "visible", timeout: 10000 });
    assert.equal(await byTestId(page, "token-error", "error-code").textContent(), "ERR_NETWORK");
    const text = await byTestId(page, "token-error").textContent();
    assert.match(text, /CORS/);
    assert.match(text, /Web origins/);
    assert.ok(text.includes(new URL(demo.urls.page).origin), text);
  });
});

describe("demo page: the protected API", () => {
  test("Call API sends the token and shows 200 with the archives", async (t) => {
    const { page } = await openDemo(t);
    assert.equal(await byTestId(page, "call-api").isDisabled(), true, "no token yet");
    await getToken(page);
    await byTestId(page, "call-api").click();
    const status = byTestId(page, "api-status");
    await page.waitForFunction(() => /^\d{3}/.test(document.querySelector('[data-testid="api-status"]').textContent));
    assert.match(await status.textContent(), /^200\b/);
    const body = JSON.parse(await byTestId(page, "api-body").textContent());
    assert.equal(body.caller.client, "archival-service");
    assert.ok(body.archives.length > 0);
  });

  test("Call without a token shows 401 and the Bearer challenge", async (t) => {
    const { page } = await openDemo(t);
    await byTestId(page, "call-api-anon").click();
    await page.waitForFunction(() => /^\d{3}/.test(document.querySelector('[data-testid="api-status"]').textContent));
    assert.match(await byTestId(page, "api-status").textContent(), /^401\b/);
    assert.match(await byTestId(page, "api-challenge").textContent(), /WWW-Authenticate: Bearer realm=/);
  });

  test("the API answers 401 with WWW-Authenticate without a valid token, 200 with one", async () => {
    const origin = new URL(demo.urls.page).origin;

    const none = await fetch(demo.urls.api);
    assert.equal(none.status, 401);
    const challenge = none.headers.get("www-authenticate");
    assert.match(challenge, /^Bearer /);
    assert.doesNotMatch(challenge, /error=/, "RFC 6750 §3.1: no error code when no token was sent");

    const garbage = await fetch(demo.urls.api, { headers: { authorization: "Bearer abc.def.ghi", origin } });
    assert.equal(garbage.status, 401);
    assert.match(garbage.headers.get("www-authenticate"), /error="invalid_token"/);
    assert.equal(garbage.headers.get("access-control-allow-origin"), origin);

    // Signed by someone else's key, with the right issuer: the JWKS check refuses it.
    const { privateKey } = await generateKeyPair("RS256");
    const forged = await new SignJWT({ azp: "archival-service" })
      .setProtectedHeader({ alg: "RS256", kid: "forged" })
      .setIssuer(demo.urls.issuer)
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    const forgedRes = await fetch(demo.urls.api, { headers: { authorization: `Bearer ${forged}` } });
    assert.equal(forgedRes.status, 401);
    assert.match(forgedRes.headers.get("www-authenticate"), /error="invalid_token"/);

    const { client } = demo;
    const tokenRes = await fetch(demo.urls.tokenUrl, {
      method: "POST",
      headers: { authorization: `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}` },
      body: new URLSearchParams({ grant_type: "client_credentials" }),
    });
    const { access_token: token } = await tokenRes.json();
    const ok = await fetch(demo.urls.api, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).caller.client, "archival-service");

    // The same valid token at an API that trusts another issuer: refused on `iss`.
    const other = await startResourceServer({ issuer: "http://localhost:1/realms/other", jwksUri: demo.urls.jwksUri, port: 0 });
    try {
      const res = await fetch(`http://127.0.0.1:${other.port}/api/archives`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate"), /error="invalid_token".*iss/);
    } finally {
      await other.close();
    }

    // CORS preflight for the page's Authorization header.
    const preflight = await fetch(demo.urls.api, {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get("access-control-allow-origin"), origin);
    assert.match(preflight.headers.get("access-control-allow-headers"), /authorization/i);
  });
});

describe("demo page: decode a token", () => {
  test("the seed's example token decodes offline", async (t) => {
    const { page } = await openDemo(t);
    await byTestId(page, "use-seed").click();
    await byTestId(page, "decode-result").waitFor({ state: "visible" });
    const payloadText = await byTestId(page, "decode-result", "payload").textContent();
    assert.match(payloadText, /"preferred_username": "service-account-archival-service"/);
    assert.deepEqual(JSON.parse(payloadText), SEED_CLAIMS.payload);
    assert.deepEqual(JSON.parse(await byTestId(page, "decode-result", "header").textContent()), SEED_CLAIMS.header);
    assert.equal(await byTestId(page, "decode-result", "signature").textContent(), SEED_CLAIMS.signature);
    assert.deepEqual(await byTestId(page, "decode-result", "scopes").locator("li").allTextContents(), ["email", "profile"]);
    assert.match(await byTestId(page, "decode-result", "summary").textContent(), /expired/);
    assert.equal(await byTestId(page, "decode-error").isVisible(), false);
  });

  test("a malformed token shows ERR_INVALID_JWT and its message", async (t) => {
    const { page } = await openDemo(t);
    await byTestId(page, "jwt-input").fill("eyJhbGciOiJSUzI1NiJ9.not-a-jwt");
    await byTestId(page, "decode").click();
    await byTestId(page, "decode-error").waitFor({ state: "visible" });
    assert.equal(await byTestId(page, "decode-error", "error-code").textContent(), "ERR_INVALID_JWT");
    assert.match(await byTestId(page, "decode-error", "error-message").textContent(), /three dot-separated segments/);
    assert.equal(await byTestId(page, "decode-result").isVisible(), false);

    // Fixing the input clears the error.
    await byTestId(page, "use-seed").click();
    await byTestId(page, "decode-result").waitFor({ state: "visible" });
    assert.equal(await byTestId(page, "decode-error").isVisible(), false);
  });
});

describe("demo page: layout and accessibility", () => {
  for (const width of [390, 1280]) {
    test(`no horizontal scrolling at ${width} px, with every result shown`, async (t) => {
      const { page } = await openDemo(t, { width, height: 900 });
      await getToken(page);
      await byTestId(page, "call-api").click();
      await page.waitForFunction(() => /^200/.test(document.querySelector('[data-testid="api-status"]').textContent));
      await byTestId(page, "use-seed").click();
      await byTestId(page, "decode-result").waitFor({ state: "visible" });

      const { scrollWidth, innerWidth, wide } = await page.evaluate(() => ({
        scrollWidth: document.documentElement.scrollWidth,
        innerWidth: window.innerWidth,
        // Any element sticking out to the right, for a useful failure message.
        wide: [...document.querySelectorAll("body *")]
          .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
          .slice(0, 5)
          .map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`),
      }));
      assert.ok(scrollWidth <= innerWidth, `scrollWidth ${scrollWidth} > innerWidth ${innerWidth}: ${wide.join(", ")}`);
      assert.deepEqual(wide, []);

      mkdirSync(screenshots, { recursive: true });
      await page.screenshot({ path: join(screenshots, `demo-${width}.png`), fullPage: true });
    });
  }

  test("every control has a label, and the keyboard reaches the form with a visible focus ring", async (t) => {
    const { page } = await openDemo(t);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("input, textarea, select")]
        .filter((e) => e.type !== "hidden" && e.labels.length === 0 && !e.getAttribute("aria-label"))
        .map((e) => e.id || e.name),
    );
    assert.deepEqual(unlabelled, []);
    assert.match(await byTestId(page, "secret-note").textContent(), /local testing only/i);

    let focused = "";
    for (let i = 0; i < 10 && focused !== "token-url"; i += 1) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.id);
    }
    assert.equal(focused, "token-url", "Tab reaches the token URL field");
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement);
      return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
    });
    assert.notEqual(outline.style, "none");
    assert.ok(outline.width >= 2, `focus outline ${outline.width}px`);

    // The whole flow works from the keyboard: Enter in a field submits the form.
    await page.keyboard.press("Enter");
    await byTestId(page, "token-result").waitFor({ state: "visible", timeout: 10000 });
  });
});

// ---------------------------------------------------------------- `npm start` as a process


describe("npm start (scripts/start.mjs as a process)", () => {
  for (const signal of ["SIGINT", "SIGTERM"]) {
    test(`prints the URLs and the dev credentials, serves, and stops cleanly on ${signal}`, async (t) => {
      const child = spawn(process.execPath, ["scripts/start.mjs", "--no-build", "--port", "0", "--auth-port", "0", "--api-port", "0"], {
        cwd: root,
        // Its own process group, so that afterwards we can check that nothing of it is left.
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      t.after(() => {
        if (processGroupAlive(child.pid)) process.kill(-child.pid, "SIGKILL");
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const exited = new Promise((resolve) => child.once("exit", (code, sig) => resolve({ code, signal: sig })));

      const ready = await printed(child, () => output, /^Ready: /m, { exited, limitMs: 20000 });
      assert.ok(ready, `no "Ready" line:\n${output}`);

      assert.match(output, /client id\s+archival-service/);
      assert.match(output, /client secret\s+bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a/);
      const page = /Page\s+(http:\S+)/.exec(output)[1];
      const tokenUrl = /Token endpoint\s+(http:\S+)/.exec(output)[1];
      const api = /Protected API\s+(http:\S+)/.exec(output)[1];
      const ports = [page, tokenUrl, api].map((u) => Number(new URL(u).port));
      assert.equal(new Set(ports).size, 3, ports.join(", "));

      const html = await fetch(page);
      assert.equal(html.status, 200);
      assert.match(await html.text(), /<title>client-credentials/);
      const wasm = await fetch(new URL("/dist/client_credentials_bg.wasm", page));
      assert.equal(wasm.headers.get("content-type"), "application/wasm");
      await wasm.arrayBuffer();
      const config = await (await fetch(new URL("/config.json", page))).json();
      assert.equal(config.tokenUrl, tokenUrl);
      assert.equal(config.apiUrl, api);
      const tokenRes = await fetch(tokenUrl, {
        method: "POST",
        body: new URLSearchParams({ grant_type: "client_credentials", client_id: config.clientId, client_secret: config.clientSecret }),
      });
      assert.equal(tokenRes.status, 200);
      for (const port of ports) assert.equal(await listening(port), true, `port ${port} listens`);

      process.kill(child.pid, signal);
      const result = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve("timeout"), 10000).unref())]);
      assert.deepEqual(result, { code: 0, signal: null }, output);
      for (const port of ports) assert.equal(await listening(port), false, `port ${port} still listens`);
      assert.equal(processGroupAlive(child.pid), false, "a process of the demo is still running");
    });
  }

  test("--token-url configures the page for an external server and starts no built-in one (the config only; the Keycloak demo test below talks to one)", async () => {
    const external = await startDemo({
      port: 0,
      apiPort: 0,
      tokenUrl: "https://kc.example/realms/acme/protocol/openid-connect/token",
      clientId: "billing",
      jwksUri: "https://kc.example/realms/acme/protocol/openid-connect/certs",
    });
    try {
      assert.equal(external.authServer, undefined);
      assert.equal(external.builtIn, false);
      const config = await (await fetch(external.urls.config)).json();
      assert.equal(config.tokenUrl, "https://kc.example/realms/acme/protocol/openid-connect/token");
      assert.equal(config.issuer, "https://kc.example/realms/acme");
      assert.equal(config.clientId, "billing");
      assert.equal(config.builtIn, false);
    } finally {
      await external.close();
    }
  });
});

describe("demo page against a real Keycloak (npm start -- --keycloak)", () => {
  let kcDemo;
  before(async () => {
    kcDemo = await startDemo({ keycloak: true, port: 0, authPort: 0, apiPort: 0 });
  });
  after(() => kcDemo?.close());

  test("the prefilled form gets Keycloak's token, shows its roles, and calls the API with it", async (t) => {
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await context.newPage();
    const pageErrors = [];
    page.on("pageerror", (err) => pageErrors.push(err));
    await page.goto(kcDemo.urls.page);
    await page.waitForFunction(() => document.documentElement.dataset.ready === "true", null, { timeout: 15000 });
    assert.equal(await byTestId(page, "token-url").inputValue(), `http://localhost:${kcDemo.keycloak.port}/realms/sivalabs/protocol/openid-connect/token`);
    const grants = await kcDemo.keycloak.tokenGrants("archival-service");

    await getToken(page);

    assert.equal(await kcDemo.keycloak.tokenGrants("archival-service"), grants + 1, "Keycloak recorded the page's grant");
    const claims = JSON.parse(await byTestId(page, "token-result", "payload").textContent());
    assert.equal(claims.iss, kcDemo.urls.issuer);
    assert.equal(claims.azp, "archival-service");
    assert.equal(claims.preferred_username, "service-account-archival-service");
    const realmRoles = await byTestId(page, "token-result", "realm-roles").locator("li").allTextContents();
    assert.ok(realmRoles.includes("archiver"), realmRoles.join(", "));
    const clientRoles = await byTestId(page, "token-result", "client-roles").locator("li").allTextContents();
    assert.ok(clientRoles.some((c) => c.includes("archive-api") && c.includes("archives:read")), clientRoles.join(", "));
    const raw = JSON.parse(await byTestId(page, "raw-response").textContent());
    assert.equal(raw["not-before-policy"], 0);
    // verifyJwt in the page, with Keycloak's JWKS found by discovery.
    await page.waitForFunction(() => /^[✓✗]/.test(document.querySelector('[data-testid="signature-status"]').textContent), null, { timeout: 10000 });
    assert.match(await byTestId(page, "signature-status").textContent(), /^✓ Signature verified by the issuer's JWKS \(RS256, key /);

    await byTestId(page, "call-api").click();
    await page.waitForFunction(() => /^\d{3}/.test(document.querySelector('[data-testid="api-status"]').textContent));
    assert.match(await byTestId(page, "api-status").textContent(), /^200\b/);
    assert.equal(JSON.parse(await byTestId(page, "api-body").textContent()).caller.client, "archival-service");
    await page.screenshot({ path: join(screenshots, "demo-keycloak.png"), fullPage: true });
    assert.deepEqual(pageErrors, []);
  });
});
