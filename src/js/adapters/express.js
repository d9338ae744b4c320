// Express middleware (Express 4 and 5): authorizeRequest for an Express
// request, in the manner of auth0's express-oauth2-jwt-bearer.
//
//   app.use("/api", authorize({ issuer, audience: "archive-api", clientRoles: { "archive-api": ["archives:read"] } }));
//   app.get("/api/archives", (req, res) => res.json({ caller: req.auth.payload.azp }));
//
// A refusal is answered here with authorizeRequest's status, headers and
// body; an error (a bad option) goes to `next(err)`, Express's error
// handler, as the ClientCredentialsError it is.
import { authOf, authorizeRequest, requestFor, settingsOf } from "./common.js";

/**
 * The middleware for authorizeRequest's `options` (a JwksClient is made
 * once from `issuer` unless `jwks` or `key` is given), plus `publicUrl`
 * for an app behind a proxy. Sets `req.auth`: `{ header, payload, token }`.
 */
export function authorize(options) {
  const { settings, base } = settingsOf(options);
  return function authorizeExpress(req, res, next) {
    // `req.protocol` follows Express's `trust proxy`; `originalUrl` keeps the mount path.
    const request = requestFor(req.method, `${req.protocol}://${req.headers.host}`, base, req.originalUrl, req.rawHeaders);
    authorizeRequest(request, settings).then(async (result) => {
      if (result.ok) {
        req.auth = authOf(result);
        return next();
      }
      res.status(result.status);
      for (const [name, value] of result.response.headers) res.setHeader(name, value);
      res.end(await result.response.text());
    }).catch(next);
  };
}
