// A minimal token endpoint for the request benchmarks, run as a child
// process: it answers every POST /token with the same token response and
// counts them (GET /count); GET /api stands for the API a client calls with
// its token (a small JSON answer, 401 without an Authorization header).
import { createServer } from "node:http";

const body = JSON.stringify({ access_token: "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", token_type: "Bearer", expires_in: 300, scope: "profile" });
const api = Buffer.from(JSON.stringify({ archives: [{ id: 1, name: "ledger-1970" }] }));
let count = 0;
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/count") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ count }));
    return;
  }
  if (req.method === "GET" && req.url === "/api") {
    const status = req.headers.authorization ? 200 : 401;
    res.writeHead(status, { "content-type": "application/json", "content-length": api.length }).end(api);
    return;
  }
  req.resume();
  req.on("end", () => {
    count++;
    res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
process.on("disconnect", () => process.exit(0));
