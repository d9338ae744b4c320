// `client-credentials call URL`: gets a token as `token` does and sends the
// request with it. The response body goes to stdout, the status line to
// stderr, like curl with auth.
import { TOKEN_HELP, TOKEN_OPTIONS, clientOptions, readText } from "./client-options.mjs";
import { UsageError, colours, readStdin } from "./output.mjs";
import { PROXY_HELP, PROXY_OPTIONS, transport } from "./transport.mjs";

export const help = `Usage: client-credentials call URL [--method M] [--data D] [flags]

Gets a token as "client-credentials token" does, then sends the request with
Authorization: Bearer (or DPoP) and writes the response body to stdout and the
status line to stderr. A 401 gets one retry with a new token. The token goes
to URL's origin only: redirects elsewhere are not followed.

  -X, --method M             default GET, or POST with --data
  -d, --data D               the request body; @FILE reads a file, @- reads stdin
  -H, --header "Name: value" repeatable
  --fail                     exit 1 when the status is 400 or more (like curl --fail)

Content-Type, unless a header sets it: application/json when the data parses as
JSON, else application/x-www-form-urlencoded (as curl does).

${TOKEN_HELP}
${PROXY_HELP}
Exit codes: 0 a response came (any status, unless --fail), 1 refused (ERR_OAUTH, or
a status >= 400 with --fail), 2 usage or options, 3 transport.
`;

export const options = {
  ...TOKEN_OPTIONS,
  ...PROXY_OPTIONS,
  method: { type: "string", short: "X" },
  data: { type: "string", short: "d" },
  header: { type: "string", short: "H", multiple: true },
  fail: { type: "boolean" },
};
export const positionals = 1;

export async function run(values, [url]) {
  if (url === undefined) throw new UsageError("call needs a URL: client-credentials call URL");
  let target;
  try {
    target = new URL(url);
  } catch {
    throw new UsageError("call: the URL is not an absolute URL (http://... or https://...)");
  }
  if (values.data === "@-" && values["client-secret"] === "-") {
    throw new UsageError("stdin can carry the secret (--client-secret -) or the body (--data @-), not both");
  }
  const headers = new Headers();
  for (const h of values.header ?? []) {
    const colon = h.indexOf(":");
    if (colon <= 0) throw new UsageError('--header takes "Name: value"');
    headers.append(h.slice(0, colon).trim(), h.slice(colon + 1).trim());
  }
  if (headers.has("authorization")) throw new UsageError("call sets Authorization itself; drop that --header");
  let body;
  if (values.data !== undefined) {
    body =
      values.data === "@-" ? await readStdin("the request body") : values.data.startsWith("@") ? readText(values.data.slice(1), "--data") : values.data;
    if (!headers.has("content-type")) headers.set("content-type", isJson(body) ? "application/json" : "application/x-www-form-urlencoded");
  }
  const method = (values.method ?? (body !== undefined ? "POST" : "GET")).toUpperCase();

  const opts = await clientOptions(values);
  // The API call goes the same way as the token request (Node's fetch when direct: its
  // response streams to stdout).
  const fetch = await transport(values);
  if (fetch !== undefined) opts.fetch = fetch;
  const lib = await import("client-credentials/client");
  const client = new lib.TokenClient(opts);
  try {
    const response = await client.fetch(target, { method, headers, body });
    const c = colours(process.stderr);
    const line = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
    process.stderr.write(`${response.ok ? c.green(line) : c.red(line)}\n`);
    if (response.body) {
      for await (const chunk of response.body) {
        if (!process.stdout.write(chunk)) await new Promise((resolve) => process.stdout.once("drain", resolve));
      }
    }
    return values.fail && response.status >= 400 ? 1 : 0;
  } finally {
    client.free();
  }
}

function isJson(text) {
  if (!/^\s*[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
