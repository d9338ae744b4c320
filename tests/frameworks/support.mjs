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

import { SignJWT, exportJWK } from "jose";
import { listen } from "../../scripts/net.mjs";

/** What a route answers: the parts of `auth` the tests look at. */
export const summary = (auth) => ({
  azp: auth.payload.azp,
  alg: auth.header?.alg ?? null,
  roles: auth.payload.resource_access?.["archive-api"]?.roles ?? [],
  active: auth.active?.active ?? null,
  jkt: auth.payload.cnf?.jkt ?? null,
});

const failure = (err) => ({ name: err?.name, code: err?.code, message: err?.message });

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

/** Hono 4 in Node (@hono/node-server): `/api/*` with app.use, the other routes guarded one by one. */
export function honoRoutes(Hono, authorize, routes) {
  const app = new Hono();
  const [api, ...rest] = Object.entries(routes);
  app.use(`${api[0]}/*`, authorize(api[1]));
  app.get(`${api[0]}/archives`, (c) => c.json(summary(c.get("auth"))));
  for (const [path, options] of rest) app.get(path, authorize(options), (c) => c.json(summary(c.get("auth"))));
  app.onError((err, c) => c.json(failure(err), 500));
  return app;
}

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
};

/** A DPoP proof (RFC 9449 §4.2) for `method` `url` by `pair`, bound to `token`. */
export async function proof(pair, method, url, token) {
  const ath = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))).toString("base64url");
  return new SignJWT({ jti: crypto.randomUUID(), htm: method, htu: url, iat: Math.floor(Date.now() / 1000), ath })
    .setProtectedHeader({ typ: "dpop+jwt", alg: "ES256", jwk: await exportJWK(pair.publicKey) })
    .sign(pair.privateKey);
}
