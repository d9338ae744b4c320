// `client-credentials verify [TOKEN|-] --issuer URL --audience AUD`: the
// library's verifyJwt against the issuer's JWKS; prints what was checked, or
// the check that failed.
import { tokenArgument, timeNotes } from "./decode.mjs";
import { parseTimeout } from "./client-options.mjs";
import { UsageError, colours, rows } from "./output.mjs";
import { PROXY_HELP, PROXY_OPTIONS, transport } from "./transport.mjs";

export const help = `Usage: client-credentials verify [TOKEN|-] --issuer URL --audience AUD [flags]

Verifies a JWT: the signature with the issuer's keys (JWKS, found by discovery or
given with --jwks-uri), then iss, aud, exp, nbf and iat. Prints what was checked,
or the check that failed. The token comes from the argument, or stdin for "-" or none:

  client-credentials token | client-credentials verify --issuer "$CC_ISSUER" --audience account

  --issuer URL               required, exact match of iss (env CC_ISSUER)
  --audience AUD             required, repeatable: any one must be in aud
  --any-audience             skip the audience check, explicitly
  --jwks-uri URL             the key set (default: from the issuer's discovery document)
  --algorithm ALG            repeatable: the accepted algorithms (default: every asymmetric one)
  --typ TYP                  require this header typ (e.g. at+jwt)
  --azp CLIENT               require this azp (authorized party)
  --clock-tolerance SECONDS  default 30
  --max-token-age SECONDS    iat no older than this
  --timeout T                for fetching the keys: seconds or 500ms
  --allow-insecure-http      allow plain http to a host that is not loopback
  --json                     print { "header": ..., "payload": ... } of the verified token

${PROXY_HELP}
Exit codes: 0 verified, 1 refused (ERR_JWT_*, ERR_INVALID_JWT, ERR_JWKS_NO_KEY),
2 usage or options, 3 transport (the keys could not be fetched).
`;

export const options = {
  issuer: { type: "string" },
  audience: { type: "string", multiple: true },
  "any-audience": { type: "boolean" },
  "jwks-uri": { type: "string" },
  algorithm: { type: "string", multiple: true },
  typ: { type: "string" },
  azp: { type: "string" },
  "clock-tolerance": { type: "string" },
  "max-token-age": { type: "string" },
  timeout: { type: "string" },
  "allow-insecure-http": { type: "boolean" },
  json: { type: "boolean" },
  ...PROXY_OPTIONS,
};
export const positionals = 1;

const seconds = (text, flag) => {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag} takes a number of seconds`);
  return n;
};

export async function run(values, [arg]) {
  const issuer = values.issuer ?? (process.env.CC_ISSUER || undefined);
  if (issuer === undefined) throw new UsageError("verify needs --issuer URL (or CC_ISSUER)");
  const audiences = values.audience ?? [];
  if (values["any-audience"] && audiences.length) throw new UsageError("give --audience or --any-audience, not both");
  if (!values["any-audience"] && !audiences.length) {
    throw new UsageError("verify needs --audience AUD (Keycloak's default is account), or --any-audience to skip that check");
  }
  const token = await tokenArgument(arg, "verify");
  const fetch = await transport(values, { light: true });
  const lib = await import("client-credentials/verify");
  const jwksOptions = values["jwks-uri"] !== undefined ? { jwksUri: values["jwks-uri"] } : { issuer };
  if (fetch !== undefined) jwksOptions.fetch = fetch;
  if (values.timeout !== undefined) jwksOptions.timeoutMs = parseTimeout(values.timeout);
  if (values["allow-insecure-http"]) jwksOptions.allowInsecureHttp = true;
  const checks = {
    jwks: new lib.JwksClient(jwksOptions),
    issuer,
    audience: values["any-audience"] ? false : audiences.length === 1 ? audiences[0] : audiences,
  };
  if (values.algorithm?.length) checks.algorithms = values.algorithm;
  if (values.typ !== undefined) checks.typ = values.typ;
  if (values.azp !== undefined) checks.authorizedParty = values.azp;
  const tolerance = seconds(values["clock-tolerance"], "--clock-tolerance");
  if (tolerance !== undefined) checks.clockToleranceSeconds = tolerance;
  const maxAge = seconds(values["max-token-age"], "--max-token-age");
  if (maxAge !== undefined) checks.maxTokenAgeSeconds = maxAge;

  let header, payload, jwksUri;
  try {
    ({ header, payload } = await lib.verifyJwt(token, checks));
    jwksUri = checks.jwks.jwksUri;
  } finally {
    checks.jwks.free?.();
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ header, payload }, null, 2)}\n`);
    return 0;
  }
  const c = colours(process.stdout);
  const ok = c.green("✔");
  const notes = timeNotes(payload);
  const entries = [
    ["signature", `${header.alg}${header.kid ? `, key ${header.kid}` : ""} from ${jwksUri ?? values["jwks-uri"] ?? `the JWKS of ${issuer}`}`],
    ["issuer", String(payload.iss)],
    ["audience", checks.audience === false ? c.dim("not checked (--any-audience)") : [payload.aud].flat().join(", ")],
    ["expiry", notes.exp],
  ];
  if (notes.nbf) entries.push(["not before", notes.nbf]);
  if (notes.iat) entries.push(["issued", notes.iat]);
  if (checks.typ !== undefined) entries.push(["typ", String(header.typ)]);
  if (checks.authorizedParty !== undefined) entries.push(["azp", String(payload.azp)]);
  process.stdout.write(`${ok} ${c.bold("verified")}\n${rows(c, entries).replace(/^ {2}/gm, `  ${ok} `)}`);
  return 0;
}
