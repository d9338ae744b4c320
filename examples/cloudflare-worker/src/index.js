// Resource Server A as a Cloudflare Worker (the seed scenario): a cron trigger calls
// Resource Server B's secured API with a Client Credentials token, and GET / shows the
// claims of the token the worker holds. GET /archives is the other side, a Resource
// Server B: it answers only to a bearer token signed by the issuer's keys (verified with
// the issuer's JWKS) that carries the `account` client role `view-profile`.
import { waitUntil } from "cloudflare:workers";
import { authorizeRequest, decodeJwt, JwksClient, TokenClient } from "client-credentials";

// One TokenClient per isolate, kept at module scope: cron runs and requests that the same
// isolate serves reuse its token until shortly before it expires, and concurrent ones
// share a single token request. `env` is only known inside a handler, so it is made on
// first use. From a minute before expiry the cached token is still handed out at once
// while a background request replaces it; `waitUntil` keeps that request alive after the
// response is sent (docs/outages.md).
let tokens;
function tokenClient(env) {
  tokens ??= new TokenClient({
    tokenUrl: env.TOKEN_URL,
    clientId: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    scope: env.SCOPE,
    waitUntil,
  });
  return tokens;
}

// One JwksClient per isolate, too: the issuer's keys are fetched once and shared,
// refetched in the background after 10 minutes (kept in use for up to a day while the
// issuer is down), and a token with an unknown `kid` refetches at most once per 30 s.
let jwks;
function protect(request, env) {
  jwks ??= new JwksClient({ jwksUri: env.JWKS_URI, waitUntil });
  return authorizeRequest(request, {
    jwks,
    issuer: env.ISSUER,
    audience: env.AUDIENCE,
    clientRoles: { account: ["view-profile"] },
  });
}

export default {
  async scheduled(controller, env) {
    // `fetch` adds `Authorization: Bearer <token>`, and on a 401 gets a new token and retries once.
    const res = await tokenClient(env).fetch(env.API_URL);
    if (!res.ok) throw new Error(`${env.API_URL} answered ${res.status}`);
    const { archives } = await res.json();
    console.log(`cron "${controller.cron}": ${archives.length} archives from ${env.API_URL}`);
  },

  async fetch(request, env) {
    if (new URL(request.url).pathname === "/archives") {
      const auth = await protect(request, env);
      // 401, 400 or 403 with a WWW-Authenticate challenge (RFC 6750 §3), never echoing the token.
      if (!auth.ok) return auth.response;
      return Response.json({ caller: auth.payload.azp, archives: ["2024-q1", "2024-q2"] });
    }
    const token = await tokenClient(env).getToken();
    // decodeJwt reads the claims; it does not verify the signature (this worker got the
    // token from its own authorization server, so it has no need to).
    const { header, payload } = decodeJwt(token.accessToken);
    return Response.json({ header, payload, expiresAt: token.expiresAt && new Date(token.expiresAt).toISOString() });
  },
};
