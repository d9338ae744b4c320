#!/usr/bin/env node
// Screenshots of the Keycloak admin console for docs/keycloak.md, taken from the
// tests' Keycloak (the seed's realm, tests/fixtures/keycloak/realm-sivalabs.json) in
// headless Chromium. Each shot is of one section of the `archival-service` client,
// found by its label; a label Keycloak no longer shows fails the run, so the check
// (tests/docs/keycloak-screenshots.test.mjs) notices when the docs name a setting
// the console has renamed.
//
//   node scripts/docs/keycloak-screenshots.mjs              write docs/images/keycloak-*.png
//   node scripts/docs/keycloak-screenshots.mjs --out DIR    write them to DIR instead
//
// KEYCLOAK_SHARED (set by `npm test`) attaches to the running instance; otherwise
// one is started and stopped.
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { ADMIN, startKeycloak } from "../keycloak.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * The shots: the client tab to open, the label of the section to frame, and the
 * labels that must be on it (the settings docs/keycloak.md names).
 */
export const SHOTS = [
  {
    file: "keycloak-capability-config.png",
    tab: "settings",
    section: "Capability config",
    labels: ["Client authentication", "Authorization", "Service account roles", "Standard flow"],
  },
  {
    file: "keycloak-credentials.png",
    tab: "credentials",
    section: "Client Authenticator",
    labels: ["Client Authenticator", "Client Secret"],
    width: 940,
    height: 230,
  },
  {
    file: "keycloak-service-account-roles.png",
    tab: "serviceAccount",
    section: "Hide inherited roles",
    labels: ["archiver", "Read archives", "Create archives"],
    above: 60,
    width: 990,
    height: 370,
  },
  {
    file: "keycloak-keys.png",
    tab: "keys",
    section: "Use JWKS URL",
    labels: ["Use JWKS URL"],
    above: 120,
    width: 940,
    height: 260,
  },
];

export async function takeScreenshots({ out = join(root, "docs/images"), log = console.log } = {}) {
  mkdirSync(out, { recursive: true });
  const kc = await startKeycloak();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const written = [];
  try {
    const [client] = await kc.adminApi("/clients?clientId=archival-service");
    if (!client) throw new Error("the realm has no archival-service client");
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(60_000);

    // The admin console's login (the master realm's admin, as scripts/keycloak.mjs bootstraps it).
    await page.goto(`${kc.url}/admin/master/console/`);
    await page.locator("#username").fill(ADMIN.username);
    await page.locator("#password").fill(ADMIN.password);
    await page.locator("#kc-login").click();
    // Back from the login with a code, the console trades it and drops it from the URL.
    await page.waitForURL((url) => url.pathname === "/admin/master/console/" && !url.search.includes("code="));
    await page.getByText("Manage realms", { exact: true }).first().waitFor({ state: "visible" });

    for (const shot of SHOTS) {
      const anchor = page.getByText(shot.section, { exact: true }).filter({ visible: true }).first();
      // The console sometimes answers a deep link with "Could not find the resource" while it
      // is still loading the realm; a reload then shows the page.
      for (let attempt = 1; ; attempt++) {
        if (attempt === 1) await page.goto(`${kc.url}/admin/master/console/#/sivalabs/clients/${client.id}/${shot.tab}`);
        else await page.reload();
        try {
          await anchor.waitFor({ state: "visible", timeout: 20_000 });
          break;
        } catch {
          if (attempt < 3) continue;
          const debug = join(out, `missing-${shot.file}`);
          await page.screenshot({ path: debug });
          throw new Error(`Keycloak's ${shot.tab} tab shows no "${shot.section}" (the page as it was: ${debug})`);
        }
      }
      for (const label of shot.labels) {
        try {
          await page.getByText(label, { exact: true }).first().waitFor({ state: "visible", timeout: 15_000 });
        } catch {
          const debug = join(out, `missing-${shot.file}`);
          await anchor.scrollIntoViewIfNeeded();
          await page.screenshot({ path: debug });
          throw new Error(`Keycloak's ${shot.tab} tab shows no "${label}" (the page as it was: ${debug})`);
        }
      }
      // The section at the top of the scrolling content, then the content column alone
      // (not the navigation, nor the "jump to section" list).
      if (!shot.above) await anchor.evaluate((el) => el.scrollIntoView({ block: "start" }));
      await page.waitForTimeout(500); // PatternFly animates switches and the scroll
      const box = await anchor.boundingBox();
      const top = Math.max(100, box.y - (shot.above ?? 16));
      const path = join(out, shot.file);
      await page.screenshot({ path, clip: { x: 290, y: top, width: shot.width ?? 680, height: Math.min(shot.height ?? 420, 900 - top) } });
      written.push(path);
      log(`✔ ${shot.file}: ${shot.section} (${shot.labels.join(", ")})`);
    }
  } finally {
    await browser.close();
    await kc.stop();
  }
  return written;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf("--out");
  await takeScreenshots(i > 0 ? { out: process.argv[i + 1] } : {});
}
