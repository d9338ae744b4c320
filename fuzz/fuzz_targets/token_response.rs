//! `oauth::parse_token_response` (RFC 6749 §5.1, §5.2) on anything a server
//! could send: never panics; a success is a usable Bearer token whose raw
//! body is what was sent; and no error, by Display or Debug, contains the
//! client secret in any of the encodings the request used.
//!
//! The input is `STATUS\nBODY` (a first line that is not a status means 200
//! and the whole input is the body), so seeds stay readable. Every response
//! also carries headers and a Location that echo the secret, as a careless
//! server might.
#![no_main]

use client_credentials::oauth::{discovery, parse_token_response, HttpResponse};
use client_credentials::{error::ResponseHints, Error};
use libfuzzer_sys::fuzz_target;

/// A secret with characters that form-encoding changes, and its encodings
/// as `TokenRequest::secrets` lists them.
const SECRET: &str = "S3CRET canary+/:";
const SECRET_FORM: &str = "S3CRET+canary%2B%2F%3A";
/// base64("fuzz-client:S3CRET+canary%2B%2F%3A")
const SECRET_BASIC: &str = "ZnV6ei1jbGllbnQ6UzNDUkVUK2NhbmFyeSUyQiUyRiUzQQ==";
const SECRETS: [&str; 3] = [SECRET, SECRET_FORM, SECRET_BASIC];

fuzz_target!(|data: &[u8]| {
    let (status, body) = split(data);
    let echo = format!("Basic {SECRET_BASIC} {SECRET_FORM} {SECRET}");
    let res = HttpResponse {
        status,
        opaque_redirect: status == 0,
        location: Some(format!(
            "https://elsewhere.example/?client_secret={SECRET_FORM}&s={SECRET}"
        )),
        hints: ResponseHints {
            retry_after: Some(echo.clone()),
            www_authenticate: Some(echo),
        },
        body: body.to_vec(),
    };

    match parse_token_response(&res, 1_000.0, &SECRETS) {
        Ok(token) => {
            assert!((200..300).contains(&status), "a token from HTTP {status}");
            assert!(!token.access_token.expose().is_empty());
            assert_eq!(token.token_type, "Bearer");
            assert_eq!(token.raw_json.expose().as_bytes(), body);
            match (token.expires_in, token.expires_at_ms) {
                (None, None) => {}
                (Some(s), Some(at)) => assert_eq!(at, 1_000.0 + s as f64 * 1000.0),
                other => panic!("expires_in and expires_at_ms disagree: {other:?}"),
            }
            let shown = format!("{token:?}");
            assert!(
                !shown.contains(token.access_token.expose())
                    || token.access_token.expose().len() < 12
            );
        }
        Err(e) => no_secret(&e),
    }

    // The metadata reader takes the same kind of input.
    if let Err(e) = discovery::parse_metadata(&res, "https://issuer.example/realms/x") {
        assert!(matches!(e, Error::Http { .. } | Error::InvalidResponse(_)));
    }
});

fn split(data: &[u8]) -> (u16, &[u8]) {
    if let Some(newline) = data.iter().position(|&b| b == b'\n') {
        if let Some(status) = std::str::from_utf8(&data[..newline])
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
        {
            return (status, &data[newline + 1..]);
        }
    }
    (200, data)
}

fn no_secret(e: &Error) {
    assert!(!e.code().is_empty());
    for shown in [e.to_string(), format!("{e:?}")] {
        for secret in SECRETS {
            assert!(!shown.contains(secret), "{secret:?} leaked: {shown}");
        }
    }
}
