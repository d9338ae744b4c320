#!/usr/bin/env node
// `npm start`: the demo. Builds dist/ when needed, then serves on 127.0.0.1:
//
//   http://localhost:8282/   the page (www/), importing the real build from /dist/
//   http://localhost:9191/   an authorization server shaped like the seed's Keycloak
//                            realm `sivalabs` (scripts/dev-auth-server.mjs)
//   http://localhost:8383/   "Resource Server B", a protected API (scripts/resource-server.mjs)
//
// Against a real Keycloak instead of the built-in server:
//
//   npm start -- --token-url https://kc.example/realms/x/protocol/openid-connect/token --client-id svc [--client-secret ...]
//   KEYCLOAK_URL=http://localhost:8080 REALM=sivalabs CLIENT_ID=archival-service npm start
//
// `node scripts/start.mjs --help` lists every flag. Tests import `startDemo` and run the
// same servers in-process. `npm start` runs scripts/setup.mjs first (npm ci on a fresh
// clone), and this file builds dist/ before it loads the servers, which import the
// package and npm packages: so it imports node: built-ins only at the top.

import * as http from "node:http";
import { spawnSync } from "node:child_process";
import { existsSync, createReadStream, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { listen } from "./net.mjs";
import { REALM_FILE, startKeycloak } from "./keycloak.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const wwwDir = join(root, "www");
const distDir = join(root, "dist");

const DEFAULT_PORTS = { port: 8282, authPort: 9191, apiPort: 8383 };
const DEFAULT_SCOPE = "openid profile";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".ts": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

// The page runs only our own files, plus the wasm ('wasm-unsafe-eval' is all the
// package needs); fetch may go anywhere, since the token URL is whatever the user types.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src *",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The issuer of a Keycloak token URL: `<base>/realms/<realm>/protocol/openid-connect/token` -> `<base>/realms/<realm>`. */
export function keycloakIssuerOf(tokenUrl) {
  const m = /^(.*\/realms\/[^/]+)\/protocol\/openid-connect\/token\/?$/.exec(tokenUrl);
  return m ? m[1] : undefined;
}

/**
 * Serves www/ at `/`, dist/ at `/dist/` and the page's prefilled values at `/config.json`.
 * `getConfig` is called per request, since the other servers' ports are known only later.
 */
function createStaticServer(getConfig) {
  function sendText(res, status, text, type = "text/plain; charset=utf-8", headers = {}) {
    res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
    res.end(text);
  }

  const server = http.createServer((req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendText(res, 405, "method not allowed\n", undefined, { allow: "GET, HEAD" });
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url, "http://x").pathname);
    } catch {
      sendText(res, 400, "bad request\n");
      return;
    }
    if (path === "/config.json") {
      sendText(res, 200, `${JSON.stringify(getConfig(), null, 2)}\n`, CONTENT_TYPES[".json"]);
      return;
    }
    const [base, rel] = path.startsWith("/dist/") ? [distDir, path.slice("/dist/".length)] : [wwwDir, path.slice(1)];
    let file = resolve(base, rel || "index.html");
    // No escaping the served directory with `..` or an absolute path.
    if (file !== base && !file.startsWith(base + sep)) {
      sendText(res, 404, "not found\n");
      return;
    }
    let stat;
    try {
      stat = statSync(file);
      if (stat.isDirectory()) {
        file = join(file, "index.html");
        stat = statSync(file);
      }
    } catch {
      const hint = base === distDir ? " (run `npm run build`)" : "";
      if (hint) console.warn(`demo: ${path} not found${hint}`);
      sendText(res, 404, `not found: ${path}${hint}\n`);
      return;
    }
    res.writeHead(200, {
      "content-type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "content-length": stat.size,
      // Revalidate every time, so a rebuilt dist/ is picked up on reload.
      "cache-control": "no-cache",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      ...(extname(file) === ".html" ? { "content-security-policy": CONTENT_SECURITY_POLICY } : {}),
    });
    if (req.method === "HEAD") res.end();
    else createReadStream(file).pipe(res);
  });
  server.keepAliveTimeout = 1000;
  return server;
}

