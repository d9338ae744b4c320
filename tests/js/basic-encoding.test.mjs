// basicEncoding: "raw" against a real Glewlwyd, which reads Basic credentials as
// they are instead of form-decoding them (RFC 6749 §2.3.1), and the default
// "form" against oidc-provider, which follows the RFC, with the same secret.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { decodeJwt, fetchClientCredentialsToken } from "client-credentials";
import { startGlewlwyd } from "../support/glewlwyd.mjs";
import { startAuthServer } from "../../scripts/dev-auth-server.mjs";

/** Every character form-encoding changes that Glewlwyd takes in a secret. */
const SECRET = "s3cr:t+%20 x/=?&~";
const CLIENT = { clientId: "raw-client", clientSecret: SECRET };

let glw;
let as;

before(async () => {
  [glw, as] = await Promise.all([startGlewlwyd({ clients: [CLIENT] }), startAuthServer()]);
});

after(() => Promise.all([glw?.close(), as?.close()]));

test('Glewlwyd: basicEncoding "raw" sends the secret as it is, and gets a token', async () => {
  const token = await fetchClientCredentialsToken({ tokenUrl: glw.tokenUrl, ...CLIENT, scope: "openid", basicEncoding: "raw" });
  assert.equal(token.tokenType, "Bearer");
  assert.equal(decodeJwt(token.accessToken).payload.client_id, "raw-client");
});

test('Glewlwyd: the default "form" encoding is refused, so "raw" is what makes the difference', async () => {
  const err = await fetchClientCredentialsToken({ tokenUrl: glw.tokenUrl, ...CLIENT, scope: "openid" }).catch((e) => e);
  assert.equal(err.code, "ERR_HTTP", err.message);
  assert.equal(err.status, 403);
});

test('oidc-provider, which form-decodes: "form" works with the same secret, "raw" is refused', async () => {
  const { clientId, clientSecret } = as.clients.special;
  assert.equal(clientSecret, SECRET);
  const token = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret, basicEncoding: "form" });
  assert.equal(decodeJwt(token.accessToken).payload.client_id, clientId);
  // The id has a ':', which a raw Basic header can't carry (RFC 7617 §2).
  const err = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId, clientSecret, basicEncoding: "raw" }).catch((e) => e);
  assert.equal(err.code, "ERR_INVALID_OPTIONS");
  assert.match(err.message, /can't send a clientId that contains ":"/);
  const post = as.clients.post;
  const raw = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: post.clientId, clientSecret: SECRET, basicEncoding: "raw" }).catch((e) => e);
  assert.equal(raw.code, "ERR_OAUTH");
  assert.equal(raw.error, "invalid_client");
});

test("basicEncoding: bad values and other methods are refused", async () => {
  for (const [extra, pattern] of [
    [{ basicEncoding: "utf8" }, /basicEncoding must be "form"/],
    [{ basicEncoding: "raw", authMethod: "client_secret_post" }, /applies only to authMethod "client_secret_basic"/],
    [{ basicEncoding: true }, /basicEncoding must be a string/],
  ]) {
    const err = await fetchClientCredentialsToken({ tokenUrl: as.tokenUrl, clientId: "a", clientSecret: "b", ...extra }).catch((e) => e);
    assert.equal(err.code, "ERR_INVALID_OPTIONS");
    assert.match(err.message, pattern);
  }
});
