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

/**
 * A service-account client with "Always use lightweight access token" on (`client.use.lightweight.access.token.enabled`),
 * its service account given the realm role `archiver` and archive-api's `archives:read` ("Service account roles" tab):
 * its tokens carry neither, nor an `aud`; introspection gives them.
 */
export async function createLightweightClient(kc, clientId, secret) {
  await createServiceClient(kc, clientId, "client-secret", { "client.use.lightweight.access.token.enabled": "true" }, secret);
  const [client] = await kc.adminApi(`/clients?clientId=${clientId}`);
  const user = await kc.adminApi(`/clients/${client.id}/service-account-user`);
  await kc.adminApi(`/users/${user.id}/role-mappings/realm`, { method: "POST", body: [await kc.adminApi("/roles/archiver")] });
  const [api] = await kc.adminApi("/clients?clientId=archive-api");
  const read = await kc.adminApi(`/clients/${api.id}/roles/archives:read`);
  await kc.adminApi(`/users/${user.id}/role-mappings/clients/${api.id}`, { method: "POST", body: [read] });
}
