// The CommonJS view (`require`, resolved to dist/index.d.cts), type-checked under nodenext.
import cc = require("client-credentials");

export async function main(): Promise<string> {
  const client = new cc.TokenClient({ tokenUrl: "https://sso.example/token", clientId: "a", clientSecret: "b", refreshSkewSeconds: 10 });
  try {
    const token = await client.getToken();
    return String(cc.decodeJwt(token.accessToken).payload.sub);
  } catch (err) {
    const e = err as cc.ClientCredentialsError;
    return e.code === "ERR_HTTP" ? `${e.status} ${e.body}` : e.code;
  } finally {
    client.free();
    void cc.fetchClientCredentialsToken;
    void [cc.verifyJwt, cc.JwksClient, cc.authorizeRequest, cc.realmRoles, cc.clientRoles, cc.scopes];
  }
}
