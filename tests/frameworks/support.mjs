// The same protected API in each framework, on a loopback port, guarded by
// the package's adapter for it: what tests/frameworks/*.test.mjs drive with
// Keycloak's tokens.
//
//   const app = await APPS.express5(routes(kc.issuer));
//   await fetch(app.url("/api/archives"), { headers: { authorization: `Bearer ${token}` } });
//   await app.close();
//
// `routes` maps each path to the adapter's options; every route answers 200
// `{ azp, alg, roles, active }` from the `auth` the adapter set, and an
// error handler answers 500 `{ name, code }` with the error it received.

import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SignJWT, exportJWK } from "jose";
import { listen } from "../../scripts/net.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

import { failure, honoRoutes, summary } from "./fixtures/hono-app.mjs";

/** Starts `app` (a node:http server) on a loopback port. */
async function serve(server) {
  const port = await listen(server, 0, "127.0.0.1");
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** Express 4 or 5: `/api` mounted with app.use, the other routes guarded one by one. */
async function expressApp(express, authorize, routes) {
  const app = express();
  const [api, ...rest] = Object.entries(routes);
  app.use(api[0], authorize(api[1]));
  app.get(`${api[0]}/archives`, (req, res) => res.json(summary(req.auth)));
  for (const [path, options] of rest) app.get(path, authorize(options), (req, res) => res.json(summary(req.auth)));
  app.use((err, _req, res, _next) => res.status(500).json(failure(err)));
  const { createServer } = await import("node:http");
  return serve(createServer(app));
}

/** Fastify 4 or 5: `/api` as a plugin with an onRequest hook, the other routes with their own. */
async function fastifyApp(Fastify, authorize, routes) {
  const app = Fastify();
  const [api, ...rest] = Object.entries(routes);
  app.register(
    async (scope) => {
      scope.addHook("onRequest", authorize(api[1]));
      scope.get("/archives", async (request) => summary(request.auth));
    },
    { prefix: api[0] },
  );
  for (const [path, options] of rest) app.get(path, { onRequest: authorize(options) }, async (request) => summary(request.auth));
  app.setErrorHandler((err, _request, reply) => reply.code(500).send(failure(err)));
  await app.ready();
  return serve(app.server);
}

/** Hono 4 in Node (@hono/node-server). */
async function honoApp(routes) {
  const [{ Hono }, { getRequestListener }, { authorize }] = await Promise.all([import("hono"), import("@hono/node-server"), import("client-credentials/hono")]);
  const app = honoRoutes(Hono, authorize, routes);
  const { createServer } = await import("node:http");
  return serve(createServer(getRequestListener(app.fetch)));
}

/** Each framework and major version, by name. */
export const APPS = {
  "express 5": async (routes) => expressApp((await import("express")).default, (await import("client-credentials/express")).authorize, routes),
  "express 4": async (routes) => expressApp((await import("express4")).default, (await import("client-credentials/express")).authorize, routes),
  "fastify 5": async (routes) => fastifyApp((await import("fastify")).default, (await import("client-credentials/fastify")).authorize, routes),
  "fastify 4": async (routes) => fastifyApp((await import("fastify4")).default, (await import("client-credentials/fastify")).authorize, routes),
  "hono 4 (node)": honoApp,
  "hono 4 (workerd)": honoWorker,
};

/**
 * Hono 4 in workerd: fixtures/hono-worker.mjs bundled as wrangler bundles it,
 * against the packed package (so `client-credentials/hono` and its `#verify`, the
 * resolve through the `workerd` condition), served by workerd from npm.
 */
async function honoWorker(routes) {
  const { installedPackage, runtimeBinary, serveWorkerd, bundleWorker, oneWorkerConfig } = await import("../runtimes/support/harness.mjs");
  const project = installedPackage();
  // The worker's own dependency, as its project would have it installed.
  symlinkSync(join(ROOT, "node_modules", "hono"), join(project.dir, "node_modules", "hono"));
  const dir = join(project.dir, "worker");
  const fixtures = join(ROOT, "tests", "frameworks", "fixtures");
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(fixtures, "hono-app.mjs"), join(dir, "hono-app.mjs"));
  const bundle = await bundleWorker(project, join(fixtures, "hono-worker.mjs"), dir);
  const inputs = Object.keys(bundle.metafile.inputs);
  if (!inputs.some((p) => p.endsWith("client-credentials/dist/verify/workerd.mjs"))) throw new Error(`the bundle did not take dist/verify/workerd.mjs (the /verify entry, through the workerd condition):\n${inputs.join("\n")}`);
  writeFileSync(join(dir, "config.capnp"), oneWorkerConfig("api", { ROUTES: JSON.stringify(routes) }, bundle.wasm));
  const server = serveWorkerd(runtimeBinary("workerd"), dir, ["api"]);
  const ports = await server.ready;
  return {
    url: (path) => `http://127.0.0.1:${ports.api}${path}`,
    close: async () => {
      server.child.kill();
    },
  };
}

/** A DPoP proof (RFC 9449 §4.2) for `method` `url` by `pair`, bound to `token`. */
export async function proof(pair, method, url, token) {
  const ath = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString("base64url");
  return new SignJWT({ jti: crypto.randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000), ath })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: await exportJWK(pair.publicKey) })
    .sign(pair.privateKey);
}
