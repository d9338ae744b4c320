// Fastify hook (Fastify 4 and 5): authorizeRequest for a Fastify request,
// as an `onRequest` hook, the place @fastify/jwt's docs put
// `request.jwtVerify()`.
//
//   fastify.addHook("onRequest", authorize({ issuer, audience }));
//   fastify.get("/archives", async (request) => ({ caller: request.auth.payload.azp }));
//
// A refusal is sent with authorizeRequest's status, headers and body; an
// error (a bad option) is thrown, so Fastify's error handler
// (`setErrorHandler`) receives the ClientCredentialsError.
import { authOf, authorizeRequest, requestFor, settingsOf } from "./common.js";

/**
 * The hook for authorizeRequest's `options` (a JwksClient is made once
 * from `issuer` unless `jwks` or `key` is given), plus `publicUrl` for an
 * app behind a proxy. Sets `request.auth`: `{ header, payload, token }`.
 */
export function authorize(options) {
  const { settings, base } = settingsOf(options);
  return async function authorizeFastify(request, reply) {
    // `protocol` and `host` follow Fastify's `trustProxy`; Fastify 4 has no
    // `host`, and its `hostname` keeps the port.
    const host = request.host ?? request.hostname;
    const view = requestFor(request.method, `${request.protocol}://${host}`, base, request.url, request.raw.rawHeaders);
    const result = await authorizeRequest(view, settings);
    if (result.ok) {
      request.auth = authOf(result);
      return;
    }
    const headers = Object.fromEntries(result.response.headers);
    return reply.code(result.status).headers(headers).send(await result.response.text());
  };
}
