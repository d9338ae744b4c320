// Token requests: the library's overhead over a raw fetch, with an
// in-process fake fetch (library cost only) and over real HTTP to a local
// token server in another process; then the cached-token rate, the
// authorized call with a cached token (TokenClient.fetch) and the stampede of
// concurrent first calls.
import { fork } from "node:child_process";
import { OAuth2Client, OAuth2Fetch } from "@badgateway/oauth2-client";
import { fetchClientCredentialsToken, TokenClient } from "client-credentials";
import * as oauth from "oauth4webapi";
import * as openid from "openid-client";
import { fmtNs, fmtRatio, median, opsPerSecond, quick, table } from "./lib.mjs";

const CLIENT_ID = "archival-service";
const CLIENT_SECRET = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a";
const BASIC = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString("base64")}`;

/** Every contender makes one Client Credentials request to `tokenUrl` with Basic auth. */
function contenders(tokenUrl, fetchImpl) {
  const issuer = new URL(tokenUrl).origin;
  const as = { issuer, token_endpoint: tokenUrl };
  const o4wClient = { client_id: CLIENT_ID };
  const o4wAuth = oauth.ClientSecretBasic(CLIENT_SECRET);
  const o4wOptions = { [oauth.allowInsecureRequests]: true, [oauth.customFetch]: (...a) => fetchImpl()(...a) };
  const config = new openid.Configuration(as, CLIENT_ID, CLIENT_SECRET);
  openid.allowInsecureRequests(config);
  config[openid.customFetch] = (...a) => fetchImpl()(...a);
  const badgateway = new OAuth2Client({ server: issuer, tokenEndpoint: tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authenticationMethod: "client_secret_basic", fetch: (...a) => fetchImpl()(...a) });
  return [
    ["raw fetch", async () => {
      const res = await fetchImpl()(tokenUrl, { method: "POST", headers: { authorization: BASIC, "content-type": "application/x-www-form-urlencoded", accept: "application/json" }, body: "grant_type=client_credentials" });
      const json = await res.json();
      if (!json.access_token) throw new Error("no token");
    }],
    ["client-credentials", async () => {
      await fetchClientCredentialsToken({ tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    }],
    ["oauth4webapi", async () => {
      const res = await oauth.clientCredentialsGrantRequest(as, o4wClient, o4wAuth, new URLSearchParams(), o4wOptions);
      await oauth.processClientCredentialsResponse(as, o4wClient, res);
    }],
    ["openid-client", async () => {
      await openid.clientCredentialsGrant(config);
    }],
    ["@badgateway/oauth2-client", async () => {
      await badgateway.clientCredentials();
    }],
  ];
}

/** An authorized GET of `apiUrl` with a cached token, body read: raw fetch with the header, ours, @badgateway's. */
function authorizedCalls(apiUrl, bearer, client, bgFetch, fetchImpl) {
  const read = async (response) => {
    if ((await response.arrayBuffer()).byteLength === 0) throw new Error("empty answer");
  };
  return [
    ["raw fetch, fixed Authorization", async () => read(await fetchImpl()(apiUrl, { headers: { authorization: bearer } }))],
    ["client-credentials TokenClient.fetch", async () => read(await client.fetch(apiUrl))],
    ["@badgateway OAuth2Fetch.fetch", async () => read(await bgFetch.fetch(apiUrl))],
  ];
}

/** Median latency per contender, sequential calls, interleaved rounds. */
async function latencies(list, { rounds, calls }) {
  const samples = new Map(list.map(([n]) => [n, []]));
  for (const [, fn] of list) for (let i = 0; i < calls; i++) await fn(); // warm-up
  for (let r = 0; r < rounds; r++) {
    // Alternate the order each round, so no contender always runs first.
    for (const [name, fn] of r % 2 ? [...list].reverse() : list) {
      for (let i = 0; i < calls; i++) {
        const t0 = process.hrtime.bigint();
        await fn();
        samples.get(name).push(Number(process.hrtime.bigint() - t0));
      }
    }
  }
  return new Map([...samples].map(([n, xs]) => [n, median(xs)]));
}

/** The local token server, in its own process so it doesn't share our event loop. */
async function startServer() {
  const child = fork(new URL("./token-server.mjs", import.meta.url), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise((resolve) => child.once("message", (m) => resolve(m.port)));
  const base = `http://127.0.0.1:${port}`;
  return {
    tokenUrl: `${base}/token`,
    apiUrl: `${base}/api`,
    count: async () => (await (await fetch(`${base}/count`)).json()).count,
    close: () => child.kill(),
  };
}

