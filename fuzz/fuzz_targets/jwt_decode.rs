//! `jwt::decode` on any input never panics, and accepts exactly what the
//! rules allow (RFC 7515 §7.1 with jose's strictness): three segments, each
//! canonical unpadded base64url, header and payload JSON objects, and a
//! result that is itself one JSON object.
//!
//! Each input is tried twice: as a token, and as header and payload bytes
//! (split at the first NUL) encoded into a token, so that the fuzzer reaches
//! the JSON rules without having to discover base64 first.
#![no_main]

use client_credentials::{base64url, json, jwt};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(token) = std::str::from_utf8(data) {
        check(token);
    }
    let (header, payload) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (&b"{}"[..], data),
    };
    let token = format!(
        "{}.{}.c2ln",
        base64url::encode(header),
        base64url::encode(payload)
    );
    let accepted = check(&token);
    let object = |bytes: &[u8]| {
        std::str::from_utf8(bytes).is_ok_and(|text| json::parse_object(text).is_ok())
    };
    let expected = object(header) && object(payload) && token.len() <= jwt::MAX_TOKEN_LENGTH;
    assert_eq!(
        accepted, expected,
        "accepted {accepted} but the rules say {expected}"
    );
});

/// Decodes `token` and, when it is accepted, checks the result against the
/// input. Returns whether it was accepted.
fn check(token: &str) -> bool {
    let Ok(decoded) = jwt::decode(token) else {
        return false;
    };
    assert!(!token.is_empty() && token.len() <= jwt::MAX_TOKEN_LENGTH);
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(
        parts.len(),
        3,
        "accepted a token of {} segments",
        parts.len()
    );
    // Strict base64url has one encoding per byte string, so each segment
    // re-encodes to exactly itself.
    assert_eq!(
        base64url::encode(decoded.header_json().as_bytes()),
        parts[0]
    );
    assert_eq!(
        base64url::encode(decoded.payload_json().as_bytes()),
        parts[1]
    );
    assert_eq!(decoded.signature(), parts[2]);
    assert_eq!(&token[decoded.signature_start()..], parts[2]);
    assert!(base64url::decode(parts[2]).is_ok());
    assert!(json::parse_object(decoded.header_json()).is_ok());
    assert!(json::parse_object(decoded.payload_json()).is_ok());
    let whole = json::parse_object(decoded.as_json()).expect("the result is one JSON object");
    let names: Vec<&str> = whole.iter().map(|m| m.name.as_ref()).collect();
    assert_eq!(names, ["header", "payload"]);
    // A member's raw text starts and ends at the value, without the
    // whitespace around it that the segment may have.
    let json_ws = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    assert_eq!(whole[0].raw, decoded.header_json().trim_matches(json_ws));
    assert_eq!(whole[1].raw, decoded.payload_json().trim_matches(json_ws));
    true
}
