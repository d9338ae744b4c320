// Deno: get a Client Credentials token, read its claims, call a secured API with it.
// Only the network to 127.0.0.1 is allowed; the package's wasm needs no --allow-read.
import { decodeJwt, TokenClient, type ClientCredentialsError } from "client-credentials/client";

const tokenUrl = Deno.env.get("TOKEN_URL") ?? "http://127.0.0.1:9191/realms/sivalabs/protocol/openid-connect/token";
const apiUrl = Deno.env.get("API_URL") ?? "http://127.0.0.1:9292/api/archives";

const client = new TokenClient({
  tokenUrl,
  clientId: Deno.env.get("CLIENT_ID") ?? "archival-service",
  clientSecret: Deno.env.get("CLIENT_SECRET") ?? "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a",
  scope: "openid profile",
});

try {
  const token = await client.getToken();
  const { payload } = decodeJwt<{ azp?: string; realm_access?: { roles: string[] } }>(token.accessToken);
  console.log(`token for ${payload.azp}, roles ${payload.realm_access?.roles.join(", ")}, expires ${new Date(token.expiresAt!).toISOString()}`);

  const res = await client.fetch(apiUrl);
  console.log(`GET ${apiUrl} -> ${res.status}`, await res.json());
} catch (err) {
  const e = err as ClientCredentialsError;
  console.error(e.code === "ERR_OAUTH" ? `the server refused: ${e.error} (${e.status})` : `${e.code}: ${e.message}`);
  Deno.exit(1);
} finally {
  client.free();
}
