// `client-credentials decode [TOKEN|-]`: a JWT's header and payload, with
// readable times and Keycloak roles. Decoding is not verification.
import { UsageError, colours, formatTime, readStdin, relative, rolesOf, rows } from "./output.mjs";

export const help = `Usage: client-credentials decode [TOKEN|-] [--json]

Decodes a JWT (JWS compact form) without verifying it: header and payload, with
iat, nbf and exp as dates and times ("expires in 4 min", "expired 3 h ago") and
Keycloak's realm and client roles. The token comes from the argument, or from
stdin when it is "-" or missing:

  client-credentials token | client-credentials decode

  --json   print { "header": ..., "payload": ... } as JSON

Exit codes: 0 ok, 1 not a decodable JWT (ERR_INVALID_JWT), 2 usage.
`;

export const options = { json: { type: "boolean" } };
export const positionals = 1;

export async function run(values, [arg]) {
  const token = await tokenArgument(arg, "decode");
  const lib = await import("client-credentials/decode");
  const { header, payload } = lib.decodeJwt(token);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ header, payload }, null, 2)}\n`);
    return 0;
  }
  const c = colours(process.stdout);
  let out = `${c.bold("Header")}\n${pretty(c, header)}\n${c.bold("Payload")}\n${pretty(c, payload, timeNotes(payload))}\n`;
  const { realm, clients } = rolesOf(lib, payload);
  if (realm.length || clients.length) {
    const entries = [];
    if (realm.length) entries.push(["realm", realm.join(", ")]);
    for (const [name, roles] of clients) entries.push([name, roles.join(", ")]);
    out += `${c.bold("Roles")}\n${rows(c, entries)}`;
  }
  out += c.dim("Not verified: decode does not check the signature (client-credentials verify does).\n");
  process.stdout.write(out);
  return 0;
}

/** The token from the argument, or stdin for "-" or none; surrounding whitespace and a "Bearer " prefix dropped. */
export async function tokenArgument(arg, command) {
  let text = arg;
  if (arg === undefined || arg === "-") {
    if (process.stdin.isTTY) throw new UsageError(`give a token: client-credentials ${command} TOKEN, or pipe one in`);
    // A JWT over 64 KiB is refused by the library anyway; a little slack for whitespace.
    text = await readStdin("the token", 128 * 1024);
  }
  text = text.trim().replace(/^Bearer\s+/i, "");
  if (text === "") throw new UsageError(`no token: the ${arg === undefined || arg === "-" ? "input on stdin" : "argument"} is empty`);
  return text;
}

/** Notes for the time claims (RFC 7519 §4.1.4–4.1.6): when, and how far from now. */
export function timeNotes(payload, now = Date.now()) {
  const notes = {};
  const at = (v) => typeof v === "number" && Number.isFinite(v);
  if (at(payload.exp)) notes.exp = `${formatTime(payload.exp)}, ${payload.exp * 1000 <= now ? "expired" : "expires"} ${relative(payload.exp, now)}`;
  if (at(payload.nbf)) notes.nbf = `${formatTime(payload.nbf)}, ${payload.nbf * 1000 <= now ? "valid since" : "not valid until"} ${relative(payload.nbf, now)}`;
  if (at(payload.iat)) notes.iat = `${formatTime(payload.iat)}, issued ${relative(payload.iat, now)}`;
  if (at(payload.auth_time)) notes.auth_time = formatTime(payload.auth_time);
  return notes;
}

/** JSON, indented, coloured on a terminal, with a dimmed note after the top-level members named in `notes`. */
function pretty(c, value, notes = {}, indent = "") {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => v === null || typeof v !== "object")) {
      const flat = `[${value.map((v) => pretty(c, v)).join(", ")}]`;
      if (flat.length + indent.length < 100) return flat;
    }
    return `[\n${value.map((v) => `${inner}${pretty(c, v, {}, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value);
    if (keys.length === 0) return "{}";
    const members = keys.map((k, i) => {
      const comma = i < keys.length - 1 ? "," : "";
      const note = Object.hasOwn(notes, k) ? `  ${c.dim(`// ${notes[k]}`)}` : "";
      return `${inner}${c.blue(JSON.stringify(k))}: ${pretty(c, value[k], {}, inner)}${comma}${note}`;
    });
    return `{\n${members.join("\n")}\n${indent}}`;
  }
  if (typeof value === "string") return c.green(JSON.stringify(value));
  if (typeof value === "number") return c.yellow(JSON.stringify(value));
  return c.magenta(JSON.stringify(value));
}
