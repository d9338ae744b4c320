// A real Glewlwyd 2 (Debian's `glewlwyd` package; .ci/run installs it) on a free
// loopback port, with a fresh SQLite database: the OAuth2 plugin (`glwd`) for the
// client credentials grant, and the clients given, made through its admin API.
//
// Glewlwyd is the server `basicEncoding: "raw"` exists for: it reads the Basic
// credentials as they are and does not form-decode them (RFC 6749 §2.3.1 says
// it should), so a secret with `%`, `+` or `:` only works raw.
//
//   const glw = await startGlewlwyd({ clients: [{ clientId, clientSecret }] });
//   glw.tokenUrl; await glw.close();

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { freePort } from "../../scripts/net.mjs";

const DOC = "/usr/share/doc/glewlwyd";
const ADMIN = { username: "admin", password: "password" }; // the package's initial admin

/** The OAuth2 plugin, with only the client credentials grant (parameters as Glewlwyd's own tests set them). */
const PLUGIN = {
  "jwt-type": "sha",
  "jwt-key-size": "256",
  key: "glewlwyd-test-signing-key-0123456789",
  "access-token-duration": 300,
  "refresh-token-duration": 1209600,
  "code-duration": 600,
  "refresh-token-rolling": false,
  "auth-type-code-enabled": false,
  "auth-type-implicit-enabled": false,
  "auth-type-password-enabled": false,
  "auth-type-client-enabled": true,
  "auth-type-refresh-enabled": false,
  scope: [],
};

export async function startGlewlwyd({ clients = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "glewlwyd-"));
  const db = join(dir, "glewlwyd.db");
  const sql = `${gunzipSync(readFileSync(join(DOC, "database/init.sqlite3.sql.gz")))}
INSERT INTO g_plugin_module_instance (gpmi_module, gpmi_name, gpmi_display_name, gpmi_parameters) VALUES ('oauth2-glewlwyd', 'glwd', 'OAuth2', '${JSON.stringify(PLUGIN)}');`;
  const init = spawnSync("sqlite3", [db], { input: sql, encoding: "utf8" });
  if (init.status !== 0) throw new Error(`glewlwyd: sqlite3 failed: ${init.stderr || init.error}`);

  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  // The package's sample configuration, on loopback, with this database.
  const config = gunzipSync(readFileSync(join(DOC, "glewlwyd.conf.sample.gz")))
    .toString()
    .replace(/^port=.*$/m, `port=${port}`)
    .replace(/^#bind_address=.*$/m, 'bind_address="127.0.0.1"')
    .replace(/^external_url=.*$/m, `external_url="${origin}"`)
    .replace(/^cookie_domain=.*$/m, 'cookie_domain="127.0.0.1"')
    .replace(/^cookie_secure=.*$/m, "cookie_secure=0")
    .replace(/^log_level=.*$/m, 'log_level="ERROR"')
    .replace(/^static_files_path=.*$/m, "")
    .replace(/path = "\/var\/cache\/glewlwyd\/glewlwyd.db"/, `path = "${db}"`);
  writeFileSync(join(dir, "glewlwyd.conf"), config);

  const child = spawn("glewlwyd", ["-c", join(dir, "glewlwyd.conf")], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const close = async () => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Ready when the admin can log in; the session cookie then makes the clients.
    let cookie;
    for (let i = 0; cookie === undefined; i++) {
      if (child.exitCode !== null || i > 100) throw new Error(`glewlwyd did not start:\n${output}`);
      try {
        const res = await fetch(`${origin}/api/auth/`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ADMIN) });
        if (res.ok) cookie = res.headers.get("set-cookie").split(";")[0];
        else throw new Error(`admin login: HTTP ${res.status}`);
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    for (const { clientId, clientSecret } of clients) {
      const res = await fetch(`${origin}/api/client/`, {
        method: "POST",
        headers: { "content-type": "application/json", cookie },
        body: JSON.stringify({ client_id: clientId, name: clientId, confidential: true, password: clientSecret, authorization_type: ["client_credentials"], scope: ["openid"], enabled: true }),
      });
      if (!res.ok) throw new Error(`glewlwyd: creating client ${clientId}: HTTP ${res.status} ${await res.text()}`);
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { tokenUrl: `${origin}/api/glwd/token/`, close };
}
