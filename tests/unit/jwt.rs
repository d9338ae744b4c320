use super::*;
use crate::base64url::encode;

fn token(header: &str, payload: &str) -> String {
    format!(
        "{}.{}.c2ln",
        encode(header.as_bytes()),
        encode(payload.as_bytes())
    )
}

#[test]
fn decodes_header_payload_and_signature() {
    let t = token(r#"{"alg":"RS256","typ":"JWT"}"#, r#"{"sub":"x","n":1}"#);
    let d = decode(&t).unwrap();
    assert_eq!(d.header_json(), r#"{"alg":"RS256","typ":"JWT"}"#);
    assert_eq!(d.payload_json(), r#"{"sub":"x","n":1}"#);
    assert_eq!(d.signature(), "c2ln");
    assert_eq!(
        d.as_json(),
        r#"{"header":{"alg":"RS256","typ":"JWT"},"payload":{"sub":"x","n":1}}"#
    );
    assert_eq!(&t[d.signature_start()..], "c2ln");
}

#[test]
fn decodes_rfc7519_example_with_crlf_in_header() {
    let t = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    let d = decode(t).unwrap();
    assert_eq!(d.header_json(), "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
    assert!(d
        .payload_json()
        .contains("\"http://example.com/is_root\":true"));
}

#[test]
fn keeps_unicode_exactly() {
    let payload = r#"{"name":"Ελληνικά 中文 😀","nested":{"a":[1,"ü"]}}"#;
    let d = decode(&token(r#"{"alg":"none"}"#, payload)).unwrap();
    assert_eq!(d.payload_json(), payload);
}

#[test]
fn allows_an_empty_signature_for_unsecured_jwts() {
    let t = format!("{}.{}.", encode(br#"{"alg":"none"}"#), encode(b"{}"));
    assert_eq!(decode(&t).unwrap().signature(), "");
}

#[test]
fn names_jwe_when_it_sees_five_segments() {
    let e = decode("a.b.c.d.e").unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_JWT");
    assert!(e.to_string().contains("JWE"), "{e}");
}

#[test]
fn refuses_malformed_tokens() {
    let h = encode(br#"{"alg":"none"}"#);
    let p = encode(br#"{"a":1}"#);
    let cases = [
        String::new(),
        "abc".into(),
        format!("{h}.{p}"),
        format!("{h}.{p}.s.x"),
        format!(".{p}.s"),
        format!("{h}..s"),
        format!("{h}=.{p}.s"),
        format!("{h}.{p}.a+b"),
        format!("{h}.{p}.a=="),
        format!("{}.{p}.s", encode(b"[]")),
        format!("{h}.{}.s", encode(b"\"x\"")),
        format!("{h}.{}.s", encode(b"1")),
        format!("{h}.{}.s", encode(b"null")),
        format!("{h}.{}.s", encode(b"{\"a\":1")),
        format!("{h}.{}.s", encode(b"{\"a\":1} x")),
        format!("{h}.{}.s", encode(&[0x7b, 0xff, 0x7d])),
        format!("{h}.{}.s", encode(br#"{"a":1,"a":2}"#)),
        format!(" {h}.{p}.s"),
        format!("{h}.{p}.s "),
        format!("{h}.{p}.sé"),
    ];
    for t in cases {
        let e = decode(&t).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_JWT", "{t:?}");
    }
}

#[test]
fn refuses_over_long_tokens_before_reading_them() {
    let long = "a".repeat(MAX_TOKEN_LENGTH + 1);
    let e = decode(&long).unwrap_err();
    assert!(e.to_string().contains("limit"), "{e}");
    assert!(check_length(MAX_TOKEN_LENGTH).is_ok());
    assert!(check_length(MAX_TOKEN_LENGTH + 1).is_err());
}

#[test]
fn debug_hides_claims() {
    let d = decode(&token(r#"{"alg":"none"}"#, r#"{"secret":"tok"}"#)).unwrap();
    assert_eq!(format!("{d:?}"), "DecodedJwt([redacted])");
}
