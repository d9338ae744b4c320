//! The JavaScript API as wasm sees it, run by wasm-bindgen-test in Node and
//! in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`).
#![cfg(target_arch = "wasm32")]

use client_credentials::exports::{decode_jwt, fetch_client_credentials_token};
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
async fn bad_options_are_refused_before_any_request() {
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
        let err = fetch_client_credentials_token(case).await.unwrap_err();
        assert_eq!(code_of(&err), "ERR_INVALID_OPTIONS");
        let message = get(&err, "message").as_string().unwrap();
        assert!(!message.is_empty());
    }
}

#[wasm_bindgen_test]
async fn an_aborted_signal_rejects_without_a_request() {
    let controller = web_sys::AbortController::new().unwrap();
    controller.abort();
    let o = options(&[
        ("tokenUrl", "https://x.example/t".into()),
        ("clientId", "a".into()),
        ("clientSecret", "SECRET-VALUE".into()),
        ("signal", controller.signal().into()),
    ]);
    let err = fetch_client_credentials_token(o).await.unwrap_err();
    assert_eq!(code_of(&err), "ERR_ABORTED");
    assert!(!JSON::stringify(&err)
        .unwrap()
        .as_string()
        .unwrap()
        .contains("SECRET-VALUE"));
}

#[wasm_bindgen_test]
async fn an_unreachable_server_is_a_network_error() {
    let o = options(&[
        ("tokenUrl", "http://127.0.0.1:9/token".into()),
        ("clientId", "a".into()),
        ("clientSecret", "SECRET-VALUE".into()),
        ("timeoutMs", 5000.into()),
    ]);
    let err = fetch_client_credentials_token(o).await.unwrap_err();
    assert_eq!(code_of(&err), "ERR_NETWORK");
    assert!(!get(&err, "message")
        .as_string()
        .unwrap()
        .contains("SECRET-VALUE"));
}
