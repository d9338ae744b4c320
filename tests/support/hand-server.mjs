// Servers made by hand for one test each, where a canned route is not enough: a
// handler per test, and a record of every connection (when it closed, how many bytes
// the server wrote), so a test can tell that the client hung up early.
//
//   const s = await httpServer((req, res, body) => { ... });
//   await fetchClientCredentialsToken({ tokenUrl: s.url("/token"), ... });
//   s.connections[0].closedAt; s.connections[0].bytesWritten;
//   await s.close();   // or closeAll() in an `after` hook, which also covers failed tests
//
// Everything listens on 127.0.0.1 only, and every loop that writes is bounded in
// bytes and time, so a client that never hangs up cannot make a server run on.

import * as http from "node:http";
import * as net from "node:net";
import { once } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";

/** Servers not closed yet, so that a failed test cannot leave one running. */
const live = new Set();

/** Closes every server still open; for an `after` hook. */
export function closeAll() {
  return Promise.all([...live].map((close) => close()));
}

/** The most a pump writes to one connection, and for how long. */
export const PUMP_LIMIT_BYTES = 512 * 1024 * 1024;
export const PUMP_LIMIT_MS = 15_000;

function track(server) {
  const connections = [];
  server.on("connection", (socket) => {
    const c = {
      openedAt: Date.now(),
      closedAt: undefined,
      bytesWritten: 0,
      /** Whether the client sent anything: undici opens a spare connection after it drops one. */
      get used() {
        return socket.bytesRead > 0;
      },
    };
    connections.push(c);
    socket.on("close", () => {
      c.closedAt = Date.now();
      c.bytesWritten = socket.bytesWritten;
    });
  });
  return connections;
}

async function listen(server) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return `http://127.0.0.1:${server.address().port}`;
}

function closer(server, sockets) {
  let closing;
  const close = () => {
    live.delete(close);
    closing ??= new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
      server.closeAllConnections?.();
    });
    return closing;
  };
  live.add(close);
  return close;
}

/** An HTTP server whose every request goes to `handler(req, res, body)`, body read first. */
export async function httpServer(handler) {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      new Promise((resolve) => resolve(handler(req, res, Buffer.concat(chunks).toString("utf8")))).catch((err) => {
        // A handler's failure is the test's failure, not a hang.
        console.error("hand-server handler failed:", err);
        res.destroy();
      });
    });
  });
  return serve(server, { hits });
}

/**
 * A TCP server speaking HTTP by hand: `onRequest(socket, head)` gets the socket once
 * the request head and its Content-Length body have arrived, and writes raw bytes.
 */
export async function rawServer(onRequest) {
  const server = net.createServer((socket) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = buffered.subarray(0, end).toString("latin1");
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      socket.off("data", onData);
      new Promise((resolve) => resolve(onRequest(socket, head))).catch(() => socket.destroy());
    };
    socket.on("data", onData);
    socket.on("error", () => {});
  });
  return serve(server);
}

/**
 * Starts `server` on loopback, keeping its sockets so `close()` can end them,
 * and returns what every server here returns, plus `extra`.
 */
async function serve(server, extra = {}) {
  const connections = track(server);
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const origin = await listen(server);
  return { origin, url: (path = "/token") => `${origin}${path}`, connections, close: closer(server, sockets), ...extra };
}

/**
 * Writes `chunk` to `stream` again and again, honouring backpressure, with `delayMs`
 * between writes, until the peer goes away or the bounds are reached. Returns the
 * bytes written.
 */
export async function pump(stream, chunk, { delayMs = 0 } = {}) {
  const started = Date.now();
  let written = 0;
  let closed = false;
  stream.once("close", () => (closed = true));
  stream.on("error", () => (closed = true));
  while (!closed && !stream.destroyed && written < PUMP_LIMIT_BYTES && Date.now() - started < PUMP_LIMIT_MS) {
    const more = stream.write(chunk);
    written += chunk.length;
    if (!more) await Promise.race([once(stream, "drain"), once(stream, "close"), sleep(PUMP_LIMIT_MS, undefined, { ref: false })]);
    if (delayMs) await sleep(delayMs, undefined, { ref: false });
  }
  if (!stream.destroyed) stream.destroy();
  return written;
}

/** Writes `text` one byte at a time, `delayMs` apart, while the peer is there. */
export async function trickle(socket, text, delayMs) {
  for (const byte of Buffer.from(text)) {
    if (socket.destroyed) return;
    socket.write(Buffer.from([byte]));
    await sleep(delayMs);
  }
}