export async function run() {
  const realFetch = globalThis.fetch;
  const body = JSON.stringify({ access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", token_type: "Bearer", expires_in: 300, scope: "profile" });
  const headers = { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) };
  const fake = async () => new Response(body, { status: 200, headers });
  const sections = [];
  const targets = [];
  const results = {};

  // 1. Library overhead: the fake fetch answers at once.
  globalThis.fetch = fake;
  const inProcess = await latencies(contenders("http://127.0.0.1:9/token", () => globalThis.fetch), { rounds: quick ? 2 : 7, calls: quick ? 100 : 1000 });
  globalThis.fetch = realFetch;
  const rawP50 = inProcess.get("raw fetch");
  results.inProcess = Object.fromEntries(inProcess);
  sections.push("**In-process fake fetch** (median latency of one token request; library overhead only)\n\n" +
    table(["client", "p50", "vs raw fetch"], [...inProcess].map(([n, t]) => [n, fmtNs(t), fmtRatio(t / rawP50)])));
  const oursP50 = inProcess.get("client-credentials");
  targets.push(["request overhead ≤ 1.2× raw fetch p50 (fake fetch)", `${fmtNs(oursP50)} vs ${fmtNs(rawP50)} (${fmtRatio(oursP50 / rawP50)})`, oursP50 <= 1.2 * rawP50]);
  const [fastest, fastestP50] = [...inProcess].filter(([n]) => n !== "raw fetch" && n !== "client-credentials").sort((a, b) => a[1] - b[1])[0];
  targets.push(["token request p50 (fake fetch) no slower than the fastest peer", `${fmtRatio(oursP50 / rawP50)} vs ${fastest} ${fmtRatio(fastestP50 / rawP50)} of raw fetch`, oursP50 <= fastestP50]);

  // 1b. The authorized call with a cached token, fake fetch: the library's cost per API call.
  globalThis.fetch = fake;
  {
    const apiUrl = "http://127.0.0.1:9/api";
    const client = new TokenClient({ tokenUrl: "http://127.0.0.1:9/token", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const bg = new OAuth2Client({ server: "http://127.0.0.1:9", tokenEndpoint: "http://127.0.0.1:9/token", clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authenticationMethod: "client_secret_basic", fetch: (...a) => globalThis.fetch(...a) });
    const bgFetch = new OAuth2Fetch({ client: bg, getNewToken: () => bg.clientCredentials(), scheduleRefresh: false });
    const bearer = `Bearer ${(await client.getToken()).accessToken}`;
    await bgFetch.getToken();
    const calls = await latencies(authorizedCalls(apiUrl, bearer, client, bgFetch, () => globalThis.fetch), { rounds: quick ? 2 : 7, calls: quick ? 200 : 2000 });
    const raw = calls.get("raw fetch, fixed Authorization");
    const ours = calls.get("client-credentials TokenClient.fetch");
    results.authorizedInProcess = Object.fromEntries(calls);
    sections.push("**Authorized call with a cached token, in-process fake fetch** (median latency of one API call; library cost only)\n\n" +
      table(["client", "p50", "over raw fetch"], [...calls].map(([n, t]) => [n, fmtNs(t), `+${fmtNs(Math.max(0, t - raw))}`])));
    targets.push(["authorized call (fake fetch) ≤ 2 µs p50 over raw fetch", `${fmtNs(ours)} vs ${fmtNs(raw)} (+${fmtNs(ours - raw)})`, ours - raw <= 2000]);
  }
  globalThis.fetch = realFetch;

  // 2. Real HTTP to a local server.
  const server = await startServer();
  try {
    // Raw fetch runs twice, at both ends of each round: the gap between its
    // two rows is the run's noise, which on a shared 2-core machine can be
    // wider than the 5% the target allows.
    const httpList = contenders(server.tokenUrl, () => realFetch);
    httpList.push(["raw fetch (again)", httpList[0][1]]);
    const rps = await opsPerSecond(httpList, { rounds: quick ? 1 : 7, total: quick ? 200 : 2000, concurrency: 8 });
    // The baseline is the mean of raw fetch's two rows.
    const rawRows = [rps.get("raw fetch"), rps.get("raw fetch (again)")];
    const raw = (rawRows[0] + rawRows[1]) / 2;
    const noise = Math.max(...rawRows) / Math.min(...rawRows) - 1;
    results.http = Object.fromEntries(rps);
    sections.push(`**Real HTTP** to a local token server in another process (requests/s, 8 concurrent callers). Raw fetch runs at both ends of each round, in alternating order; its two rows differ by ${Math.round(noise * 100)}% here, which is this run's noise, and their mean is the baseline.\n\n` +
      table(["client", "requests/s", "vs raw fetch (mean of its two rows)"], [...rps].map(([n, r]) => [n, Math.round(r).toLocaleString("en"), fmtRatio(r / raw)])));
    const ours = rps.get("client-credentials");
    targets.push(["real HTTP within 5% of raw fetch requests/s", `${Math.round(ours)} vs ${Math.round(raw)} req/s (${fmtRatio(ours / raw)}; raw fetch's own two rows differ by ${Math.round(noise * 100)}%)`, ours >= 0.95 * raw]);

    // 3. Cached getToken(): ours against @badgateway's OAuth2Fetch.
    const client = new TokenClient({ tokenUrl: server.tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const bg = new OAuth2Client({ server: new URL(server.tokenUrl).origin, tokenEndpoint: server.tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, authenticationMethod: "client_secret_basic" });
    const bgFetch = new OAuth2Fetch({ client: bg, getNewToken: () => bg.clientCredentials() });
    await client.getToken();
    await bgFetch.getToken();
    const cachedCalls = quick ? 2_000 : 50_000;
    const cached = await latencies([
      ["client-credentials TokenClient.getToken()", () => client.getToken()],
      ["@badgateway OAuth2Fetch.getToken()", () => bgFetch.getToken()],
    ], { rounds: quick ? 1 : 5, calls: cachedCalls });
    const oursCached = cached.get("client-credentials TokenClient.getToken()"), bgCached = cached.get("@badgateway OAuth2Fetch.getToken()");
    results.cached = Object.fromEntries(cached);
    sections.push("**Cached token** (median time per awaited `getToken()`)\n\n" +
      table(["client", "per call", "calls/s", "vs @badgateway"], [...cached].map(([n, t]) => [n, fmtNs(t), Math.round(1e9 / t).toLocaleString("en"), fmtRatio(bgCached / t)])));
    targets.push(["cached getToken() at least @badgateway's rate", `${Math.round(1e9 / oursCached).toLocaleString("en")} vs ${Math.round(1e9 / bgCached).toLocaleString("en")} calls/s`, oursCached <= bgCached]);

    // 3b. The authorized call with a cached token, 16 in flight, real HTTP.
    {
      const bgApi = new OAuth2Fetch({ client: bg, getNewToken: () => bg.clientCredentials(), scheduleRefresh: false });
      await bgApi.getToken();
      const bearer = `Bearer ${(await client.getToken()).accessToken}`;
      const list = authorizedCalls(server.apiUrl, bearer, client, bgApi, () => realFetch);
      list.push(["raw fetch, fixed Authorization (again)", list[0][1]]);
      const rps = await opsPerSecond(list, { rounds: quick ? 1 : 9, total: quick ? 400 : 3000, concurrency: 16 });
      const rawRows = [rps.get("raw fetch, fixed Authorization"), rps.get("raw fetch, fixed Authorization (again)")];
      const raw = (rawRows[0] + rawRows[1]) / 2;
      const noise = Math.max(...rawRows) / Math.min(...rawRows) - 1;
      const ours = rps.get("client-credentials TokenClient.fetch"), peer = rps.get("@badgateway OAuth2Fetch.fetch");
      results.authorizedHttp = Object.fromEntries(rps);
      sections.push(`**Authorized call with a cached token, real HTTP** (API calls/s, 16 in flight, to a local server in another process; raw fetch with a fixed header runs at both ends of each round, its two rows differ by ${Math.round(noise * 100)}%, and their mean is the baseline)\n\n` +
        table(["client", "calls/s", "vs raw fetch"], [...rps].map(([n, r]) => [n, Math.round(r).toLocaleString("en"), fmtRatio(r / raw)])));
      targets.push(["authorized call ≥ 0.97× raw fetch with a fixed header (real HTTP, 16 in flight)", `${fmtRatio(ours / raw)} (raw fetch's own two rows differ by ${Math.round(noise * 100)}%)`, ours >= 0.97 * raw]);
      targets.push(["authorized call ahead of @badgateway OAuth2Fetch.fetch", `${fmtRatio(ours / raw)} vs ${fmtRatio(peer / raw)}`, ours > peer]);
    }

    // 4. Stampede: 1000 concurrent first calls.
    const before = await server.count();
    const fresh = new TokenClient({ tokenUrl: server.tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    await Promise.all(Array.from({ length: 1000 }, () => fresh.getToken()));
    const made = (await server.count()) - before;
    results.stampede = made;
    targets.push(["1000 concurrent getToken() make exactly 1 token request", `${made} request(s)`, made === 1]);
  } finally {
    server.close();
  }
  return { title: "Token requests", markdown: sections.join("\n\n"), targets, results };
}
