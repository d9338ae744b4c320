// The subpath entries' declarations (dist/<entry>/index.d.ts): each has its own names and
// every type; names of another entry must not compile. `instanceof ClientCredentialsError`
// narrows to the error union. Type-checked by tests/runtimes/types.test.mjs; nothing runs.
import { ClientCredentialsError, decodeJwt, realmRoles, type JwtPayload } from "client-credentials/decode";
import { JwksClient, verifyJwt, authorizeRequest, type VerifyJwtOptions } from "client-credentials/verify";
import { TokenClient, fetchClientCredentialsToken, type TokenClientOptions } from "client-credentials/client";
import * as decodeEntry from "client-credentials/decode";
import * as verifyEntry from "client-credentials/verify";
import * as clientEntry from "client-credentials/client";

// Another entry's functions are types only here, never values.
// @ts-expect-error /decode has no token client
export const notInDecode = decodeEntry.TokenClient;
// @ts-expect-error /verify has no token request
export const notInVerify = verifyEntry.fetchClientCredentialsToken;
// @ts-expect-error /client has no verifier
export const notInClient = clientEntry.verifyJwt;

export async function entries(token: string, options: TokenClientOptions): Promise<string[]> {
  const payload: JwtPayload = decodeJwt(token).payload;
  const verifyOptions: VerifyJwtOptions = { jwks: new JwksClient({ jwksUri: "https://sso.example/certs" }), issuer: "https://sso.example", audience: "archive-api" };
  const verified = await verifyJwt(token, verifyOptions);
  const auth = await authorizeRequest(new Request("https://api.example/"), verifyOptions);
  const fetched = await fetchClientCredentialsToken({ tokenUrl: "https://sso.example/token", clientId: "a", clientSecret: "b" });
  const client = new TokenClient(options);
  try {
    await client.getToken();
  } catch (err) {
    if (err instanceof ClientCredentialsError) {
      const code: string = err.code;
      return [code];
    }
  }
  return [...realmRoles(payload), String(verified.payload.sub), String(auth.ok), fetched.tokenType];
}
