// An API whose only check is authorizeRequest, as a resource server would run
// it on Node: each request becomes a fetch API Request (repeated headers kept
// apart, then joined as fetch does), and a refusal is answered with the
// Response authorizeRequest made. 200 answers `{ sub, jkt }`.
//
//   const api = await startAuthorizingApi({ jwks, issuer, audience });
//   await client.fetch(api.url("/archives"));
//   api.options = { dpop: { maxAgeSeconds: 5 } };   // added to the next requests' options
//   await api.close();

import * as http from "node:http";
import { authorizeRequest } from "client-credentials";
import { listen } from "../../scripts/net.mjs";

export async function startAuthorizingApi(base) {
  let extra = {};
  const server = http.createServer(async (req, res) => {
    for await (const _ of req);
    const headers = new Headers();
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
    const request = new Request(`${origin}${req.url}`, { method: req.method, headers });
    const result = await authorizeRequest(request, { ...base, ...extra });
    if (!result.ok) {
      res.writeHead(result.status, Object.fromEntries(result.response.headers));
      res.end(await result.response.text());
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ sub: result.payload.sub, jkt: result.payload.cnf?.jkt }));
  });
  const port = await listen(server, 0, "127.0.0.1");
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: (path) => `${origin}${path}`,
    set options(value) {
      extra = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
