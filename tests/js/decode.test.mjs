// decodeJwt: compact JWS decoding without verification (RFC 7515 §7.1, RFC 7519 §7.2),
// strict base64url (RFC 4648 §5, no padding), strict UTF-8, JSON object header and payload.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { inspect } from "node:util";
import { decodeJwt } from "client-credentials";

const fixture = (name) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), "utf8");
const SEED_TOKEN = fixture("seed-token.txt").trim();
const SEED = JSON.parse(fixture("seed-claims.json"));
const MALFORMED = JSON.parse(fixture("malformed-tokens.json"));

/** Node's own decoding, as an independent reference. */
function reference(token) {
  const [h, p, s] = token.split(".");
  const json = (segment) => JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
  return { header: json(h), payload: json(p), signature: s };
}

const b64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value), "utf8").toString("base64url");

function expectInvalid(input, label = inspect(input)) {
  let err;
  try {
    decodeJwt(input);
  } catch (caught) {
    err = caught;
  }
  assert.ok(err !== undefined, `decodeJwt accepted ${label}`);
  assert.ok(err instanceof Error, `${label}: threw a non-Error ${inspect(err)}`);
  assert.equal(err.name, "ClientCredentialsError", `${label}: ${inspect(err)}`);
  assert.equal(err.code, "ERR_INVALID_JWT", `${label}: ${err.code} ${err.message}`);
  return err;
}

describe("the seed's Keycloak access token", () => {
  test("decodes to the fixture's header, payload and signature", () => {
    assert.deepEqual(decodeJwt(SEED_TOKEN), SEED);
  });

  test("agrees with Buffer base64url + JSON.parse", () => {
    assert.deepEqual(decodeJwt(SEED_TOKEN), reference(SEED_TOKEN));
  });

  test("has the claims the tutorial shows", () => {
    const { header, payload, signature } = decodeJwt(SEED_TOKEN);
    assert.equal(header.alg, "RS256");
    assert.equal(header.typ, "JWT");
    assert.equal(header.kid, "LyUOL88-PF3pXC1i7pHxgEe2pifIctrMrb6IG8IfE9U");
    assert.equal(payload.azp, "archival-service");
    assert.equal(payload.client_id, "archival-service");
    assert.equal(payload.iss, "http://localhost:9191/realms/sivalabs");
    assert.equal(payload.exp, 1695555768);
    assert.equal(payload.iat, 1695555468);
    assert.equal(payload.exp - payload.iat, 300);
    assert.equal(payload.aud, "account");
    assert.equal(payload.scope, "email profile");
    assert.equal(payload.email_verified, false);
    assert.deepEqual(payload["allowed-origins"], ["http://localhost:8282"]);
    assert.deepEqual(payload.realm_access, { roles: ["default-roles-sivalabs", "offline_access", "uma_authorization"] });
    assert.deepEqual(payload.resource_access, { account: { roles: ["manage-account", "manage-account-links", "view-profile"] } });
    assert.equal(typeof signature, "string");
    assert.ok(signature.startsWith("HUjqMP8l") && signature.endsWith("-8-gGjw"));
    assert.equal(signature.length, 342, "a 2048-bit RS256 signature is 256 bytes = 342 base64url chars");
  });

  test("returns plain objects and arrays, not Maps", () => {
    const { header, payload } = decodeJwt(SEED_TOKEN);
    assert.equal(Object.getPrototypeOf(header), Object.prototype);
    assert.equal(Object.getPrototypeOf(payload), Object.prototype);
    assert.equal(Object.getPrototypeOf(payload.realm_access), Object.prototype);
    assert.ok(Array.isArray(payload.realm_access.roles));
    assert.equal(JSON.stringify(payload), JSON.stringify(SEED.payload), "key order is the token's");
  });
});

describe("RFC 7519 §3.1 example", () => {
  const RFC_TOKEN =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

  test("the JSON has CRLF and spaces between members, as the RFC's example does", () => {
    assert.equal(Buffer.from(RFC_TOKEN.split(".")[0], "base64url").toString(), '{"typ":"JWT",\r\n "alg":"HS256"}');
  });

  test("decodes header, payload and signature", () => {
    assert.deepEqual(decodeJwt(RFC_TOKEN), {
      header: { typ: "JWT", alg: "HS256" },
      payload: { iss: "joe", exp: 1300819380, "http://example.com/is_root": true },
      signature: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
    });
  });
});

