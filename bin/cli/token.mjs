// `client-credentials token`: the access token alone on stdout, for
// `curl -H "Authorization: Bearer $(client-credentials token ...)"`.
import { TOKEN_HELP, TOKEN_OPTIONS, clientOptions } from "./client-options.mjs";
import { colours, formatClock, relative, rolesOf, rows, warn } from "./output.mjs";
import { PROXY_HELP, PROXY_OPTIONS, transport } from "./transport.mjs";

export const help = `Usage: client-credentials token [flags]

Gets an access token with the Client Credentials grant and prints it alone on stdout:

  curl -H "Authorization: Bearer $(client-credentials token)" https://api.example/archives

On a terminal, stderr also gets a summary: token type, expiry, scope, roles.

${TOKEN_HELP}
${PROXY_HELP}
Output:
  --json                     print the whole result (accessToken, tokenType, expiresIn,
                             expiresAt, scope, raw) as JSON

Exit codes: 0 ok, 1 refused (ERR_OAUTH), 2 usage or options, 3 transport.
`;

export const options = { ...TOKEN_OPTIONS, ...PROXY_OPTIONS, json: { type: "boolean" } };
export const positionals = 0;

export async function run(values) {
  const opts = await clientOptions(values);
  const fetch = await transport(values, { light: true });
  if (fetch !== undefined) opts.fetch = fetch;
  const lib = await import("client-credentials/client");
  if (opts.dpop === true) {
    // A DPoP token is only usable with its key pair, which this process
    // drops when it ends; the token still shows what the server binds.
    warn("--dpop: the token is bound to a key pair that ends with this command; to send requests with DPoP use client-credentials call --dpop");
    opts.dpop = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
  }
  const token = await lib.fetchClientCredentialsToken(opts);
  process.stdout.write(values.json ? `${JSON.stringify(token, null, 2)}\n` : `${token.accessToken}\n`);
  if (process.stderr.isTTY) process.stderr.write(summary(lib, token));
  return 0;
}

/** Token type, expiry, scope and Keycloak roles, for a person at a terminal. Never the token. */
export function summary(lib, token) {
  const c = colours(process.stderr);
  const entries = [];
  if (token.expiresAt !== undefined) {
    const at = token.expiresAt / 1000;
    entries.push(["expires", `${formatClock(at)} (${relative(at)})`]);
  } else entries.push(["expires", c.dim("not said (no expires_in)")]);
  if (token.scope) entries.push(["scope", token.scope]);
  let payload;
  try {
    payload = lib.decodeJwt(token.accessToken).payload;
  } catch {
    entries.push(["format", c.dim("opaque (not a JWT)")]);
  }
  if (payload) {
    const client = payload.azp ?? payload.client_id;
    if (typeof client === "string") entries.push(["client", client]);
    const { realm, clients } = rolesOf(lib, payload);
    if (realm.length) entries.push(["realm roles", realm.join(", ")]);
    for (const [name, roles] of clients) entries.push([`${name} roles`, roles.join(", ")]);
  }
  return `${c.green("✔")} ${c.bold(`${token.tokenType} token`)} ${c.dim("(on stdout)")}\n${rows(c, entries)}`;
}
