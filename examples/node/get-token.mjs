// Gets one Client Credentials token and prints its claims. The seed tutorial's curl call,
// in a few lines of Node:
//   TOKEN_URL=... CLIENT_ID=... CLIENT_SECRET=... node get-token.mjs
import { decodeJwt, fetchClientCredentialsToken } from "client-credentials/client";

const {
  TOKEN_URL = "http://127.0.0.1:9191/realms/sivalabs/protocol/openid-connect/token",
  CLIENT_ID = "archival-service",
  CLIENT_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a",
} = process.env;

try {
  const token = await fetchClientCredentialsToken({
    tokenUrl: TOKEN_URL,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authMethod: "client_secret_post", // as the seed's curl sends it; the default is client_secret_basic
    scope: "openid profile",
  });
  console.log(`${token.tokenType} token, expires in ${token.expiresIn} s, scope "${token.scope}"`);
  // The claims, not verified: this script got the token from the server itself.
  console.log(decodeJwt(token.accessToken).payload);
} catch (err) {
  console.error(`${err.code}: ${err.message}`);
  process.exitCode = 1;
}
