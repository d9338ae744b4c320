// The flags that say how to get a token, shared by `token` and `call`, and
// the library options they become. Flags win over the environment
// (CC_TOKEN_URL, CC_ISSUER, CC_CLIENT_ID, CLIENT_SECRET).
import { readFileSync } from "node:fs";
import { UsageError, readStdin, warn } from "./output.mjs";

export const TOKEN_OPTIONS = {
  "token-url": { type: "string" },
  issuer: { type: "string" },
  "client-id": { type: "string" },
  "client-secret": { type: "string" },
  "client-secret-file": { type: "string" },
  "auth-method": { type: "string" },
  "basic-encoding": { type: "string" },
  scope: { type: "string", multiple: true },
  audience: { type: "string" },
  resource: { type: "string", multiple: true },
  param: { type: "string", multiple: true },
  "private-key": { type: "string" },
  "key-id": { type: "string" },
  "signing-alg": { type: "string" },
  dpop: { type: "boolean" },
  timeout: { type: "string" },
  "allow-insecure-http": { type: "boolean" },
};

export const TOKEN_HELP = `Where the token comes from:
  --token-url URL            the token endpoint (env CC_TOKEN_URL)
  --issuer URL               or the issuer, whose discovery document names it (env CC_ISSUER)
  --client-id ID             (env CC_CLIENT_ID)
  --client-secret-file FILE  read the secret from FILE (one trailing newline is dropped)
  --client-secret -          read the secret from stdin
                             (default: env CLIENT_SECRET; a plain --client-secret VALUE works
                             but lands in shell history and ps, and warns)
  --auth-method M            client_secret_basic (default), client_secret_post,
                             client_secret_jwt or private_key_jwt
  --basic-encoding E         form (default, RFC 6749 §2.3.1) or raw, for servers that don't
                             URL-decode Basic credentials
  --private-key FILE         PKCS#8 PEM or private JWK (JSON) for private_key_jwt
                             (implies --auth-method private_key_jwt)
  --key-id KID               kid of the client assertion (default: the JWK's kid)
  --signing-alg ALG          RS256, ES256, PS256, EdDSA, HS256... (default from the key)
  --dpop                     a DPoP-bound token (RFC 9449); \`token --dpop\` binds it to a key
                             that ends with the command, \`call --dpop\` uses it
  --scope S                  repeatable; "a b" adds both
  --audience AUD             the audience parameter (Auth0, RFC 8693)
  --resource URI             repeatable (RFC 8707)
  --param KEY=VALUE          repeatable: more form parameters
  --timeout T                for the whole exchange: seconds (10) or 500ms; default 10 s
  --allow-insecure-http      allow plain http to a host that is not loopback
`;

/** The library's options for these flags, with the secret read from where it was given. */
export async function clientOptions(values, env = process.env) {
  const options = {};
  const tokenUrl = values["token-url"];
  const issuer = values.issuer;
  if (tokenUrl !== undefined && issuer !== undefined) throw new UsageError("give --token-url or --issuer, not both");
  if (tokenUrl !== undefined) options.tokenUrl = tokenUrl;
  else if (issuer !== undefined) options.issuer = issuer;
  else if (env.CC_TOKEN_URL && env.CC_ISSUER) {
    throw new UsageError("CC_TOKEN_URL and CC_ISSUER are both set; unset one, or pass --token-url or --issuer");
  } else if (env.CC_TOKEN_URL) options.tokenUrl = env.CC_TOKEN_URL;
  else if (env.CC_ISSUER) options.issuer = env.CC_ISSUER;
  else throw new UsageError("no token endpoint: pass --token-url URL or --issuer URL (or set CC_TOKEN_URL or CC_ISSUER)");

  const clientId = values["client-id"] ?? (env.CC_CLIENT_ID || undefined);
  if (clientId === undefined) throw new UsageError("no client id: pass --client-id ID (or set CC_CLIENT_ID)");
  options.clientId = clientId;

  const privateKeyFile = values["private-key"];
  const authMethod = values["auth-method"] ?? (privateKeyFile !== undefined ? "private_key_jwt" : undefined);
  if (authMethod !== undefined) options.authMethod = authMethod;
  if (privateKeyFile !== undefined) options.privateKey = readPrivateKey(privateKeyFile);
  if (values["basic-encoding"] !== undefined) options.basicEncoding = values["basic-encoding"];
  if (values["key-id"] !== undefined) options.keyId = values["key-id"];
  if (values["signing-alg"] !== undefined) options.signingAlg = values["signing-alg"];
  if (values.dpop) options.dpop = true;

  const secret = await readSecret(values, env);
  if (secret !== undefined) options.clientSecret = secret;
  else if (authMethod !== "private_key_jwt") {
    throw new UsageError(
      "no client secret: set CLIENT_SECRET, or pass --client-secret-file FILE or --client-secret - (stdin); or --private-key FILE for private_key_jwt",
    );
  }

  const scopes = (values.scope ?? []).flatMap((s) => s.split(/\s+/)).filter(Boolean);
  if (scopes.length) options.scope = scopes;
  if (values.audience !== undefined) options.audience = values.audience;
  if (values.resource?.length) options.resource = values.resource;
  if (values.param?.length) {
    options.extraParams = {};
    for (const p of values.param) {
      const eq = p.indexOf("=");
      if (eq <= 0) throw new UsageError("--param takes KEY=VALUE, with a non-empty KEY");
      options.extraParams[p.slice(0, eq)] = p.slice(eq + 1);
    }
  }
  if (values.timeout !== undefined) options.timeoutMs = parseTimeout(values.timeout);
  if (values["allow-insecure-http"]) options.allowInsecureHttp = true;
  return options;
}

/** `10`, `2.5`, `10s` or `500ms` → milliseconds. */
export function parseTimeout(text) {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text.trim());
  const ms = m ? Number(m[1]) * (m[2] === "ms" ? 1 : 1000) : NaN;
  if (!(ms >= 1) || ms > 3_600_000) throw new UsageError("--timeout takes seconds (10, 2.5) or milliseconds (500ms), from 1 ms to 1 hour");
  return Math.round(ms);
}

const dropNewline = (s) => s.replace(/\r?\n$/, "");

async function readSecret(values, env) {
  const flag = values["client-secret"];
  const file = values["client-secret-file"];
  if (flag !== undefined && file !== undefined) throw new UsageError("give --client-secret or --client-secret-file, not both");
  let secret;
  if (file !== undefined) secret = dropNewline(readText(file, "--client-secret-file"));
  else if (flag === "-") {
    if (process.stdin.isTTY) throw new UsageError("--client-secret - reads the secret from stdin, but stdin is a terminal; pipe it in");
    secret = dropNewline(await readStdin("the client secret", 64 * 1024));
  } else if (flag !== undefined) {
    warn("a secret given as --client-secret VALUE lands in your shell history and in ps; use CLIENT_SECRET, --client-secret-file FILE or --client-secret - (stdin)");
    secret = flag;
  } else return env.CLIENT_SECRET || undefined;
  if (secret === "") throw new UsageError(`the client secret from ${file !== undefined ? "--client-secret-file" : "stdin"} is empty`);
  return secret;
}

/** A private JWK (a JSON object) or a PEM string, as the library takes it. */
function readPrivateKey(file) {
  const text = readText(file, "--private-key");
  if (text.trimStart().startsWith("{")) {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`--private-key ${file} starts with "{" but is not valid JSON (a private JWK)`);
    }
  }
  return text;
}

/** A file's text, or a usage error that names the flag and the file but not its contents. */
export function readText(file, flag) {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${file}: ${err.code ?? err.message}`);
  }
}
