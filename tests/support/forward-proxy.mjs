// A forward HTTP proxy on a loopback port, for the tests of the `fetch` option with
// undici's ProxyAgent and of the CLI's HTTPS_PROXY: CONNECT tunnels (what undici's
// ProxyAgent sends, for http and https targets alike) and absolute-form requests
// (`GET http://host/path`, what curl sends for http), each logged as it arrives. With
// `credentials` it wants `Proxy-Authorization: Basic` (RFC 9110 §11.7.1) and answers
// 407 without it. Made by hand: the tests check our use of a proxy, not a proxy.
//
//   const proxy = await startForwardProxy();
//   ... HTTPS_PROXY=proxy.url ...
//   proxy.log  // [{ method: "CONNECT", target: "127.0.0.1:8443", authorized: true }, ...]
//   await proxy.close();

import * as http from "node:http";
import * as net from "node:net";

export async function startForwardProxy({ credentials } = {}) {
  const log = [];
  const sockets = new Set();
  const track = (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    return socket;
  };
  const expected = credentials && `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  const allowed = (req) => expected === undefined || req.headers["proxy-authorization"] === expected;

  const server = http.createServer((req, res) => {
    const authorized = allowed(req);
    log.push({ method: req.method, target: req.url, authorized });
    if (!authorized) return res.writeHead(407, { "proxy-authenticate": 'Basic realm="proxy"', "content-length": "0" }).end();
    let target;
    try {
      target = new URL(req.url);
    } catch {
      return res.writeHead(400, { "content-length": "0" }).end();
    }
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    delete headers["proxy-connection"];
    const upstream = http.request(target, { method: req.method, headers, agent: false }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.headersSent ? res.destroy() : res.writeHead(502, { "content-length": "0" }).end());
    req.pipe(upstream);
  });

  server.on("connect", (req, client, head) => {
    track(client);
    const authorized = allowed(req);
    log.push({ method: "CONNECT", target: req.url, authorized });
    if (!authorized) return client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\nContent-Length: 0\r\n\r\n');
    const colon = req.url.lastIndexOf(":");
    const host = req.url.slice(0, colon).replace(/^\[|\]$/g, "");
    const upstream = track(net.connect(Number(req.url.slice(colon + 1)), host));
    upstream.once("connect", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.end("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"));
    client.on("error", () => upstream.destroy());
  });
  server.on("connection", track);

  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    /** Every request, in arrival order: `{ method, target, authorized }` (no headers: they may hold secrets). */
    log,
    /** The log from index `from` on. */
    since: (from) => log.slice(from),
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
