use super::*;

#[test]
fn builds_oidc_then_rfc8414_urls() {
    assert_eq!(
        metadata_urls("http://localhost:9191/realms/sivalabs"),
        [
            "http://localhost:9191/realms/sivalabs/.well-known/openid-configuration".to_owned(),
            "http://localhost:9191/.well-known/oauth-authorization-server/realms/sivalabs"
                .to_owned(),
        ]
    );
    assert_eq!(
        metadata_urls("https://as.example/"),
        [
            "https://as.example/.well-known/openid-configuration".to_owned(),
            "https://as.example/.well-known/oauth-authorization-server".to_owned(),
        ]
    );
}

fn res(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        body: body.as_bytes().to_vec(),
        ..Default::default()
    }
}

#[test]
fn reads_the_token_endpoint_of_the_right_issuer() {
    let body = r#"{"issuer":"https://as.example/r","token_endpoint":"https://as.example/r/token"}"#;
    assert_eq!(
        parse_metadata(&res(200, body), "https://as.example/r")
            .unwrap()
            .as_deref(),
        Some("https://as.example/r/token")
    );
}

#[test]
fn refuses_another_issuers_metadata() {
    let body = r#"{"issuer":"https://evil.example","token_endpoint":"https://evil.example/token"}"#;
    let e = parse_metadata(&res(200, body), "https://as.example/r").unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_RESPONSE");
    assert!(e.to_string().contains("evil.example"), "{e}");
    // Exact comparison: a trailing slash is another issuer.
    let body = r#"{"issuer":"https://as.example/r/","token_endpoint":"https://as.example/t"}"#;
    assert!(parse_metadata(&res(200, body), "https://as.example/r").is_err());
}

#[test]
fn not_found_means_try_the_next_url_and_other_failures_are_errors() {
    assert_eq!(parse_metadata(&res(404, "nope"), "x").unwrap(), None);
    assert_eq!(
        parse_metadata(&res(500, "boom"), "x").unwrap_err().code(),
        "ERR_HTTP"
    );
    assert_eq!(
        parse_metadata(&res(200, "<html>"), "x").unwrap_err().code(),
        "ERR_INVALID_RESPONSE"
    );
    assert_eq!(
        parse_metadata(&res(200, r#"{"issuer":"x"}"#), "x")
            .unwrap_err()
            .code(),
        "ERR_INVALID_RESPONSE"
    );
    assert_eq!(
        parse_metadata(&res(200, r#"{"token_endpoint":"x"}"#), "x")
            .unwrap_err()
            .code(),
        "ERR_INVALID_RESPONSE"
    );
}

#[test]
fn issuer_option_rules() {
    assert!(check_issuer("https://as.example/r").is_ok());
    assert!(check_issuer("https://as.example/r?x=1").is_err());
    assert!(check_issuer("https://as.example/r#f").is_err());
}

#[test]
fn reads_jwks_uri_with_the_same_issuer_check() {
    let body = r#"{"issuer":"https://as.example/r","jwks_uri":"https://as.example/r/certs"}"#;
    assert_eq!(
        metadata_member(
            &res(200, body),
            "https://as.example/r",
            "jwks_uri",
            "jwksUri"
        )
        .unwrap(),
        Some("https://as.example/r/certs".to_owned())
    );
    let err = metadata_member(
        &res(200, body),
        "https://as.example/r/",
        "jwks_uri",
        "jwksUri",
    )
    .unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_RESPONSE");
    let err =
        metadata_member(&res(200, r#"{"issuer":"x"}"#), "x", "jwks_uri", "jwksUri").unwrap_err();
    assert!(err.to_string().contains("no jwks_uri; pass jwksUri"));
}
