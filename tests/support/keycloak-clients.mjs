// Confidential service-account clients made through Keycloak's admin REST API,
// as an admin sets them up in the console: the authenticator on the client's
// Credentials tab ("client-secret", "client-jwt" for "Signed JWT",
// "client-secret-jwt" for "Signed JWT with client secret") and the attributes
// of its Advanced tab (`dpop.bound.access.tokens`, `use.jwks.url`, `jwks.url`).
//
//   await createServiceClient(kc, "my-client", "client-jwt", { "use.jwks.url": "true", "jwks.url": url });

/** Creates the client `clientId` in `kc`'s realm; only the client-credentials flow is on. */
export function createServiceClient(kc, clientId, clientAuthenticatorType, attributes = {}, secret = undefined) {
  return kc.adminApi("/clients", {
    method: "POST",
    body: {
      clientId,
      enabled: true,
      protocol: "openid-connect",
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
      clientAuthenticatorType,
      ...(secret ? { secret } : {}),
      attributes,
    },
  });
}
