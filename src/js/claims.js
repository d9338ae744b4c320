// Readers of a token's claims (Keycloak's roles, OAuth scopes): plain
// JavaScript over a decoded payload, with no wasm, so every entry that hands
// out payloads (`/decode`, `/verify`, `/client`) can offer them for the cost
// of a few lines. They never throw: a missing or malformed claim reads as [].

/** Realm roles of a Keycloak token (`realm_access.roles`); [] if absent or malformed. */
export function realmRoles(payload) {
  return strings(payload?.realm_access?.roles);
}

/** Roles of a Keycloak token for one client (`resource_access[client].roles`); [] if absent. */
export function clientRoles(payload, client) {
  const access = payload?.resource_access;
  if (access === null || typeof access !== "object" || !Object.hasOwn(access, client)) return [];
  return strings(access[client]?.roles);
}

/** Scopes of a token: `scope` (space-separated, RFC 9068 §2.2.3) or `scp` (an array); [] if absent. */
export function scopes(payload) {
  const scope = payload?.scope;
  if (typeof scope === "string") return scope.split(" ").filter((s) => s !== "");
  return strings(payload?.scp);
}

function strings(value) {
  return Array.isArray(value) ? value.filter((v) => typeof v === "string") : [];
}
