//! Secret hygiene of every public type that can hold a secret or meet one:
//! neither `Debug` nor `Display` shows the client secret (in any encoding the
//! request sent) or an access token, whatever a server sends back.
//!
//! The JavaScript side of the same promise is tests/js/secret-hygiene.test.mjs.
#![cfg(not(target_arch = "wasm32"))]

use client_credentials::error::ResponseHints;
use client_credentials::oauth::{
    parse_token_response, ClientAuth, Credentials, Endpoint, HttpResponse, TokenRequest,
};
use client_credentials::secret::Secret;
use client_credentials::{base64url, jwt, Error};

/// Recognisable, and with characters that form-encoding changes, so the
/// raw, form-encoded and Basic forms all differ.
const SECRET: &str = "S3CRET-canary-7f3a:+/ x";
const TOKEN: &str = "ACCESS-TOKEN-canary-4b9e1d0c2a7f";

fn request(auth: ClientAuth) -> TokenRequest {
    let endpoint = Endpoint {
        href: "https://auth.example/realms/x/protocol/openid-connect/token".into(),
        scheme: "https".into(),
        host: "auth.example".into(),
        has_userinfo: false,
        has_fragment: false,
    };
    let credentials = Credentials::new("archival-service", Secret::new(SECRET)).unwrap();
    TokenRequest::new(
        endpoint,
        credentials,
        auth,
        vec!["openid".into()],
        None,
        vec![],
        vec![("tenant".into(), "sivalabs".into())],
        None,
    )
    .unwrap()
}

/// Every form of the secret the request puts on the wire, and the token.
fn needles() -> Vec<String> {
    let mut all: Vec<String> = request(ClientAuth::Basic).secrets().to_vec();
    all.push(TOKEN.to_owned());
    all
}

fn assert_clean(what: &str, shown: &str) {
    for needle in needles() {
        assert!(!shown.contains(&needle), "{what} shows {needle:?}: {shown}");
    }
}

fn assert_error_clean(what: &str, e: &Error) {
    assert_clean(&format!("{what} (Display)"), &e.to_string());
    assert_clean(&format!("{what} (Debug)"), &format!("{e:?}"));
    assert_clean(&format!("{what} (Debug, pretty)"), &format!("{e:#?}"));
}

/// What a careless server echoes: the Basic header, the form body and the
/// raw secret. (A token it never handed over the library cannot know; one
/// it did hand over, in a refusal, is covered below.)
fn echo() -> String {
    let http = request(ClientAuth::Post).to_http();
    let basic = request(ClientAuth::Basic).to_http();
    format!(
        "Authorization: {} body: {} raw: {SECRET}",
        basic.authorization.unwrap().expose(),
        http.form.unwrap().expose()
    )
}

fn respond(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        opaque_redirect: false,
        location: Some(format!("https://elsewhere.example/cb?{}", echo())),
        hints: ResponseHints {
            retry_after: Some(echo()),
            www_authenticate: Some(format!(
                "Bearer error=\"invalid_token\", echo=\"{}\"",
                echo()
            )),
        },
        body: body.as_bytes().to_vec(),
    }
}

// The crate's own `Error` is what is under test here.
#[allow(clippy::result_large_err)]
fn parse(res: &HttpResponse) -> Result<client_credentials::oauth::Token, Error> {
    let secrets = request(ClientAuth::Basic).secrets();
    let mut secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    // The client library knows the token only once it has one; servers that
    // send it in a refusal are covered by the response parser itself.
    secrets.retain(|s| !s.is_empty());
    parse_token_response(res, 0.0, &secrets)
}

#[test]
fn options_and_requests_do_not_show_the_secret() {
    let credentials = Credentials::new("archival-service", Secret::new(SECRET)).unwrap();
    assert_clean("Credentials", &format!("{credentials:?} {credentials:#?}"));
    assert_clean("Secret", &format!("{:?}", Secret::new(SECRET)));
    assert_clean(
        "basic_header()",
        &format!("{:?}", credentials.basic_header()),
    );
    for auth in [ClientAuth::Basic, ClientAuth::Post] {
        let r = request(auth);
        assert_clean("TokenRequest", &format!("{r:?} {r:#?}"));
        let http = r.to_http();
        assert_clean("HttpRequest", &format!("{http:?} {http:#?}"));
        // ...while the request itself does carry it, so the check means something.
        let sent = format!(
            "{} {}",
            http.authorization.as_ref().map_or("", |a| a.expose()),
            http.form.as_ref().unwrap().expose()
        );
        assert!(needles().iter().any(|n| sent.contains(n.as_str())));
    }
}

#[test]
fn a_token_does_not_show_itself() {
    let body = format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":300}}"#);
    let token = parse(&respond(200, &body)).unwrap();
    assert_eq!(token.access_token.expose(), TOKEN);
    assert_clean("Token", &format!("{token:?} {token:#?}"));
}

