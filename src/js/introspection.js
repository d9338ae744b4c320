// introspectToken and authorizeRequest's `introspection` option: token
// introspection (RFC 7662), the core's Introspector driven over
// src/js/http.js, with discovery and every client authentication method of
// a token request (client assertions signed by src/js/signing.js).
//
// The core builds the request, reads the answer, says until when an active
// answer may stand in for asking again, and checks the claims. What stays
// here is awaiting, and keeping those answers in a bounded map.
// A namespace, not named imports: an entry built without the
// `introspection` feature has no Introspector, and then only introspection
// fails (with a clear error), not the whole module graph.
import * as wasm from "./client_credentials.js";
import { send } from "./http.js";
import { importKeys, sign } from "./signing.js";
import { GAVE_UP, within } from "./flight.js";

const OPTIONS = 1;

/**
 * Asks the authorization server whether `token` is active (RFC 7662 §2).
 * Options: `introspectionEndpoint` or `issuer` (discovery names
 * `introspection_endpoint`), `clientId` and the client's credentials as for
 * a token request. Resolves to the server's answer, `{ active: true,
 * ...claims }`, or `{ active: false }`; rejects as a token request does
 * (ERR_OAUTH, ERR_HTTP, ERR_NETWORK, ...).
 */
export async function introspectToken(token, options) {
  const session = introspector(options);
  try {
    const { claims } = read(await ask(session, keysFor(session, options), token, options.fetch ?? undefined));
    return JSON.parse(claims);
  } finally {
    session.free();
  }
}

/** The core's Introspector for these options. */
function introspector(options) {
  if (wasm.Introspector === undefined) {
    throw wasm.verifyError(OPTIONS, "token introspection is not in this entry's wasm; import from \"client-credentials\"");
  }
  return new wasm.Introspector(options);
}

/** The client assertion's key (a promise), imported once, or undefined when the client authenticates with its secret. */
function keysFor(session, options) {
  return session.needsKeys ? importKeys(session, options) : undefined;
}

/**
 * Discovers the introspection endpoint if needed, then sends the
 * introspection request, with a signed client assertion for a JWT method,
 * through `fetcher` (the `fetch` option) when given; resolves to the answer
 * as the core reads it: `until \n claims`.
 */
async function ask(session, keys, token, fetcher) {
  const { signal, timeoutMs } = session;
  const signers = await keys;
  for (let i = 0, url; (url = session.metadataUrl(i)) !== undefined; i++) {
    const res = await send(url, undefined, undefined, timeoutMs, signal, undefined, true, fetcher);
    if (session.discovered(i, res.status, res.meta, res.body)) break;
  }
  const [url, authorization, form, assertion] = session.introspectionRequest(token, Date.now()).split("\n");
  const signed = assertion ? await sign(session, signers.client, assertion) : "";
  const response = await send(url, authorization || undefined, form + signed, timeoutMs, signal, undefined, true, fetcher);
  return session.acceptIntrospection(response.status, response.meta, response.body, token, Date.now());
}

/** `acceptIntrospection`'s text as `{ until, claims }`; `until` undefined for an inactive token. */
function read(text) {
  const cut = text.indexOf("\n");
  return { until: cut === 0 ? undefined : Number(text.slice(0, cut)), claims: text.slice(cut + 1) };
}

/** Most answers kept per `introspection` options object; past that, the least recently used goes. */
const MAX_CACHED = 1000;

/** The introspector of each `introspection` options object: made once, so discovery runs once and the answers are shared. */
const introspectors = new WeakMap();

/** Errors that came from introspecting, so a refusal can say so. */
export const introspectionFailures = new WeakSet();

/**
 * The introspector `authorizeRequest`'s options ask for, or undefined
 * without `introspection`; its options are checked here, before any token
 * is read. Without `issuer` or `introspectionEndpoint` of its own, it asks
 * the issuer the tokens come from.
 */
export function introspectorFor(options) {
  const given = options?.introspection;
  if (given === undefined) return undefined;
  if (given === null || typeof given !== "object" || Array.isArray(given)) {
    throw wasm.verifyError(OPTIONS, "introspection must be an object: { clientId, clientSecret, cacheSeconds, always, ... }");
  }
  let found = introspectors.get(given);
  if (found === undefined) {
    const settings = given.issuer === undefined && given.introspectionEndpoint === undefined ? { ...given, issuer: options.issuer } : given;
    const session = introspector(settings);
    found = { session, settings, keys: undefined, always: session.always, answers: new Map(), flights: new Map() };
    introspectors.set(given, found);
  }
  return found;
}

/**
 * The server's answer about `token`: concurrent callers with the same token
 * share one request, each waiting for someone else's no longer than it can
 * take (as TokenClient's callers do; flight.js), then asking itself.
 */
function asked(introspector, token) {
  const { flights, session } = introspector;
  const start = () => {
    const keys = (introspector.keys ??= keysFor(session, introspector.settings));
    const promise = ask(session, keys, token, introspector.settings.fetch ?? undefined).then(read, (e) => {
      if (e !== null && typeof e === "object") introspectionFailures.add(e);
      throw e;
    });
    flights.set(token, promise);
    const settle = () => {
      if (flights.get(token) === promise) flights.delete(token);
    };
    promise.then(settle, settle);
    return promise;
  };
  const flight = flights.get(token);
  if (flight === undefined) return start();
  return within(flight, session.joinLimitMs).then((answer) => (answer === GAVE_UP ? start() : answer));
}

/**
 * What the authorization server says of `token` (`{ header, payload,
 * active }`), from a kept answer or a new one, its claims checked by
 * `verifier` at `now` on every use; null when the token is not active.
 */
export async function introspect(introspector, token, verifier, now) {
  const { answers } = introspector;
  let answer = answers.get(token);
  if (answer !== undefined && answer.until > now) {
    // The most recently used goes last, so the first is the one to drop.
    answers.delete(token);
    answers.set(token, answer);
  } else {
    if (answer !== undefined) answers.delete(token);
    answer = await asked(introspector, token);
    if (answer.until === undefined) return null;
  }
  verifier.checkIntrospected(answer.claims, now);
  if (answer.until > now && !answers.has(token)) {
    if (answers.size >= MAX_CACHED) answers.delete(answers.keys().next().value);
    answers.set(token, answer);
  }
  const payload = JSON.parse(answer.claims);
  return { header: undefined, payload, active: payload };
}
