// What the command line shows: colours (only on a terminal, never with
// NO_COLOR), readable times, roles, and errors with their exit codes.

/** An error in how the command was called; exit code 2, like ERR_INVALID_OPTIONS. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
    this.code = "ERR_INVALID_OPTIONS";
  }
}

const REFUSED = new Set(["ERR_OAUTH", "ERR_INVALID_JWT", "ERR_JWKS_NO_KEY"]);
const TRANSPORT = new Set(["ERR_NETWORK", "ERR_TIMEOUT", "ERR_HTTP", "ERR_INVALID_RESPONSE", "ERR_ABORTED"]);

/** 1 refused or invalid, 2 usage or options, 3 transport; anything unforeseen is 1. */
export function exitCode(err) {
  const code = typeof err?.code === "string" ? err.code : "";
  if (code === "ERR_INVALID_OPTIONS") return 2;
  if (TRANSPORT.has(code)) return 3;
  if (REFUSED.has(code) || code.startsWith("ERR_JWT_")) return 1;
  return 1;
}

/**
 * `client-credentials: CODE: message` on stderr. The library's messages hold
 * no secret and no token; the command line's own messages never quote a
 * secret, a token or a stray argument.
 */
export function reportError(err) {
  const c = colours(process.stderr);
  const code = typeof err?.code === "string" ? err.code : "ERR_INTERNAL";
  const claim = typeof err?.claim === "string" ? ` (claim ${err.claim})` : "";
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${c.red(`client-credentials: ${code}`)}${claim}: ${message}\n`);
}

/** Prints a warning on stderr. */
export function warn(message) {
  process.stderr.write(`${colours(process.stderr).yellow("warning:")} ${message}\n`);
}

/** ANSI styles for `stream`: real ones on a terminal without NO_COLOR (no-color.org), else the identity. */
export function colours(stream) {
  const on = Boolean(stream.isTTY) && !process.env.NO_COLOR;
  const style = (open, close) => (on ? (s) => `\x1b[${open}m${s}\x1b[${close}m` : (s) => String(s));
  return {
    on,
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    blue: style(34, 39),
    magenta: style(35, 39),
    cyan: style(36, 39),
  };
}

const pad = (n) => String(n).padStart(2, "0");

/** `2026-11-30 18:25:03 UTC` (or `+01:00`): the local date and time of epoch seconds. */
export function formatTime(seconds) {
  const d = new Date(seconds * 1000);
  const offset = -d.getTimezoneOffset();
  const zone =
    offset === 0 ? "UTC" : `${offset > 0 ? "+" : "-"}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zone}`;
}

/** `18:25:03`, with the date in front when it is not today. */
export function formatClock(seconds, now = Date.now()) {
  const full = formatTime(seconds);
  return full.slice(0, 10) === formatTime(now / 1000).slice(0, 10) ? full.slice(11) : full;
}

/** A duration in one rounded unit: `42 s`, `5 min`, `3 h`, `2 d`, `4 y`. */
export function duration(seconds) {
  const s = Math.abs(seconds);
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`;
  if (s < 730 * 86400) return `${Math.round(s / 86400)} d`;
  return `${Math.round(s / (365.25 * 86400))} y`;
}

/** `in 5 min` or `3 h ago`, for epoch seconds against now. */
export function relative(seconds, now = Date.now()) {
  const delta = seconds - now / 1000;
  return delta >= 0 ? `in ${duration(delta)}` : `${duration(delta)} ago`;
}

/**
 * Keycloak's roles in a JWT payload, read with the library's own `realmRoles`
 * and `clientRoles` (`lib`, the loaded package): realm roles and, per client
 * that has any, client roles.
 */
export function rolesOf(lib, payload) {
  const access = payload?.resource_access;
  const names = access && typeof access === "object" && !Array.isArray(access) ? Object.keys(access) : [];
  const clients = names.map((client) => [client, lib.clientRoles(payload, client)]).filter(([, roles]) => roles.length);
  return { realm: lib.realmRoles(payload), clients };
}

/** Rows `label  value`, labels padded to one width and dimmed. */
export function rows(c, entries, indent = "  ") {
  const width = Math.max(...entries.map(([label]) => label.length));
  return entries.map(([label, value]) => `${indent}${c.dim(label.padEnd(width))}  ${value}\n`).join("");
}

/** Everything on stdin, as text; past `limit` bytes, a usage error naming `what`. */
export async function readStdin(what = "the input", limit = Infinity) {
  const chunks = [];
  let length = 0;
  for await (const chunk of process.stdin) {
    length += chunk.length;
    if (length > limit) {
      process.stdin.destroy();
      throw new UsageError(`${what} on stdin is over ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
