// Every JavaScript sample of docs/custom-fetch.md runs, as a reader would run it, with
// what it needs: the dev authorization server and the demo API for the origins the
// samples are written with (localhost:9191, localhost:8383), a forward proxy for
// proxy.internal:3128, and a TLS front that asks for a client certificate for
// mtls.internal:8443 (with client.crt, client.key and ca.crt made for the run). The
// proxy's log and the front's record show that the samples went where they say.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";
import { startResourceServer } from "../../scripts/resource-server.mjs";
import { startForwardProxy } from "../support/forward-proxy.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const page = readFileSync(join(root, "docs", "custom-fetch.md"), "utf8");
const blocks = [...page.matchAll(/^```js([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({ info: m[1].trim(), code: m[2], title: m[2].split("\n").find((l) => /^import .* from "undici"|^const (traced|sent) /.test(l)) }));

let as, api, proxy, front, certs, scratch;
const frontSeen = [];

before(async () => {
  as = await startAuthServer();
  api = await startResourceServer({ issuer: as.issuer, port: 0, publicHost: "localhost" });
  proxy = await startForwardProxy();
  certs = mkdtempSync(join(tmpdir(), "cc-mtls-"));
  const ssl = (...args) => execFileSync("openssl", args, { cwd: certs, stdio: "ignore" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  ssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=custom-fetch test CA");
  for (const [name, subject, ext] of [
    ["server", "/CN=127.0.0.1", "subjectAltName=IP:127.0.0.1"],
    ["client", "/CN=archival-service", "extendedKeyUsage=clientAuth"],
  ]) {
    writeFileSync(join(certs, `${name}.ext`), `${ext}\n`);
    ssl("req", ...ec, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    ssl("x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "1", "-extfile", `${name}.ext`);
  }
  const read = (f) => readFileSync(join(certs, f));
  const upstream = new URL(as.tokenUrl);
  front = https.createServer({ key: read("server.key"), cert: read("server.crt"), ca: read("ca.crt"), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    frontSeen.push({ path: req.url, client: req.socket.getPeerCertificate().subject?.CN });
    const relay = http.request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    req.pipe(relay);
  });
  await new Promise((resolve) => front.listen(0, "127.0.0.1", resolve));
  // Inside the checkout, so that the samples import the package (and undici) by name.
  scratch = join(root, "test-output", "custom-fetch-docs");
  mkdirSync(scratch, { recursive: true });
});

after(async () => {
  front?.closeAllConnections();
  await Promise.allSettled([as?.close(), api?.close(), proxy?.close(), new Promise((r) => (front ? front.close(r) : r()))]);
  if (certs) rmSync(certs, { recursive: true, force: true });
});

/** Runs a sample with the origins it names pointed at this test's servers; resolves to its exit code and output. */
function runSample(code, name) {
  const asOrigin = new URL(as.issuer).origin;
  const source = code
    .replaceAll("http://localhost:9191", asOrigin)
    .replaceAll("http://localhost:8383", new URL(api.url).origin)
    .replaceAll("http://proxy.internal:3128", proxy.url)
    .replaceAll("https://mtls.internal:8443", `https://127.0.0.1:${front.address().port}`);
  const file = join(scratch, `${name}.mjs`);
  writeFileSync(file, source);
  return new Promise((resolve, reject) => {
    // cwd: where client.crt, client.key and ca.crt are.
    const child = spawn(process.execPath, [file], { cwd: certs, env: { PATH: process.env.PATH, CLIENT_SECRET: as.clients.basic.clientSecret }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
  });
}

const block = (pattern) => {
  const found = blocks.filter((b) => pattern.test(b.code));
  assert.equal(found.length, 1, `one sample matching ${pattern}`);
  return found[0];
};

test("docs/custom-fetch.md has its four samples, the two that need a proxy or mTLS marked no-run for the generic doc runner", () => {
  assert.equal(blocks.length, 4, blocks.map((b) => b.info).join(" | "));
  assert.match(block(/ProxyAgent\(/).info, /^no-run: .*custom-fetch-docs\.test\.mjs/);
  assert.match(block(/new Agent\(/).info, /^no-run: .*custom-fetch-docs\.test\.mjs/);
});

test("the proxy sample: the token request and the API call go through the proxy", async () => {
  const from = proxy.log.length;
  const { status, out } = await runSample(block(/ProxyAgent\(/).code, "proxy");
  assert.equal(status, 0, out);
  assert.match(out, /^200 archival-service$/m);
  const targets = new Set(proxy.since(from).map((e) => e.target));
  assert.deepEqual(targets, new Set([new URL(as.tokenUrl).host.replace("127.0.0.1", "localhost"), new URL(api.url).host]));
});

test("the tracing sample: one line per request, discovery, token and API call, with their statuses", async () => {
  const { status, out } = await runSample(block(/const traced/).code, "tracing");
  assert.equal(status, 0, out);
  const spans = out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  assert.deepEqual(
    spans.map((s) => [s["http.request.method"], new URL(s["url.full"]).pathname, s["http.response.status_code"]]),
    [
      ["GET", "/realms/sivalabs/.well-known/openid-configuration", 200],
      ["POST", "/realms/sivalabs/protocol/openid-connect/token", 200],
      ["GET", "/api/archives", 200],
    ],
  );
  assert.ok(!out.includes(as.clients.basic.clientSecret));
});

test("the test double sample: its assertions hold", async () => {
  const { status, out } = await runSample(block(/const double/).code, "double");
  assert.equal(status, 0, out);
});

test("the mTLS sample: a token through a front that asks for the client certificate; without it, refused", async () => {
  const from = frontSeen.length;
  const { status, out } = await runSample(block(/new Agent\(/).code, "mtls");
  assert.equal(status, 0, out);
  assert.match(out, /^Bearer 300$/m);
  assert.deepEqual(frontSeen.slice(from), [{ path: "/realms/sivalabs/protocol/openid-connect/token", client: "archival-service" }]);
  // The same sample without the client certificate fails: the front really asks for it.
  const without = block(/new Agent\(/).code.replace(/cert: readFileSync\("client.crt"\),\n\s*key: readFileSync\("client.key"\),\n/, "");
  assert.notEqual(without, block(/new Agent\(/).code);
  const refused = await runSample(without, "mtls-without-cert");
  assert.notEqual(refused.status, 0);
  assert.match(refused.out, /ERR_NETWORK/);
});