/**
 * Starts the page, the protected API and (unless `tokenUrl` or `keycloakUrl` points at a
 * real Keycloak) the built-in authorization server, and resolves once all listen.
 *
 * @param {object} [options]
 * @param {number} [options.port=8282] the page; 0 picks a free port (also for the two below).
 * @param {number} [options.authPort=9191] the built-in authorization server.
 * @param {number} [options.apiPort=8383] the protected API.
 * @param {string} [options.host="127.0.0.1"] listen address of all three.
 * @param {string} [options.tokenUrl] a real token endpoint; the built-in server is then not started.
 * @param {string} [options.keycloakUrl] a real Keycloak base URL, with `realm`; sets `tokenUrl` and `issuer`.
 * @param {string} [options.realm="sivalabs"]
 * @param {string} [options.issuer] accepted by the API; default: derived from a Keycloak `tokenUrl`.
 * @param {string} [options.jwksUri] default: the issuer's discovery document.
 * @param {string} [options.audience] required `aud` at the API, when set.
 * @param {string} [options.clientId] prefilled in the page (with the built-in server: registered there too).
 * @param {string} [options.clientSecret]
 * @param {string} [options.scope="openid profile"] the seed's Postman scope.
 * @param {"client_secret_basic"|"client_secret_post"} [options.authMethod="client_secret_basic"]
 * @param {number} [options.accessTokenTtl=300] seconds, built-in server only.
 * @param {boolean} [options.keycloak] start a real Keycloak (scripts/keycloak.mjs) on `authPort` with the
 *   committed `sivalabs` realm instead of the built-in server, and add the page's origins to the
 *   client's Web origins.
 * @param {(line: string) => void} [options.log] Keycloak's download and start progress.
 * @returns {Promise<{ urls: { page: string, config: string, tokenUrl: string, issuer: string, jwksUri?: string, api: string },
 *   client: { clientId: string, clientSecret: string, scope: string, authMethod: string }, builtIn: boolean,
 *   authServer?: object, resourceServer: object, close(): Promise<void> }>}
 */
