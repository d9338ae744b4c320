// What the three framework adapters share: the options made once (a
// JwksClient from `issuer` when no key is given), the fetch-style request
// authorizeRequest reads, built from the framework's view of the request,
// and the `auth` object the route sees.
//
// `#verify` is the package's own import map (package.json `imports`): the
// `/verify` entry for the runtime that loads the adapter (its wasm has the
// verifier and introspection, not the token client), initialised before the
// first request.
import { ClientCredentialsError, JwksClient, authorizeRequest } from "#verify";

export { authorizeRequest };

/**
 * `authorize(options)`'s options, checked once: authorizeRequest's own,
 * with a JwksClient made here from `issuer` unless `jwks` or `key` is
 * given, and `publicUrl` read apart (see requestFor).
 */
export function settingsOf(options) {
  if (options === null || typeof options !== "object") {
    throw optionsError("authorize expects an options object ({ issuer, audience, ... })");
  }
  const { publicUrl, ...rest } = options;
  const settings = rest.jwks == null && rest.key == null ? { ...rest, jwks: new JwksClient({ issuer: rest.issuer }) } : rest;
  return { settings, base: publicBase(publicUrl) };
}

/**
 * `publicUrl` (the scheme, host and optional path prefix clients call,
 * when a proxy stands in front), as the prefix of every request's URL;
 * undefined without it.
 */
function publicBase(publicUrl) {
  if (publicUrl === undefined) return undefined;
  let url;
  try {
    url = new URL(publicUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    throw optionsError("publicUrl must be the absolute http(s) URL clients call, without a query or fragment, such as https://api.example or https://example.com/service");
  }
  return url.href.replace(/\/$/, "");
}

/** ERR_INVALID_OPTIONS, for what only the adapters read. */
function optionsError(message) {
  const error = new ClientCredentialsError(message);
  error.code = "ERR_INVALID_OPTIONS";
  return error;
}

/**
 * The request authorizeRequest reads (its method, URL and the
 * `Authorization` and `DPoP` headers), from a Node request's raw headers,
 * so that a repeated header stays repeated (and is then refused), as fetch
 * would keep it; Node itself drops a second `Authorization`. The URL is
 * `origin` (the framework's protocol and host) or `base` (publicUrl),
 * then `path` (the original URL with its query): what a DPoP proof's `htu`
 * must name (RFC 9449 §4.3). A URL that can't be parsed (a forged Host) is
 * kept as an unusable one, so a proof can't match it.
 */
export function requestFor(method, origin, base, path, rawHeaders) {
  const headers = new Headers();
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === "authorization" || name === "dpop") headers.append(name, rawHeaders[i + 1]);
  }
  return { method, url: urlOf(base ?? origin, path), headers };
}

export function urlOf(prefix, path) {
  try {
    return new URL(`${prefix}${path}`).href;
  } catch {
    return "invalid:";
  }
}

/** What the route sees as `auth`: `{ header, payload, token }`, and `active` for an introspected token. */
export function authOf(result) {
  const auth = { header: result.header, payload: result.payload, token: result.token };
  if (result.active !== undefined) auth.active = result.active;
  return auth;
}

