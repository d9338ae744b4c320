// Picks the command, parses its flags with Node's `util.parseArgs`, runs it,
// and turns any error into a message on stderr and an exit code:
// 0 ok, 1 refused or invalid, 2 usage or options, 3 transport.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { UsageError, exitCode, reportError } from "./output.mjs";

/** Each command module exports `help`, `options` (for parseArgs), `positionals` (how many) and `run`. */
const COMMANDS = {
  token: () => import("./token.mjs"),
  decode: () => import("./decode.mjs"),
  verify: () => import("./verify.mjs"),
  call: () => import("./call.mjs"),
};

export const USAGE = `Usage: client-credentials <command> [flags]

OAuth 2.0 Client Credentials tokens and JWTs from the command line.

Commands:
  token    get an access token; prints the token alone (--json: the whole result)
  decode   decode a JWT: header, payload, readable times, roles (no verification)
  verify   verify a JWT's signature and claims against the issuer's keys
  call     get a token and send a request with it, like curl with auth

Run client-credentials <command> --help for its flags.

Environment: CC_TOKEN_URL, CC_ISSUER, CC_CLIENT_ID, CLIENT_SECRET (flags win);
HTTPS_PROXY, HTTP_PROXY, NO_PROXY as curl reads them (--proxy URL, --no-proxy win).
Exit codes: 0 ok, 1 refused or invalid, 2 usage or options, 3 transport.
`;

/** Runs the command line `argv` (without node and the script) and resolves to the exit code. */
export async function main(argv) {
  // A reader that closes the pipe early (`| head -1`) is not an error.
  process.stdout.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === "--help" || name === "-h" || name === "help") {
      process.stdout.write(USAGE);
      return 0;
    }
    if (name === "--version" || name === "-v") {
      const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (load === undefined) {
      // Named only when it looks like a word: a stray first argument may be a secret or a token.
      const what = /^-{0,2}[a-z][a-z-]{0,19}$/i.test(name) ? ` "${name}"` : "";
      throw new UsageError(`unknown command${what}; the commands are ${Object.keys(COMMANDS).join(", ")} (client-credentials --help)`);
    }
    const command = await load();
    const { values, positionals } = parse(name, command, rest);
    if (values.help) {
      process.stdout.write(command.help);
      return 0;
    }
    return (await command.run(values, positionals)) ?? 0;
  } catch (err) {
    reportError(err);
    return exitCode(err);
  }
}

/** parseArgs, strict, with its errors turned into usage errors that name the flag. */
function parse(name, command, args) {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const flag = /option '([^' ]+)/i.exec(err.message)?.[1];
    const why =
      err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION"
        ? `unknown flag ${flag}`
        : err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /does not take/.test(err.message)
          ? `${flag} takes no value`
          : err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /ambiguous/.test(err.message)
            ? `the value of ${flag} starts with "-"; write it as ${flag}=VALUE`
            : err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE"
              ? `${flag} needs a value`
              : err.message;
    throw new UsageError(`${why} (client-credentials ${name} --help lists the flags)`);
  }
  if (!parsed.values.help && parsed.positionals.length > command.positionals) {
    // Not echoed: a stray argument may be a secret or a token.
    const count = command.positionals === 0 ? "no arguments" : `at most ${command.positionals} argument`;
    throw new UsageError(`too many arguments: ${name} takes ${count} besides its flags (client-credentials ${name} --help)`);
  }
  return parsed;
}