export async function startDemo({
  port = DEFAULT_PORTS.port,
  authPort = DEFAULT_PORTS.authPort,
  apiPort = DEFAULT_PORTS.apiPort,
  host = "127.0.0.1",
  tokenUrl,
  keycloakUrl,
  realm = "sivalabs",
  issuer,
  jwksUri,
  audience,
  clientId,
  clientSecret,
  scope = DEFAULT_SCOPE,
  authMethod = "client_secret_basic",
  accessTokenTtl = 300,
  keycloak = false,
  log = () => {},
} = {}) {
  if (authMethod !== "client_secret_basic" && authMethod !== "client_secret_post") {
    throw new TypeError(`authMethod must be client_secret_basic or client_secret_post, not ${authMethod}`);
  }
  if (keycloakUrl && !tokenUrl) {
    const realmUrl = `${keycloakUrl.replace(/\/+$/, "")}/realms/${encodeURIComponent(realm)}`;
    tokenUrl = `${realmUrl}/protocol/openid-connect/token`;
    issuer ??= realmUrl;
  }
  const builtIn = !tokenUrl && !keycloak;
  if (tokenUrl) {
    issuer ??= keycloakIssuerOf(tokenUrl);
    if (!issuer) throw new TypeError(`cannot derive the issuer from ${tokenUrl}: pass --issuer`);
  }

  const started = [];
  const closeAll = () => Promise.allSettled(started.map((s) => s.close())).then(() => undefined);
  let config;
  try {
    const staticServer = createStaticServer(() => config);
    const pagePort = await listen(staticServer, port, host);
    started.push({
      close: () =>
        new Promise((done) => {
          staticServer.close(() => done());
          staticServer.closeAllConnections();
        }),
    });
    const pageUrl = `http://localhost:${pagePort}/`;
    // The page as the seed's Root URL names it, and as typed with the loopback address.
    const pageOrigins = [`http://localhost:${pagePort}`, `http://127.0.0.1:${pagePort}`];

    let authServer;
    let client;
    let kc;
    if (keycloak) {
      // The seed's port (9191) unless told otherwise; 0 attaches to npm test's shared instance if there is one.
      kc = await startKeycloak(authPort ? { port: authPort, log } : { log });
      started.push({ close: () => kc.stop() });
      await allowWebOrigins(kc, "archival-service", pageOrigins);
      const seed = JSON.parse(readFileSync(REALM_FILE, "utf8")).clients.find((c) => c.clientId === "archival-service");
      client = { clientId: clientId ?? seed.clientId, clientSecret: clientSecret ?? seed.secret, authMethod, scope };
      // `localhost`, as in the seed: Keycloak names the issuer after the host it was asked by.
      issuer = `http://localhost:${kc.port}/realms/${kc.realm}`;
      tokenUrl = `${issuer}/protocol/openid-connect/token`;
      // The API fetches keys by address: Node may resolve localhost to ::1, where Keycloak is not.
      jwksUri = kc.jwksUri;
    } else if (builtIn) {
      const extra = clientId ? { demo: { clientId, clientSecret: clientSecret ?? "", authMethod } } : {};
      const { startAuthServer } = await import("./dev-auth-server.mjs");
      authServer = await startAuthServer({ port: authPort, host, realm, corsOrigins: pageOrigins, accessTokenTtl, clients: extra });
      started.push(authServer);
      const registered = clientId ? authServer.clients.demo : authServer.clients.basic;
      client = { clientId: registered.clientId, clientSecret: registered.clientSecret, authMethod, scope };
      // The issuer's host name, as in the seed (`http://localhost:9191/realms/sivalabs/...`).
      tokenUrl = authServer.issuerTokenUrl;
      issuer = authServer.issuer;
      jwksUri = authServer.jwksUri;
    } else {
      client = { clientId: clientId ?? "", clientSecret: clientSecret ?? "", authMethod, scope };
    }

    const { startResourceServer } = await import("./resource-server.mjs");
    const resourceServer = await startResourceServer({ issuer, jwksUri, audience, port: apiPort, host, corsOrigins: pageOrigins });
    started.push(resourceServer);

    config = {
      builtIn,
      realm: builtIn || kc ? realm : undefined,
      issuer,
      tokenUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: client.scope,
      authMethod: client.authMethod,
      apiUrl: resourceServer.url,
    };

    let closing;
    return {
      urls: { page: pageUrl, config: `${pageUrl}config.json`, tokenUrl, issuer, jwksUri, api: resourceServer.url },
      client,
      builtIn,
      authServer,
      keycloak: kc,
      resourceServer,
      /** Stops every server this call started. Safe to call twice. */
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/** Adds `origins` to a Keycloak client's Web origins (CORS), through the admin REST API. */
async function allowWebOrigins(kc, clientId, origins) {
  const [rep] = await kc.adminApi(`/clients?clientId=${encodeURIComponent(clientId)}`);
  const webOrigins = [...new Set([...(rep.webOrigins ?? []), ...origins])];
  await kc.adminApi(`/clients/${rep.id}`, { method: "PUT", body: { ...rep, webOrigins } });
}

const USAGE = `usage: npm start -- [options]        (or: node scripts/start.mjs [options])

  --port N            the page                       (default 8282, 0 = any free port)
  --auth-port N       the built-in authorization server (default 9191)
  --api-port N        the protected API              (default 8383)
  --host ADDR         listen address                 (default 127.0.0.1)
  --no-build          do not run \`node scripts/build.mjs --if-needed\` first

The real Keycloak of the tests (scripts/keycloak.mjs: downloaded from Maven Central once,
needs Java 21+), with the committed realm \`sivalabs\`, on the auth port:
  --keycloak

Your own Keycloak instead of the built-in server (also as env KEYCLOAK_URL, REALM, TOKEN_URL,
CLIENT_ID, CLIENT_SECRET, SCOPE):
  --keycloak-url URL  e.g. http://localhost:8080, with --realm
  --realm NAME        default sivalabs
  --token-url URL     e.g. https://kc.example/realms/x/protocol/openid-connect/token
  --issuer URL        accepted by the API (default: from a Keycloak token URL)
  --jwks-uri URL      (default: from the issuer's discovery document)
  --audience AUD      require this \`aud\` at the API
  --client-id ID --client-secret SECRET --scope "openid profile"
  --auth-method client_secret_basic|client_secret_post
  --ttl SECONDS       token lifetime of the built-in server (default 300)`;

function parseArgs(argv, env) {
  const opts = {};
  let build = true;
  const number = (flag, v) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} needs a port number, not ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--port": opts.port = number(flag, value()); break;
      case "--auth-port": opts.authPort = number(flag, value()); break;
      case "--api-port": opts.apiPort = number(flag, value()); break;
      case "--host": opts.host = value(); break;
      case "--keycloak-url": opts.keycloakUrl = value(); break;
      case "--realm": opts.realm = value(); break;
      case "--token-url": opts.tokenUrl = value(); break;
      case "--issuer": opts.issuer = value(); break;
      case "--jwks-uri": opts.jwksUri = value(); break;
      case "--audience": opts.audience = value(); break;
      case "--client-id": opts.clientId = value(); break;
      case "--client-secret": opts.clientSecret = value(); break;
      case "--scope": opts.scope = value(); break;
      case "--auth-method": opts.authMethod = value(); break;
      case "--ttl": opts.accessTokenTtl = number(flag, value()); break;
      case "--no-build": build = false; break;
      case "--keycloak": opts.keycloak = true; break;
      case "--help": case "-h": console.log(USAGE); process.exit(0); break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  opts.keycloakUrl ??= env.KEYCLOAK_URL || undefined;
  opts.realm ??= env.REALM || env.KEYCLOAK_REALM || undefined;
  opts.tokenUrl ??= env.TOKEN_URL || undefined;
  // Client settings from the environment only for a real server: the built-in one has its own.
  if (opts.keycloakUrl || opts.tokenUrl) {
    opts.clientId ??= env.CLIENT_ID || undefined;
    opts.clientSecret ??= env.CLIENT_SECRET || undefined;
    opts.scope ??= env.SCOPE || undefined;
  }
  for (const key of Object.keys(opts)) if (opts[key] === undefined) delete opts[key];
  return { opts, build };
}

function printBanner(demo) {
  const { urls, client, builtIn, authServer, keycloak } = demo;
  const lines = ["", "client-credentials demo", ""];
  lines.push(`  Page             ${urls.page}`);
  lines.push(`  Token endpoint   ${urls.tokenUrl}`);
  lines.push(`  Issuer           ${urls.issuer}${builtIn ? "  (built-in authorization server)" : ""}`);
  lines.push(`  Protected API    ${urls.api}`);
  lines.push("");
  if (builtIn) {
    lines.push("  Demo client (a development secret, like the seed's):");
    lines.push(`    client id      ${client.clientId}`);
    lines.push(`    client secret  ${client.clientSecret}`);
    lines.push(`    scope          ${client.scope}`);
    const post = authServer.clients.post;
    lines.push(`    also           ${post.clientId} / ${post.clientSecret}`);
    lines.push("");
    lines.push("  The seed's curl call against it:");
    lines.push(`    curl ${urls.tokenUrl} \\`);
    lines.push(`      --data-urlencode grant_type=client_credentials --data-urlencode client_id=${client.clientId} \\`);
    lines.push(`      --data-urlencode client_secret=${client.clientSecret}`);
  } else if (keycloak) {
    lines.push(`  Keycloak ${keycloak.version} (Java ${keycloak.java}), started in ${keycloak.startSeconds.toFixed(1)} s`);
    lines.push(`    admin console  ${keycloak.url}/admin/  (admin / admin, development only)`);
    lines.push(`    client id      ${client.clientId}`);
    lines.push(`    client secret  ${client.clientSecret}  (the realm export's development secret)`);
    lines.push(`    scope          ${client.scope}`);
    lines.push(`    Web origins    ${new URL(urls.page).origin} added to ${client.clientId}`);
  } else {
    lines.push(`  Client id        ${client.clientId || "(type it in the page)"}`);
    // A real secret is not echoed; it is only prefilled in the page, on this machine.
    lines.push(`  Client secret    ${client.clientSecret ? "(given; prefilled in the page)" : "(type it in the page)"}`);
    lines.push(`  In Keycloak, add ${new URL(urls.page).origin} to the client's Web origins, or the browser's CORS check fails.`);
  }
  lines.push("");
  console.log(lines.join("\n"));
  console.log(`Ready: ${urls.page}  (Ctrl-C stops)`);
}

async function main() {
  let parsed;
  try {
    parsed = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`start: ${err.message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (parsed.build) {
    const r = spawnSync(process.execPath, [join(root, "scripts", "build.mjs"), "--if-needed"], { cwd: root, stdio: "inherit" });
    if (r.status !== 0) {
      console.error("start: the build failed; see above");
      process.exit(r.status ?? 1);
    }
  } else if (!existsSync(join(distDir, "browser.mjs"))) {
    console.warn("start: dist/browser.mjs is missing; run `npm run build` (the page needs it)");
  }

  let demo;
  try {
    demo = await startDemo({ ...parsed.opts, log: (line) => console.log(line) });
  } catch (err) {
    const hint = err.code === "EADDRINUSE" ? " (another server uses that port: pick one with --port, --auth-port or --api-port)" : "";
    console.error(`start: ${err.message}${hint}`);
    process.exit(1);
  }
  printBanner(demo);

  let stopping = false;
  const stop = (signal) => {
    if (stopping) process.exit(1); // a second Ctrl-C does not wait
    stopping = true;
    console.log(`\n${signal}: stopping the demo servers`);
    // Keycloak shuts down gracefully in a few seconds; the built-in servers at once.
    const limit = demo.keycloak ? 20 : 5;
    setTimeout(() => {
      console.error(`start: servers did not close within ${limit} s; exiting anyway`);
      process.exit(1);
    }, limit * 1000).unref();
    demo.close().then(() => process.exit(0));
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
