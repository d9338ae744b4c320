// How the command line reaches the network, as curl does: through the proxy
// that HTTPS_PROXY (https URLs) or HTTP_PROXY (http URLs) names, except for
// the hosts NO_PROXY lists (lower-case names too), or the one `--proxy`
// names, or directly with `--no-proxy`. Node 20's fetch ignores those
// variables, so a proxy goes through undici's EnvHttpProxyAgent and undici's
// own fetch, handed to the library as its `fetch` option. undici is loaded
// only then: a direct run pays nothing for it.
import { UsageError } from "./output.mjs";

export const PROXY_OPTIONS = {
  proxy: { type: "string" },
  "no-proxy": { type: "boolean" },
};

export const PROXY_HELP = `Network:
  --proxy URL                send through this HTTP proxy, http://[user:password@]host:port;
                             hosts in NO_PROXY still go directly
  --no-proxy                 connect directly, ignoring the proxy variables
                             (default: HTTPS_PROXY for https URLs, HTTP_PROXY for http ones and
                             for https when HTTPS_PROXY is unset, except hosts in NO_PROXY;
                             the lower-case names win)
`;

/**
 * The library's `fetch` option for these flags: a proxy's, the small direct
 * fetch of light-fetch.mjs when `light` (commands whose only requests are
 * the library's own), or undefined for Node's fetch.
 */
export async function transport(values, { light = false, env = process.env } = {}) {
  const flag = values.proxy;
  if (flag !== undefined && values["no-proxy"]) throw new UsageError("give --proxy URL or --no-proxy, not both");
  const variable = (name) => env[name.toLowerCase()] || env[name] || undefined;
  const httpProxy = values["no-proxy"] ? undefined : flag ?? variable("HTTP_PROXY");
  const httpsProxy = values["no-proxy"] ? undefined : flag ?? variable("HTTPS_PROXY");
  if (httpProxy === undefined && httpsProxy === undefined) {
    if (!light || env.CC_NODE_FETCH) return undefined;
    return (await import("./light-fetch.mjs")).lightFetch;
  }
  const undici = await import("undici");
  const dispatcher = withoutNotice(
    () =>
      new undici.EnvHttpProxyAgent({
        httpProxy: httpProxy && proxyUrl(httpProxy, flag !== undefined ? "--proxy" : "HTTP_PROXY"),
        httpsProxy: httpsProxy && proxyUrl(httpsProxy, flag !== undefined ? "--proxy" : "HTTPS_PROXY"),
      }),
  );
  return (url, init) => undici.fetch(url, { ...init, dispatcher });
}

/** A proxy's URL; `host:port` alone means http://, as curl reads it. Never quoted back: it may hold a password. */
function proxyUrl(text, source) {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`${source} is not a proxy URL; use http://host:port`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new UsageError(`${source}: the proxy must be http:// or https://, not ${url.protocol}//`);
  return url.href;
}

/** Builds the agent without undici's "EnvHttpProxyAgent is experimental" notice on stderr, which a command's output doesn't want. */
function withoutNotice(make) {
  const emit = process.emitWarning;
  process.emitWarning = (warning, options, ...rest) => {
    if ((options?.code ?? options) !== "UNDICI-EHPA") emit.call(process, warning, options, ...rest);
  };
  try {
    return make();
  } finally {
    process.emitWarning = emit;
  }
}
