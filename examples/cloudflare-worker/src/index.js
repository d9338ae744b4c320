// Resource Server A as a Cloudflare Worker (the seed scenario): a cron trigger calls
// Resource Server B's secured API with a Client Credentials token, and GET / shows the
// claims of the token the worker holds.
import { decodeJwt, TokenClient } from "client-credentials";

// One TokenClient per isolate, kept at module scope: cron runs and requests that the same
// isolate serves reuse its token until shortly before it expires, and concurrent ones
// share a single token request. `env` is only known inside a handler, so it is made on
// first use.
let tokens;
function tokenClient(env) {
  tokens ??= new TokenClient({
    tokenUrl: env.TOKEN_URL,
    clientId: env.CLIENT_ID,
    clientSecret: env.CLIENT_SECRET,
    scope: env.SCOPE,
  });
  return tokens;
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
    const token = await tokenClient(env).getToken();
    // decodeJwt reads the claims; it does not verify the signature (this worker got the
    // token from its own authorization server, so it has no need to).
    const { header, payload } = decodeJwt(token.accessToken);
    return Response.json({ header, payload, expiresAt: token.expiresAt && new Date(token.expiresAt).toISOString() });
  },
};
