// decodeJwt (header and payload) against jose, jwt-decode, jsonwebtoken and
// the native baseline, on the seed's token, a ~4 KB non-ASCII token and a
// tiny one. Ratios are throughput relative to the native baseline.
import { createRequire } from "node:module";
import { decodeJwt } from "client-credentials";
import { decodeJwt as decodeOnly } from "client-credentials/decode";
import * as jose from "jose";
import { jwtDecode } from "jwt-decode";
import { compare, fmtNs, fmtRatio, quick, table, tokens, verdict } from "./lib.mjs";

const require = createRequire(import.meta.url);
const jsonwebtoken = require("jsonwebtoken");

const native = (t) => {
  const [h, p] = t.split(".");
  return { header: JSON.parse(Buffer.from(h, "base64url").toString()), payload: JSON.parse(Buffer.from(p, "base64url").toString()) };
};

const contenders = {
  "client-credentials": (t) => decodeJwt(t),
  "client-credentials/decode": (t) => decodeOnly(t),
  "native Buffer + JSON.parse": native,
  "jose decodeJwt + decodeProtectedHeader": (t) => ({ header: jose.decodeProtectedHeader(t), payload: jose.decodeJwt(t) }),
  "jwt-decode": (t) => ({ header: jwtDecode(t, { header: true }), payload: jwtDecode(t) }),
  "jsonwebtoken.decode complete": (t) => jsonwebtoken.decode(t, { complete: true }),
};

export async function run() {
  const inputs = tokens();
  const results = {};
  const sections = [];
  for (const [name, token] of Object.entries(inputs)) {
    // Every contender must agree on the claims before it is timed.
    const expected = JSON.stringify(native(token).payload);
    for (const [who, fn] of Object.entries(contenders)) {
      if (JSON.stringify(fn(token).payload) !== expected) throw new Error(`${who} decodes ${name} differently`);
    }
    const iterations = quick ? 2_000 : name === "unicode" ? 2_000 : name === "seed" ? 8_000 : 30_000;
    const ns = await compare(Object.entries(contenders).map(([who, fn]) => [who, () => fn(token)]), { iterations });
    const base = ns.get("native Buffer + JSON.parse");
    results[name] = Object.fromEntries([...ns].map(([who, t]) => [who, { ns: t, vsNative: base / t }]));
    sections.push(
      `**${name}** token (${token.length} chars)\n\n` +
        table(["decoder", "per call", "ops/s", "vs native"], [...ns].map(([who, t]) => [who, fmtNs(t), Math.round(1e9 / t).toLocaleString("en"), fmtRatio(base / t)])),
    );
  }
  const ours = (n) => results[n]["client-credentials"];
  const jose_ = (n) => results[n]["jose decodeJwt + decodeProtectedHeader"];
  const targets = [
    ["decodeJwt ≥ 0.8× native on the seed token", `${fmtRatio(ours("seed").vsNative)} (jose ${fmtRatio(jose_("seed").vsNative)})`, ours("seed").vsNative >= 0.8],
    [
      "decodeJwt from client-credentials/decode ≥ 0.8× native on the seed token",
      fmtRatio(results.seed["client-credentials/decode"].vsNative),
      results.seed["client-credentials/decode"].vsNative >= 0.8,
    ],
    ...Object.keys(inputs).map((n) => [
      `decodeJwt faster than jose on the ${n} token`,
      `${fmtNs(ours(n).ns)} vs ${fmtNs(jose_(n).ns)} (${fmtRatio(jose_(n).ns / ours(n).ns)})`,
      ours(n).ns < jose_(n).ns,
    ]),
  ];
  return { title: "decodeJwt", markdown: sections.join("\n\n"), targets, results };
}
