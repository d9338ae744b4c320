// Chromium (Debian's, driven by playwright-core): private_key_jwt and DPoP from a plain
// page that imports dist/browser.mjs, against oidc-provider across origins (CORS,
// the `DPoP` request header included). WebCrypto here is the browser's own.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import * as http from "node:http";
import { extname, join, normalize } from "node:path";
import { after, before, describe, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { chromium } from "playwright-core";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { installedPackage } from "./support/harness.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm" };
const CLIENT_ID = "archival-service-browser";

describe(`Chromium (${CHROMIUM}): private_key_jwt and DPoP`, () => {
  let web, as, browser, privateJwk;

  before(async () => {
    const project = installedPackage();
    web = http.createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const file = path === "/" ? null : join(project.packageDir, normalize(path.slice(1)));
      if (file === null) {
        res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>keyauth</title>");
        return;
      }
      if (!existsSync(file)) return res.writeHead(404).end();
      res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
    });
    await new Promise((resolve) => web.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${web.address().port}`;
    const key = await generateKeyPair("ES256", { extractable: true });
    privateJwk = { ...(await exportJWK(key.privateKey)), kid: "browser-key" };
    as = await startAuthServer({
      corsOrigins: [origin],
      clients: { browser: { clientId: CLIENT_ID, authMethod: "private_key_jwt", metadata: { jwks: { keys: [{ ...(await exportJWK(key.publicKey)), kid: "browser-key" }] }, dpop_bound_access_tokens: true } } },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    web.origin = origin;
  });

  after(async () => {
    await browser?.close();
    web?.closeAllConnections();
    web?.close();
    await as?.close();
  });

  test("a DPoP token with an assertion signed by the page", { timeout: 60_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(`${web.origin}/`);
    const out = await page.evaluate(
      async ({ tokenUrl, clientId, privateKey }) => {
        const { TokenClient, decodeJwt } = await import("/dist/browser.mjs");
        const client = new TokenClient({ tokenUrl, clientId, authMethod: "private_key_jwt", privateKey, dpop: true });
        try {
          const token = await client.getToken();
          return { tokenType: token.tokenType, clientId: decodeJwt(token.accessToken).payload.client_id, jkt: decodeJwt(token.accessToken).payload.cnf?.jkt };
        } catch (e) {
          return { code: e.code, message: e.message };
        }
      },
      { tokenUrl: as.tokenUrl, clientId: CLIENT_ID, privateKey: privateJwk },
    );
    assert.equal(out.tokenType, "DPoP", JSON.stringify(out));
    assert.equal(out.clientId, CLIENT_ID);
    assert.match(out.jkt, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(as.stats.grants.at(-1).authMethod, "jwt");
    await page.close();
  });
});
