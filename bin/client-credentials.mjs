#!/usr/bin/env node
// `client-credentials`: the package's command line (token, decode, verify,
// call). This file only starts it; bin/cli/main.mjs picks the command, and
// each command loads the library, and so the wasm, only when it runs.
import { main } from "./cli/main.mjs";

process.exitCode = await main(process.argv.slice(2));
