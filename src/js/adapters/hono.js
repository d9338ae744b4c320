// Hono middleware (Hono 4, in Node through @hono/node-server, in workerd,
// Deno and Bun): authorizeRequest for Hono's request, in the manner of
// `hono/jwk`.
//
//   app.use("/api/*", authorize({ issuer, audience }));
//   app.get("/api/archives", (c) => c.json({ caller: c.get("auth").payload.azp }));
//
// Hono's request is already a fetch Request, so it is checked as it is; a
// refusal is authorizeRequest's own Response, returned; an error (a bad
// option) is thrown, so `app.onError` receives the ClientCredentialsError.
import { authOf, authorizeRequest, settingsOf, urlOf } from "./common.js";

/**
 * The middleware for authorizeRequest's `options` (a JwksClient is made
 * once from `issuer` unless `jwks` or `key` is given), plus `publicUrl`
 * for an app behind a proxy. Sets `c.get("auth")`: `{ header, payload,
 * token }`.
 */
export function authorize(options) {
  const { settings, base } = settingsOf(options);
  return async function authorizeHono(c, next) {
    const raw = c.req.raw;
    let request = raw;
    if (base !== undefined) {
      const { pathname, search } = new URL(raw.url);
      request = { method: raw.method, url: urlOf(base, `${pathname}${search}`), headers: raw.headers };
    }
    const result = await authorizeRequest(request, settings);
    if (!result.ok) return result.response;
    c.set("auth", authOf(result));
    await next();
  };
}
