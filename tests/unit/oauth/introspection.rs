use super::*;
use crate::error::ResponseHints;
use crate::oauth::endpoint::tests::endpoint;

const URL: &str = "https://sso.example/realms/sivalabs/protocol/openid-connect/token/introspect";

fn credentials() -> Credentials {
    Credentials::new("archive-api", Secret::new("s3cr:t+% x")).unwrap()
}

fn form_of(auth: ClientAuth, token: &str) -> (Option<String>, String) {
    let http = request(&endpoint(URL, "sso.example"), &credentials(), auth, token);
    assert_eq!(http.url, URL);
    (
        http.authorization.map(|a| a.expose().to_owned()),
        http.form.unwrap().expose().to_owned(),
    )
}

fn res(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        opaque_redirect: false,
        location: None,
        hints: ResponseHints::default(),
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn the_request_posts_the_token_with_a_hint_and_authenticates_as_at_the_token_endpoint() {
    let (authorization, form) = form_of(ClientAuth::Basic, "abc.def+/=");
    // base64("archive-api:s3cr%3At%2B%25+x"), as the token request's Basic header.
    assert_eq!(
        authorization.as_deref(),
        Some(credentials().basic_header().expose())
    );
    assert_eq!(form, "token=abc.def%2B%2F%3D&token_type_hint=access_token");

    let (authorization, form) = form_of(ClientAuth::Post, "t");
    assert!(authorization.is_none());
    assert_eq!(
        form,
        "token=t&token_type_hint=access_token&client_id=archive-api&client_secret=s3cr%3At%2B%25+x"
    );

    let (authorization, form) = form_of(ClientAuth::SecretJwt, "t");
    assert!(authorization.is_none());
    assert!(
        form.ends_with("&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="),
        "{form}"
    );
}

#[test]
fn an_active_answer_keeps_its_claims_and_exp() {
    let body =
        r#"{"active":true,"exp":1700000060,"scope":"a b","realm_access":{"roles":["archiver"]}}"#;
    let found = parse_response(&res(200, body), &[]).unwrap();
    assert!(found.active);
    assert_eq!(found.claims, body);
    assert_eq!(found.exp, Some(1_700_000_060.0));
}

#[test]
fn an_inactive_answer_says_nothing_else() {
    let found = parse_response(&res(200, r#"{"active":false,"sub":"x","exp":1}"#), &[]).unwrap();
    assert!(!found.active);
    assert_eq!(found.claims, r#"{"active":false}"#);
    assert_eq!(found.exp, None);
}

#[test]
fn a_2xx_without_a_boolean_active_or_not_an_object_is_refused() {
    for body in [
        r#"{"sub":"x"}"#,
        r#"{"active":"true"}"#,
        r#"{"active":1}"#,
        "[]",
        "<html>",
        "",
    ] {
        let e = parse_response(&res(200, body), &[]).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_RESPONSE", "{body}");
    }
    let e = parse_response(&res(200, r#"{"active":true,"active":false}"#), &[]).unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn refusals_are_the_token_endpoints_errors_without_the_secrets_or_the_token() {
    let token = "opaque-token-value-123";
    let body = format!(r#"{{"error":"invalid_client","error_description":"bad {token} s3cr"}}"#);
    let e = parse_response(&res(401, &body), &[token, "s3cr"]).unwrap_err();
    assert_eq!(e.code(), "ERR_OAUTH");
    let shown = e.to_string();
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(!shown.contains(token) && !shown.contains("s3cr"), "{shown}");

    let e = parse_response(&res(503, "down"), &[]).unwrap_err();
    assert_eq!(e.code(), "ERR_HTTP");

    let mut moved = res(302, "");
    moved.location = Some("https://elsewhere.example/".into());
    let e = parse_response(&moved, &[]).unwrap_err();
    assert!(e.to_string().contains("introspectionEndpoint"), "{e}");
}

#[test]
fn an_answer_is_kept_for_cache_seconds_but_never_past_exp() {
    let now = 1_700_000_000_000.0;
    assert_eq!(cached_until_ms(now, None, 60), now + 60_000.0);
    assert_eq!(
        cached_until_ms(now, Some(1_700_000_010.0), 60),
        now + 10_000.0
    );
    assert_eq!(
        cached_until_ms(now, Some(1_800_000_000.0), 60),
        now + 60_000.0
    );
    // Expired already, or no caching asked for: not kept at all.
    assert_eq!(cached_until_ms(now, Some(1_600_000_000.0), 60), now);
    assert_eq!(cached_until_ms(now, Some(1_800_000_000.0), 0), now);
}

#[test]
fn cache_seconds_is_checked() {
    assert_eq!(cache_seconds(None).unwrap(), DEFAULT_CACHE_SECONDS);
    assert_eq!(cache_seconds(Some(0.0)).unwrap(), 0);
    assert_eq!(cache_seconds(Some(3600.0)).unwrap(), 3600);
    for bad in [-1.0, 3601.0, f64::NAN] {
        assert_eq!(
            cache_seconds(Some(bad)).unwrap_err().code(),
            "ERR_INVALID_OPTIONS"
        );
    }
}
