//! The JavaScript API as wasm sees it, run by wasm-bindgen-test in Node and
//! in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`).
#![cfg(target_arch = "wasm32")]

use client_credentials::wasm::decode::decode_jwt;
use client_credentials::wasm::exports::host_error;
use client_credentials::wasm::session::Session;
use js_sys::{Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

const SEED_TOKEN_START: &str = "eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIiwia2lkIiA6ICJMeVVPTDg4LVBGM3BYQzFpN3BIeGdFZTJwaWZJY3RyTXJiNklHOElmRTlVIn0";

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

fn code_of(err: &JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    assert_eq!(
        get(err, "name").as_string().as_deref(),
        Some("ClientCredentialsError")
    );
    get(err, "code").as_string().unwrap()
}

fn options(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

#[wasm_bindgen_test]
fn decode_returns_plain_objects() {
    let token = format!(
        "{SEED_TOKEN_START}.eyJhenAiOiJhcmNoaXZhbC1zZXJ2aWNlIiwiZXhwIjoxNjk1NTU1NzY4fQ.c2ln"
    );
    let d = decode_jwt(token.into()).unwrap();
    assert_eq!(
        get(&get(&d, "header"), "kid").as_string().as_deref(),
        Some("LyUOL88-PF3pXC1i7pHxgEe2pifIctrMrb6IG8IfE9U")
    );
    assert_eq!(
        get(&get(&d, "payload"), "azp").as_string().as_deref(),
        Some("archival-service")
    );
    assert_eq!(
        get(&get(&d, "payload"), "exp").as_f64(),
        Some(1_695_555_768.0)
    );
    assert_eq!(get(&d, "signature").as_string().as_deref(), Some("c2ln"));
}

#[wasm_bindgen_test]
fn decode_errors_are_js_errors_with_a_code() {
    for bad in [
        JsValue::from(42),
        JsValue::NULL,
        JsValue::UNDEFINED,
        "a.b".into(),
        "a.b.c.d.e".into(),
    ] {
        assert_eq!(code_of(&decode_jwt(bad).unwrap_err()), "ERR_INVALID_JWT");
    }
    let long = "a".repeat(client_credentials::jwt::MAX_TOKEN_LENGTH + 1);
    assert_eq!(
        code_of(&decode_jwt(long.into()).unwrap_err()),
        "ERR_INVALID_JWT"
    );
    // The module keeps working after errors.
    assert!(decode_jwt("eyJhbGciOiJub25lIn0.e30.".into()).is_ok());
}

#[wasm_bindgen_test]
fn bad_options_are_refused_before_any_request() {
    let cases = [
        JsValue::UNDEFINED,
        JsValue::from("https://x.example/token"),
        options(&[
            ("tokenUrl", "not a url".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientSecret", "b".into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientId", 7.into()),
            ("clientSecret", "b".into()),
        ]),
        options(&[
            ("tokenUrl", "http://x.example/t".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
            ("authMethod", "none".into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
            ("timeoutMs", (-1).into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
            ("signal", "x".into()),
        ]),
        options(&[
            ("tokenUrl", "https://x.example/t".into()),
            ("clientId", "a".into()),
            ("clientSecret", "b".into()),
            (
                "extraParams",
                JSON::parse(r#"{"grant_type":"password"}"#).unwrap(),
            ),
        ]),
    ];
    for case in cases {
        let err = Session::new(case, false).err().unwrap();
        assert_eq!(code_of(&err), "ERR_INVALID_OPTIONS");
        let message = get(&err, "message").as_string().unwrap();
        assert!(!message.is_empty());
    }
}

fn session(pairs: &[(&str, JsValue)]) -> Session {
    Session::new(options(pairs), true).unwrap_or_else(|e| panic!("{}", code_of(&e)))
}

#[wasm_bindgen_test]
fn a_session_builds_the_request_and_reads_the_response() {
    let mut s = session(&[
        ("tokenUrl", "https://x.example/t".into()),
        ("clientId", "a b".into()),
        ("clientSecret", "SECRET-VALUE".into()),
        ("scope", "read write".into()),
    ]);
    assert!(s.metadata_url(0).is_none(), "tokenUrl needs no discovery");
    let request = s.token_request(0.0).unwrap();
    let parts: Vec<&str> = request.split('\n').collect();
    assert_eq!(parts[0], "https://x.example/t");
    assert!(parts[1].starts_with("Basic "), "{}", parts[1]);
    assert_eq!(parts[2], "grant_type=client_credentials&scope=read+write");

    // Windows: 0 fresh, 1 advisory (refresh), 2 advisory (waiting out a failure), 3 mandatory.
    assert_eq!(s.window(1_000.0), 3);
    let body = br#"{"access_token":"AT-VALUE","token_type":"bearer","expires_in":300}"#;
    let token = s.accept_token(200, "basic\n\n\n", body, 1_000.0).unwrap();
    assert_eq!(get(&token, "accessToken"), "AT-VALUE");
    assert_eq!(get(&token, "expiresAt"), 301_000.0);
    assert_eq!(s.window(200_000.0), 0);
    assert_eq!(s.window(250_000.0), 1, "within the 60 s skew: advisory");
    let wait = s.refresh_failed(250_000.0, "ERR_TIMEOUT", "", Some("5".into()));
    assert_eq!(wait, 5_000.0, "Retry-After wins");
    assert_eq!(s.window(254_999.0), 2);
    assert_eq!(s.window(255_000.0), 1);
    assert_eq!(
        s.refresh_failed(255_000.0, "ERR_OAUTH", "invalid_client", None),
        -1.0
    );
    assert_eq!(
        s.window(280_000.0),
        2,
        "a definitive failure: kept, not retried"
    );
    assert_eq!(s.window(291_000.0), 3, "under 10 s left: mandatory");
    s.invalidate();
    assert_eq!(s.window(2_000.0), 3);

    let err = s
        .accept_token(
            401,
            "basic\n\n\nBasic realm=x\n",
            br#"{"error":"invalid_client","error_description":"SECRET-VALUE"}"#,
            3_000.0,
        )
        .unwrap_err();
    assert_eq!(code_of(&err), "ERR_OAUTH");
    assert_eq!(get(&err, "wwwAuthenticate"), "Basic realm=x");
    assert!(!JSON::stringify(&get(&err, "message"))
        .unwrap()
        .as_string()
        .unwrap()
        .contains("SECRET-VALUE"));
    assert_eq!(s.window(3_000.0), 3, "an error caches nothing");
}

#[wasm_bindgen_test]
fn a_session_discovers_the_token_endpoint() {
    let issuer = "https://as.example/realms/r";
    let mut s = session(&[
        ("issuer", issuer.into()),
        ("clientId", "a".into()),
        ("clientSecret", "b".into()),
    ]);
    assert_eq!(
        s.metadata_url(0).unwrap(),
        "https://as.example/realms/r/.well-known/openid-configuration"
    );
    assert!(
        s.token_request(0.0).is_err(),
        "no endpoint before discovery"
    );
    assert!(!s.discovered(0, 404, "basic\n\n\n", b"").unwrap());
    let metadata =
        format!(r#"{{"issuer":"{issuer}","token_endpoint":"https://as.example/token"}}"#);
    assert!(s
        .discovered(1, 200, "basic\n\n\n", metadata.as_bytes())
        .unwrap());
    assert!(s.metadata_url(0).is_none(), "found once, kept");
    assert!(s
        .token_request(0.0)
        .unwrap()
        .starts_with("https://as.example/token\n"));

    let mut other = session(&[
        ("issuer", issuer.into()),
        ("clientId", "a".into()),
        ("clientSecret", "b".into()),
    ]);
    let err = other.discovered(1, 404, "basic\n\n\n", b"").unwrap_err();
    assert_eq!(code_of(&err), "ERR_HTTP");
    let wrong = br#"{"issuer":"https://evil.example","token_endpoint":"https://evil.example/t"}"#;
    let err = other.discovered(0, 200, "basic\n\n\n", wrong).unwrap_err();
    assert_eq!(code_of(&err), "ERR_INVALID_RESPONSE");
    assert!(
        other.token_request(0.0).is_err(),
        "a failed discovery keeps nothing"
    );
}

#[wasm_bindgen_test]
fn host_errors_carry_their_codes() {
    assert_eq!(
        code_of(&host_error(0, "fetch failed: ECONNREFUSED", 0)),
        "ERR_NETWORK"
    );
    assert_eq!(code_of(&host_error(1, "", 5)), "ERR_TIMEOUT");
    assert_eq!(code_of(&host_error(2, "", 0)), "ERR_ABORTED");
    assert_eq!(code_of(&host_error(3, "", 10)), "ERR_INVALID_RESPONSE");
    assert_eq!(code_of(&host_error(4, "bad", 0)), "ERR_INVALID_OPTIONS");
    assert_eq!(code_of(&host_error(5, "", 5)), "ERR_NETWORK");
}

// The SIMD paths (src/simd.rs) run only in wasm: these tests drive them
// across block boundaries, where a scalar tail takes over.

#[wasm_bindgen_test]
fn simd_base64url_round_trips_across_block_boundaries() {
    use client_credentials::base64url::{decode, encode, is_valid};
    for len in 0..200usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + len * 11) as u8).collect();
        let text = encode(&bytes);
        assert_eq!(decode(&text).unwrap(), bytes, "length {len}");
        assert!(is_valid(&text), "length {len}");
    }
}

#[wasm_bindgen_test]
fn simd_base64url_refuses_any_bad_character_at_any_position() {
    use client_credentials::base64url::{decode, encode, is_valid};
    let good = encode(&(0..60u8).collect::<Vec<_>>()); // 80 characters
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let bad: Vec<char> = (0u8..128)
        .map(char::from)
        .filter(|c| !alphabet.contains(*c))
        .chain(['é', '€'])
        .collect();
    for at in 0..good.len() {
        for &c in &bad {
            let mut text: Vec<char> = good.chars().collect();
            text[at] = c;
            let text: String = text.into_iter().collect();
            assert!(decode(&text).is_err(), "{c:?} at {at}");
            assert!(!is_valid(&text), "{c:?} at {at}");
        }
    }
}

#[wasm_bindgen_test]
fn simd_json_string_scan_stops_at_every_special_byte() {
    use client_credentials::json::parse_object;
    for at in 0..40 {
        let plain = "x".repeat(at);
        let tail = "y".repeat(40 - at);
        let escaped = format!(r#"{{"{plain}\"{tail}":1}}"#);
        let members = parse_object(&escaped).unwrap();
        assert_eq!(members[0].name, format!("{plain}\"{tail}"), "at {at}");
        let control = format!("{{\"{plain}\u{1}{tail}\":1}}");
        assert!(parse_object(&control).is_err(), "control byte at {at}");
        let unterminated = format!(r#"{{"{plain}"#);
        assert!(parse_object(&unterminated).is_err(), "unterminated at {at}");
    }
}

#[wasm_bindgen_test]
fn simd_dot_search_finds_segments_at_every_offset() {
    use client_credentials::base64url::encode;
    use client_credentials::jwt;
    for pad in 0..40 {
        let header = encode(format!(r#"{{"alg":"none","x":"{}"}}"#, "h".repeat(pad)).as_bytes());
        let payload = encode(format!(r#"{{"sub":"{}"}}"#, "p".repeat(pad)).as_bytes());
        let token = format!("{header}.{payload}.");
        let decoded = jwt::decode(&token).unwrap();
        assert_eq!(decoded.signature_start(), token.len(), "pad {pad}");
        assert!(
            jwt::decode(&format!("{token}.")).is_err(),
            "four segments, pad {pad}"
        );
    }
}

#[wasm_bindgen_test]
fn a_session_builds_assertions_and_dpop_proofs_and_redacts_what_it_signed() {
    let mut s = session(&[
        ("tokenUrl", "https://x.example/t?q=1".into()),
        ("clientId", "svc".into()),
        ("clientSecret", "SECRET-VALUE".into()),
        ("authMethod", "client_secret_jwt".into()),
        ("signingAlg", "HS384".into()),
        ("dpop", true.into()),
    ]);
    assert_eq!(s.assertion_method().as_deref(), Some("client_secret_jwt"));
    assert_eq!(s.assertion_alg().as_deref(), Some("HS384"));
    assert!(s.dpop());
    assert!(s.token_request(0.0).is_err(), "no keys yet");
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"X","y":"Y","ext":true}"#;
    s.use_keys(
        Some("HS384".into()),
        None,
        Some("ES256".into()),
        Some(jwk.into()),
    )
    .unwrap();
    let request = s.token_request(1_700_000_000_500.0).unwrap();
    let parts: Vec<&str> = request.split('\n').collect();
    assert_eq!(parts.len(), 5);
    assert!(parts[1].is_empty(), "no Authorization header");
    assert!(parts[2].ends_with("&client_assertion="), "{}", parts[2]);
    let decode = |input: &str, i: usize| {
        let part = input.split('.').nth(i).unwrap();
        String::from_utf8(client_credentials::base64url::decode(part).unwrap()).unwrap()
    };
    assert_eq!(decode(parts[3], 0), r#"{"alg":"HS384","typ":"JWT"}"#);
    let claims = decode(parts[3], 1);
    assert!(
        claims.contains(r#""aud":"https://x.example/t?q=1""#),
        "{claims}"
    );
    assert!(
        claims.contains(r#""iat":1700000000,"exp":1700000060"#),
        "{claims}"
    );
    let proof = decode(parts[4], 1);
    assert!(
        proof.contains(r#""htm":"POST","htu":"https://x.example/t","#),
        "{proof}"
    );
    assert!(!proof.contains("nonce"));

    // A nonce request: kept, and one retry.
    let meta = "basic\n\n\n\nn-1";
    let body = br#"{"error":"use_dpop_nonce"}"#;
    assert!(s.nonce_retry(400, meta, body, false));
    assert!(!s.nonce_retry(400, meta, body, true), "only once");
    let retry = s.token_request(0.0).unwrap();
    let retry_proof = retry.split('\n').nth(4).unwrap();
    assert!(decode(retry_proof, 1).contains(r#""nonce":"n-1""#));

    // What the session signed never comes back in an error.
    let jws = s.compact(parts[3], &[1, 2, 3]);
    let echo = format!(r#"{{"error":"invalid_client","error_description":"got {jws}"}}"#);
    let err = s
        .accept_token(401, "basic\n\n\n\n", echo.as_bytes(), 0.0)
        .unwrap_err();
    let description = get(&err, "errorDescription").as_string().unwrap();
    assert_eq!(description, "got [redacted]");
    let message = get(&err, "message").as_string().unwrap();
    assert!(
        message.contains("Signed JWT with client secret"),
        "{message}"
    );

    // A DPoP token is accepted as such.
    let token = s
        .accept_token(
            200,
            "",
            br#"{"access_token":"AT","token_type":"DPoP"}"#,
            0.0,
        )
        .unwrap();
    assert_eq!(get(&token, "tokenType"), "DPoP");
}
