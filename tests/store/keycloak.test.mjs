// The shared token store against a real Keycloak (scripts/keycloak.mjs) and a
// real Redis: 16 Node processes × 100 concurrent getToken() on a cold store make
// one token request, counted by Keycloak's CLIENT_LOGIN events.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startKeycloak, REALM_FILE } from "../../scripts/keycloak.mjs";
import { startRedis } from "../support/redis.mjs";
import { runInstances } from "./instances.mjs";

const realm = JSON.parse(readFileSync(REALM_FILE, "utf8"));
const SEED = { clientId: "archival-service", clientSecret: realm.clients.find((c) => c.clientId === "archival-service").secret };

let kc, redis;

before(async () => {
  [kc, redis] = await Promise.all([startKeycloak(), startRedis()]);
});

after(async () => {
  await Promise.allSettled([kc?.stop(), redis?.stop()]);
});

test("16 processes × 100 getToken() through Redis: Keycloak sees exactly 1 token request", async (t) => {
  const grants = await kc.tokenGrants(SEED.clientId);
  const reports = await runInstances(16, (i) => ({
    tokenUrl: kc.tokenUrl,
    ...SEED,
    redisPort: redis.port,
    prefix: "kc:",
    lock: true,
    library: i % 2 ? "ioredis" : "redis",
    calls: 100,
  }));
  const requests = (await kc.tokenGrants(SEED.clientId)) - grants;
  t.diagnostic(`Keycloak token requests: ${requests} for 1600 calls in 16 processes`);
  assert.equal(requests, 1);
  assert.equal(new Set(reports.flatMap((r) => r.tokens)).size, 1);
  for (const r of reports) {
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.storeErrors, []);
  }
});