describe("content", () => {
  test("Unicode claims: Greek, CJK, emoji", () => {
    const payload = {
      greek: "Καλημέρα κόσμε",
      cjk: "漢字・かな・한국어",
      emoji: "🔐👩🏽‍💻🇬🇷",
      "κλειδί": ["値", { "🔑": "✓" }],
    };
    const header = { alg: "ES256", typ: "JWT", kid: "ключ-1" };
    const token = `${b64url(header)}.${b64url(payload)}.c2ln`;
    assert.deepEqual(decodeJwt(token), { header, payload, signature: "c2ln" });
  });

  test("JSON string escapes, including a surrogate pair, are unescaped", () => {
    // Written by hand: JSON.stringify would not produce these escapes.
    const text = String.raw`{"e":"\u00e9\ud83d\ude00","ctl":"a\nb\tc\"d\\e\/f","raw":"é😀"}`;
    const { payload } = decodeJwt(`${b64url({ alg: "HS256" })}.${b64url(text)}.AA`);
    assert.deepEqual(payload, JSON.parse(text));
    assert.equal(payload.e, "é😀");
    assert.equal(payload.e, payload.raw);
    assert.equal(payload.ctl, "a\nb\tc\"d\\e/f");
  });

  test("JSON types keep their JS types", () => {
    const payload = {
      str: "s",
      int: 42,
      neg: -7,
      float: 1.5,
      exp10: 1e21,
      big: 9007199254740991,
      t: true,
      f: false,
      nil: null,
      arr: [1, "two", [3], { four: 4 }],
      obj: { nested: { deeper: {} } },
      empty: "",
    };
    const decoded = decodeJwt(`${b64url({ alg: "none" })}.${b64url(payload)}.`);
    assert.deepEqual(decoded.payload, payload);
    assert.equal(decoded.signature, "", "an unsecured JWT (RFC 7519 §6) has an empty signature");
  });

  test("an empty JSON object payload is valid", () => {
    assert.deepEqual(decodeJwt(`${b64url({ alg: "HS256" })}.${b64url({})}.AAAA`).payload, {});
  });

  test("'-' and '_' (the base64url alphabet) decode", () => {
    // '?>' and '~~~' produce '_' and '-' in base64url.
    const payload = { a: "?>?>?>", b: "~~~~~~", c: "ÿþý" };
    const segment = b64url(payload);
    assert.match(segment, /-/);
    assert.match(segment, /_/);
    assert.deepEqual(decodeJwt(`${b64url({ alg: "HS256" })}.${segment}.x_-y`).payload, payload);
  });

  test("a payload of every length mod 4 decodes without padding", () => {
    for (let n = 0; n < 8; n += 1) {
      const payload = { p: "x".repeat(n) };
      const segment = b64url(payload);
      assert.doesNotMatch(segment, /=/);
      assert.deepEqual(decodeJwt(`${b64url({ alg: "HS256" })}.${segment}.AA`).payload, payload, `length ${n}`);
    }
  });

  test("a large payload (40 KB, hundreds of roles) decodes", () => {
    const payload = { roles: Array.from({ length: 3000 }, (_, i) => `role-${i}`) };
    const token = `${b64url({ alg: "RS256" })}.${b64url(payload)}.AA`;
    assert.ok(token.length > 40_000, `${token.length}`);
    assert.deepEqual(decodeJwt(token).payload, payload);
  });

  test("a 1 MB string is refused as ERR_INVALID_JWT rather than decoded", () => {
    const payload = { junk: "x".repeat(768 * 1024) };
    expectInvalid(`${b64url({ alg: "RS256" })}.${b64url(payload)}.AA`, "a 1 MB token");
    assert.equal(decodeJwt(SEED_TOKEN).payload.azp, "archival-service");
  });
});

describe("malformed tokens are ERR_INVALID_JWT", () => {
  test("the corpus's own valid token decodes (control)", () => {
    assert.deepEqual(decodeJwt(MALFORMED.valid), reference(MALFORMED.valid));
  });

  test("the corpus has at least 25 entries", () => {
    assert.ok(MALFORMED.tokens.length >= 25, `${MALFORMED.tokens.length} entries`);
  });

  for (const { name, token } of MALFORMED.tokens) {
    test(name, () => {
      expectInvalid(token, name);
    });
  }

  const nonStrings = [
    ["the number 42", 42],
    ["null", null],
    ["undefined", undefined],
    ["an object", { token: "a.b.c" }],
    ["an array of segments", ["eyJhbGciOiJIUzI1NiJ9", "e30", "AA"]],
    ["a boolean", true],
    ["a Uint8Array of a valid token", new TextEncoder().encode(MALFORMED.valid)],
  ];
  for (const [name, input] of nonStrings) {
    test(`non-string input: ${name}`, () => {
      expectInvalid(input, name);
    });
  }

  test("no argument at all", () => {
    let err;
    try {
      decodeJwt();
    } catch (caught) {
      err = caught;
    }
    assert.equal(err?.name, "ClientCredentialsError");
    assert.equal(err?.code, "ERR_INVALID_JWT");
  });

  test("a 5-segment token (JWE, RFC 7516 §7.1) says it is encrypted", () => {
    const jwe = [
      b64url({ alg: "RSA-OAEP", enc: "A256GCM", typ: "JWT" }),
      "OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg",
      "48V1_ALb6US04U3b",
      "5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A",
      "XFBoMYUZodetZdvTiFvSkQ",
    ].join(".");
    const err = expectInvalid(jwe, "a JWE");
    assert.match(err.message, /JWE|encrypted/i);
  });

  test("errors do not echo the token", () => {
    const token = `${b64url({ alg: "HS256" })}.${b64url('{"sub":"x"')}.SIGNATURE-THAT-MUST-NOT-APPEAR-0123456789`;
    const err = expectInvalid(token, "truncated payload");
    for (const view of [err.message, err.stack, String(err), JSON.stringify(err), inspect(err)]) {
      assert.ok(!view.includes("SIGNATURE-THAT-MUST-NOT-APPEAR"), `token echoed in: ${view}`);
    }
  });

  test("after 1000 bad tokens decodeJwt still works", () => {
    for (let i = 0; i < 1000; i += 1) {
      const { name, token } = MALFORMED.tokens[i % MALFORMED.tokens.length];
      expectInvalid(token, `${name} (#${i})`);
    }
    assert.deepEqual(decodeJwt(SEED_TOKEN), SEED);
  });
});
