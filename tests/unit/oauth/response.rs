use super::*;

fn res(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.as_bytes().to_vec(),
        ..Default::default()
    }
}

const NOW: f64 = 1_700_000_000_000.0;

#[test]
fn reads_the_seed_keycloak_response() {
    let body = r#"{"access_token":"eyJ.x.y","expires_in":300,"refresh_expires_in":0,"token_type":"Bearer","not-before-policy":0,"scope":"email profile"}"#;
    let t = parse_token_response(&res(200, body), NOW, &[]).unwrap();
    assert_eq!(t.access_token.expose(), "eyJ.x.y");
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_in, Some(300));
    assert_eq!(t.expires_at_ms, Some(NOW + 300_000.0));
    assert_eq!(t.scope.as_deref(), Some("email profile"));
    assert_eq!(t.raw_json.expose(), body);
}

/// The token parsed from a successful `body`.
fn ok(body: &str) -> Token {
    parse_token_response(&res(200, body), NOW, &[]).unwrap()
}

#[test]
fn accepts_lenient_but_unambiguous_fields() {
    let t = parse_token_response(
        &res(
            201,
            r#"{"access_token":"a","token_type":"bearer","expires_in":"60"}"#,
        ),
        NOW,
        &[],
    )
    .unwrap();
    assert_eq!(t.token_type, "Bearer");
    assert_eq!(t.expires_in, Some(60));
    let t = ok(r#"{"access_token":"a","token_type":"BEARER","expires_in":59.9}"#);
    assert_eq!(t.expires_in, Some(59));
    let t = ok(r#"{"access_token":"a","token_type":"Bearer"}"#);
    assert_eq!((t.expires_in, t.expires_at_ms, t.scope), (None, None, None));
    let t = ok(r#"{"access_token":"a","token_type":"Bearer","expires_in":null}"#);
    assert_eq!(t.expires_in, None);
}

#[test]
fn refuses_unusable_success_bodies_without_quoting_them() {
    let cases = [
        "not json access_token=SECRETTOKEN",
        "[]",
        r#"{"token_type":"Bearer"}"#,
        r#"{"access_token":"","token_type":"Bearer"}"#,
        r#"{"access_token":7,"token_type":"Bearer"}"#,
        r#"{"access_token":"SECRETTOKEN"}"#,
        r#"{"access_token":"SECRETTOKEN","token_type":"mac"}"#,
        r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":-1}"#,
        r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":"soon"}"#,
        r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","expires_in":1e3}"#,
        r#"{"access_token":"SECRETTOKEN","token_type":"Bearer","scope":["a"]}"#,
        r#"{"access_token":"SECRETTOKEN","access_token":"OTHER","token_type":"Bearer"}"#,
    ];
    for body in cases {
        let e = parse_token_response(&res(200, body), NOW, &[]).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_RESPONSE", "{body}");
        assert!(!format!("{e} {e:?}").contains("SECRETTOKEN"), "{body}: {e}");
    }
    let e = parse_token_response(
        &HttpResponse {
            status: 200,
            body: vec![b'{', 0xff, b'}'],
            ..Default::default()
        },
        NOW,
        &[],
    )
    .unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_RESPONSE");
}

#[test]
fn maps_rfc6749_error_bodies() {
    let body = r#"{"error":"invalid_client","error_description":"bad secret s3cret","error_uri":"https://e.example/why"}"#;
    let e = parse_token_response(&res(401, body), NOW, &["s3cret"]).unwrap_err();
    match e {
        Error::OAuth {
            client_hint: None,
            status,
            error,
            description,
            uri,
            ..
        } => {
            assert_eq!(status, 401);
            assert_eq!(error, "invalid_client");
            assert_eq!(description.as_deref(), Some("bad secret [redacted]"));
            assert_eq!(uri.as_deref(), Some("https://e.example/why"));
        }
        other => panic!("expected OAuth, got {other:?}"),
    }
    // An error body sent with 200 is still an error.
    let e = parse_token_response(&res(200, r#"{"error":"invalid_scope"}"#), NOW, &[]).unwrap_err();
    assert_eq!(e.code(), "ERR_OAUTH");
}

#[test]
fn maps_other_statuses_to_http_errors_with_a_redacted_excerpt() {
    let html = format!(
        "<html><body>502 Bad Gateway s3cret {}</body></html>",
        "x".repeat(500)
    );
    let mut r = res(502, &html);
    r.hints.retry_after = Some("30".into());
    match parse_token_response(&r, NOW, &["s3cret"]).unwrap_err() {
        Error::Http {
            status,
            body,
            hints,
        } => {
            assert_eq!(status, 502);
            assert!(
                body.starts_with("<html><body>502 Bad Gateway [redacted]"),
                "{body}"
            );
            assert!(body.chars().count() <= crate::error::BODY_EXCERPT_CHARS + 1);
            assert_eq!(hints.retry_after.as_deref(), Some("30"));
        }
        other => panic!("expected Http, got {other:?}"),
    }
    assert_eq!(
        parse_token_response(&res(400, r#"{"error":7}"#), NOW, &[])
            .unwrap_err()
            .code(),
        "ERR_HTTP"
    );
    assert_eq!(
        parse_token_response(&res(500, ""), NOW, &[])
            .unwrap_err()
            .code(),
        "ERR_HTTP"
    );
}

#[test]
fn refuses_redirects() {
    let mut r = res(302, "");
    r.location = Some("https://elsewhere.example/token".into());
    let e = parse_token_response(&r, NOW, &[]).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_RESPONSE");
    assert!(e.to_string().contains("elsewhere.example"), "{e}");
    let opaque = HttpResponse {
        opaque_redirect: true,
        ..Default::default()
    };
    assert_eq!(
        parse_token_response(&opaque, NOW, &[]).unwrap_err().code(),
        "ERR_INVALID_RESPONSE"
    );
}

#[test]
fn debug_hides_the_token_and_raw_body() {
    let t = parse_token_response(
        &res(
            200,
            r#"{"access_token":"SECRETTOKEN","token_type":"Bearer"}"#,
        ),
        NOW,
        &[],
    )
    .unwrap();
    let shown = format!("{t:?}");
    assert!(!shown.contains("SECRETTOKEN"), "{shown}");
    assert!(shown.contains("Bearer"));
}

#[test]
fn debug_of_the_raw_response_hides_the_body() {
    let r = res(
        200,
        r#"{"access_token":"SECRETTOKEN","token_type":"Bearer"}"#,
    );
    let shown = format!("{r:?}");
    assert!(!shown.contains("SECRETTOKEN"), "{shown}");
    // Not as bytes either: "SECRETTOKEN" starts with 83, 69, 67.
    assert!(!shown.contains("83, 69, 67"), "{shown}");
    assert!(shown.contains("body_len"));
}