#[test]
fn a_decoded_jwt_does_not_show_its_claims() {
    let token = format!(
        "{}.{}.{}",
        base64url::encode(br#"{"alg":"RS256"}"#),
        base64url::encode(format!(r#"{{"sub":"{TOKEN}"}}"#).as_bytes()),
        base64url::encode(TOKEN.as_bytes())
    );
    let decoded = jwt::decode(&token).unwrap();
    let shown = format!("{decoded:?} {decoded:#?}");
    assert_clean("DecodedJwt", &shown);
    assert!(!shown.contains(&token[token.len() - 20..]), "{shown}");
}

#[test]
fn jwt_errors_do_not_quote_the_token() {
    let signature = base64url::encode(TOKEN.as_bytes());
    let payloads = [
        format!(r#"{{"sub":"{TOKEN}""#),
        format!(r#"["{TOKEN}"]"#),
        format!(r#"{{"sub":"{TOKEN}","sub":"{TOKEN}"}}"#),
    ];
    for payload in payloads {
        let token = format!(
            "{}.{}.{signature}",
            base64url::encode(br#"{"alg":"RS256"}"#),
            base64url::encode(payload.as_bytes())
        );
        let e = jwt::decode(&token).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_JWT");
        assert_error_clean(&format!("jwt error for {payload}"), &e);
        assert!(!e.to_string().contains(&signature));
    }
}

/// A duplicate claim is named, as an excerpt: a 40 KB name does not make a
/// 40 KB message.
#[test]
fn a_duplicate_claim_is_named_briefly() {
    let name = "n".repeat(40_000);
    let token = format!(
        "{}.{}.",
        base64url::encode(br#"{"alg":"none"}"#),
        base64url::encode(format!(r#"{{"{name}":1,"{name}":2}}"#).as_bytes())
    );
    let e = jwt::decode(&token).unwrap_err();
    assert!(e.to_string().len() < 400, "{} chars", e.to_string().len());
    let short = format!(
        "{}.{}.",
        base64url::encode(br#"{"alg":"none"}"#),
        base64url::encode(br#"{"sub":1,"sub":2}"#)
    );
    assert!(jwt::decode(&short)
        .unwrap_err()
        .to_string()
        .contains("\"sub\" twice"));
}

/// Every error the response parser produces, from a server that echoes the
/// request and the token everywhere it can.
#[test]
fn response_errors_do_not_show_the_secret_or_the_token() {
    let echo = echo();
    let quoted = echo.replace('"', "\\\"");
    let cases: Vec<(&str, u16, String)> = vec![
        (
            "ERR_OAUTH",
            401,
            format!(
                r#"{{"error":"invalid_client","error_description":"{quoted}","error_uri":"https://e.example/?{quoted}"}}"#
            ),
        ),
        ("ERR_OAUTH", 400, format!(r#"{{"error":"{quoted}"}}"#)),
        (
            "ERR_OAUTH",
            200,
            format!(r#"{{"error":"invalid_request","error_description":"{quoted}"}}"#),
        ),
        ("ERR_HTTP", 500, echo.clone()),
        (
            "ERR_HTTP",
            502,
            format!("<html><body><pre>{echo}</pre></body></html>"),
        ),
        ("ERR_HTTP", 429, String::new()),
        // A refusal that carries the token anyway.
        (
            "ERR_HTTP",
            500,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer"}}"#),
        ),
        (
            "ERR_HTTP",
            400,
            format!(r#"{{"message":"denied","access_token":"{TOKEN}"}}"#),
        ),
        (
            "ERR_OAUTH",
            400,
            format!(
                r#"{{"error":"invalid_grant","error_description":"issued {TOKEN} but","access_token":"{TOKEN}"}}"#
            ),
        ),
        (
            "ERR_INVALID_RESPONSE",
            302,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer"}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"{quoted}"}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","{quoted}":1,"{quoted}":2}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","access_token":"{TOKEN}"}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}"}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","expires_in":"{TOKEN}"}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer","scope":["{TOKEN}"]}}"#),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!("access_token={TOKEN}&token_type=bearer"),
        ),
        (
            "ERR_INVALID_RESPONSE",
            200,
            format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer"#),
        ),
    ];
    for (code, status, body) in cases {
        let e = parse(&respond(status, &body)).unwrap_err();
        assert_eq!(e.code(), code, "HTTP {status} {body}: {e}");
        assert_error_clean(&format!("{code} from HTTP {status} {body}"), &e);
    }
}

/// The headers kept on an error are redacted like the body.
#[test]
fn kept_headers_are_redacted() {
    let e = parse(&respond(429, r#"{"error":"slow_down"}"#)).unwrap_err();
    let Error::OAuth { hints, .. } = &e else {
        panic!("{e:?}")
    };
    let retry_after = hints.retry_after.as_deref().unwrap();
    assert!(retry_after.contains("[redacted]"), "{retry_after}");
    assert!(hints
        .www_authenticate
        .as_deref()
        .unwrap()
        .starts_with("Bearer error=\"invalid_token\""));
    assert_error_clean("hints", &e);
}

/// A secret hidden by a control character that the excerpt then folds to a
/// space (found by the token_response fuzz target).
#[test]
fn folding_control_characters_does_not_reveal_a_secret() {
    let hidden = SECRET.replace(' ', "\u{14}");
    let e = parse(&respond(500, &format!("bad: {hidden}"))).unwrap_err();
    assert_error_clean("folded excerpt", &e);
}

#[test]
fn every_error_variant_displays_without_secrets() {
    let errors = [
        Error::Network("fetch failed: connect ECONNREFUSED 127.0.0.1:9".into()),
        Error::Timeout { timeout_ms: 10 },
        Error::Aborted,
        Credentials::new("id", Secret::new("")).unwrap_err(),
        Credentials::new("", Secret::new(SECRET)).unwrap_err(),
        ClientAuth::from_name("tls_client_auth").unwrap_err(),
    ];
    for e in errors {
        assert!(!e.code().is_empty());
        assert_error_clean(e.code(), &e);
    }
}
