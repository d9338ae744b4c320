// A small service: every few seconds it calls a secured API with a cached token. One
// TokenClient for the process: it requests a token once, reuses it until shortly before
// it expires, and on a 401 from the API gets a new one and retries once.
//   API_URL=... TOKEN_URL=... CLIENT_ID=... CLIENT_SECRET=... node service.mjs
import { decodeJwt, TokenClient } from "client-credentials/client";

const {
  TOKEN_URL = "http://127.0.0.1:9191/realms/sivalabs/protocol/openid-connect/token",
  CLIENT_ID = "archival-service",
  CLIENT_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a",
  API_URL = "http://127.0.0.1:9292/api/archives",
  EVERY_SECONDS = "5",
} = process.env;

const tokens = new TokenClient({ tokenUrl: TOKEN_URL, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, scope: "openid profile" });

async function tick() {
  try {
    const res = await tokens.fetch(API_URL);
    const { jti, exp } = decodeJwt((await tokens.getToken()).accessToken).payload;
    const body = await res.json();
    console.log(`${new Date().toISOString()} GET ${API_URL} -> ${res.status}, ${body.archives?.length ?? 0} archives (token ${jti}, ${exp - Math.floor(Date.now() / 1000)} s left)`);
  } catch (err) {
    // A failed token request is not cached: the next tick tries again.
    console.error(`${new Date().toISOString()} ${err.code ?? err.name}: ${err.message}`);
  }
}

await tick();
const timer = setInterval(tick, Number(EVERY_SECONDS) * 1000);
process.once("SIGINT", () => {
  clearInterval(timer);
  tokens.free();
});
