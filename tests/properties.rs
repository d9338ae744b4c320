//! Property tests of the pure core (proptest): encodings round-trip against
//! decoders written here independently, and no input makes a decoder panic.
//! The fuzz targets in `fuzz/` search the same ground for longer; these run
//! with every `cargo test`.
#![cfg(not(target_arch = "wasm32"))]

use client_credentials::error::ResponseHints;
use client_credentials::oauth::{discovery, parse_token_response, Credentials, HttpResponse};
use client_credentials::secret::Secret;
use client_credentials::{base64url, form, json, jwt};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Independent reference decoders: written from the specs, sharing no code
// with the crate, strict where the crate must be strict.

/// `application/x-www-form-urlencoded` parsing (WHATWG URL §5.1), strict: `+`
/// is a space, `%` takes exactly two hex digits, and nothing outside the
/// serializer's output alphabet is accepted.
fn form_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
                let hi = hex(*b.get(i + 1)?)?;
                let lo = hex(*b.get(i + 2)?)?;
                out.push(hi << 4 | lo);
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || b"*-._".contains(&c) => out.push(c),
            _ => return None,
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A form body as name/value pairs.
fn form_pairs(body: &str) -> Option<Vec<(String, String)>> {
    if body.is_empty() {
        return Some(Vec::new());
    }
    body.split('&')
        .map(|pair| {
            let (n, v) = pair.split_once('=')?;
            Some((form_decode(n)?, form_decode(v)?))
        })
        .collect()
}

/// Strict base64 (RFC 4648 §4 and §5): `alphabet` is the 64 characters, with
/// `padded` the text must be padded to a multiple of four, and the unused
/// bits of the last character must be zero (§3.5, "canonical encoding").
fn base64_decode(text: &str, alphabet: &[u8; 64], padded: bool) -> Option<Vec<u8>> {
    let mut body = text.as_bytes();
    if padded {
        if body.len() % 4 != 0 {
            return None;
        }
        let pad = body.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 {
            return None;
        }
        body = &body[..body.len() - pad];
        if pad > 0 && body.len() % 4 != 4 - pad {
            return None;
        }
    }
    if body.len() % 4 == 1 {
        return None;
    }
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for &c in body {
        let v = alphabet.iter().position(|&a| a == c)? as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    (bits == 0).then_some(out)
}

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// ---------------------------------------------------------------------------
// Generators.

/// Text that looks like base64url, and often nearly is: the alphabet, the
/// characters strictness must refuse, and a non-ASCII one.
fn base64ish() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            8 => proptest::sample::select(URL_SAFE.to_vec()).prop_map(char::from),
            1 => proptest::sample::select(vec!['=', '+', '/', ' ', '\n', '.', 'é']),
        ],
        0..40,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

/// A JSON value as text, of bounded depth, with the escapes and number forms
/// that RFC 8259 allows.
fn json_value() -> impl Strategy<Value = String> {
    let string = proptest::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 _:/.-]".prop_map(|s| s),
            proptest::sample::select(vec![
                r#"\""#,
                r"\\",
                r"\/",
                r"\b",
                r"\f",
                r"\n",
                r"\r",
                r"\t",
                r"\u00e9",
                r"\ud83d\ude00",
                "é",
                "😀",
                "κ",
            ])
            .prop_map(str::to_owned),
        ],
        0..8,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()));
    let number = prop_oneof![
        Just("0".to_owned()),
        Just("-0".to_owned()),
        (any::<i64>()).prop_map(|n| n.to_string()),
        (any::<i32>(), 0u32..1000, -30i32..30).prop_map(|(i, f, e)| format!("{i}.{f}e{e}")),
        (any::<u16>(), -300i32..300).prop_map(|(i, e)| format!("{i}E+{e}").replace("+-", "-")),
    ];
    let leaf = prop_oneof![
        string.clone(),
        number,
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
    ];
    leaf.prop_recursive(4, 32, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6)
                .prop_map(|items| format!("[{}]", items.join(","))),
            proptest::collection::vec((string.clone(), inner), 0..6).prop_map(|members| {
                let members: Vec<String> =
                    members.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                format!("{{{}}}", members.join(", "))
            }),
        ]
    })
}

/// A JSON object whose top-level names are distinct.
fn json_object() -> impl Strategy<Value = (Vec<String>, String)> {
    proptest::collection::btree_map("[a-z_]{1,8}", json_value(), 0..8).prop_map(|members| {
        let names: Vec<String> = members.keys().cloned().collect();
        let text: Vec<String> = members
            .iter()
            .map(|(k, v)| format!("\"{k}\" :{v}"))
            .collect();
        (names, format!(" {{{}}}\n", text.join(",")))
    })
}

// ---------------------------------------------------------------------------

proptest! {
    #[test]
    fn json_strings_round_trip(value in any::<String>()) {
        // What the core writes into assertions and proofs reads back as it was.
        let mut out = String::new();
        json::write_string(&value, &mut out);
        let object = format!("{{\"v\":{out}}}");
        let members = json::parse_object(&object).unwrap();
        let read = members[0].as_str().unwrap();
        prop_assert_eq!(read.as_ref(), value.as_str());
    }

    #[test]
    fn form_encoding_round_trips(value in any::<String>()) {
        let encoded = form::encode(&value);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"*-._+%".contains(&b)), "{encoded}");
        prop_assert_eq!(form_decode(&encoded), Some(value));
    }

    #[test]
    fn form_bodies_round_trip(pairs in proptest::collection::vec((any::<String>(), any::<String>()), 0..6)) {
        let body = form::serialize(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        prop_assert_eq!(form_pairs(&body), Some(pairs));
    }

    /// RFC 6749 §2.3.1: the Basic header is base64 (standard, padded) of the
    /// form-encoded id, a colon, and the form-encoded secret.
    #[test]
    fn basic_header_round_trips(id in ".{1,40}", secret in ".{1,40}") {
        let credentials = Credentials::new(id.clone(), Secret::new(secret.clone())).unwrap();
        let header = credentials.basic_header();
        let encoded = header.expose().strip_prefix("Basic ").unwrap();
        let plain = String::from_utf8(base64_decode(encoded, STANDARD, true).unwrap()).unwrap();
        let (got_id, got_secret) = plain.split_once(':').unwrap();
        prop_assert_eq!(form_decode(got_id), Some(id));
        prop_assert_eq!(form_decode(got_secret), Some(secret));
    }

    #[test]
    fn base64url_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = base64url::encode(&bytes);
        prop_assert_eq!(text.len(), (bytes.len() * 4).div_ceil(3));
        prop_assert_eq!(base64_decode(&text, URL_SAFE, false), Some(bytes.clone()));
        prop_assert_eq!(base64url::decode(&text).ok(), Some(bytes));
    }

    /// The crate accepts exactly what the reference strict decoder accepts.
    #[test]
    fn base64url_is_as_strict_as_the_rfc(text in base64ish()) {
        prop_assert_eq!(base64url::decode(&text).ok(), base64_decode(&text, URL_SAFE, false), "{:?}", text);
    }

    #[test]
    fn jwt_decode_never_panics(token in any::<String>()) {
        let _ = jwt::decode(&token);
    }

    #[test]
    fn jwt_decode_never_panics_on_near_tokens(
        parts in proptest::collection::vec(base64ish(), 1..6),
    ) {
        let _ = jwt::decode(&parts.join("."));
    }

    /// Any object of distinct names, encoded as a header and a payload,
    /// decodes to exactly that text; the same object with a name repeated is
    /// refused.
    #[test]
    fn jwt_decodes_every_json_object((names, payload) in json_object(), sig in proptest::collection::vec(any::<u8>(), 0..64)) {
        let header = r#"{"alg":"RS256","typ":"JWT"}"#;
        let token = format!(
            "{}.{}.{}",
            base64url::encode(header.as_bytes()),
            base64url::encode(payload.as_bytes()),
            base64url::encode(&sig)
        );
        let decoded = jwt::decode(&token).map_err(|e| TestCaseError::fail(format!("{e}: {payload}")))?;
        prop_assert_eq!(decoded.header_json(), header);
        prop_assert_eq!(decoded.payload_json(), payload.as_str());
        let members = json::parse_object(decoded.payload_json()).unwrap();
        let got: Vec<&str> = members.iter().map(|m| m.name.as_ref()).collect();
        prop_assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
        if let Some(first) = names.first() {
            let twice = payload.trim_end().trim_end_matches('}').to_owned() + &format!(",\"{first}\":1}}");
            prop_assert!(json::parse_object(&twice).is_err());
        }
    }

    #[test]
    fn json_parse_object_never_panics(text in any::<String>()) {
        let _ = json::parse_object(&text);
    }

    /// Text over JSON's own alphabet reaches much deeper into the grammar
    /// than arbitrary strings do.
    #[test]
    fn json_parse_object_never_panics_on_near_json(text in r#"[{}\[\]":, 0-9a-fu\\.eE+\-tnrl]{0,80}"#) {
        if let Ok(members) = json::parse_object(&text) {
            for m in &members {
                let _ = m.as_str();
            }
        }
    }

    #[test]
    fn token_response_parsing_never_panics(
        status in prop_oneof![Just(200u16), Just(400), Just(401), Just(302), Just(0), 100u16..600],
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            json_object().prop_map(|(_, text)| text.into_bytes()),
            json_value().prop_map(String::into_bytes),
        ],
        location in proptest::option::of(any::<String>()),
        retry_after in proptest::option::of(any::<String>()),
        now in any::<f64>(),
    ) {
        let res = HttpResponse {
            status,
            opaque_redirect: status == 0,
            location,
            hints: ResponseHints { retry_after, www_authenticate: None },
            body,
        };
        match parse_token_response(&res, now, &["secret"]) {
            Ok(token) => {
                prop_assert!((200..300).contains(&status));
                prop_assert_eq!(token.token_type.as_str(), "Bearer");
            }
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
        let _ = discovery::parse_metadata(&res, "https://issuer.example");
    }

    /// Whatever a refusing server wraps around the secret, in a body, a
    /// header or a redirect target, the error shows none of the encodings
    /// the request sent.
    #[test]
    fn refusals_never_show_the_secret(
        status in prop_oneof![Just(200u16), Just(302), Just(400), Just(401), Just(429), Just(500), Just(503)],
        before in "[ -~]{0,300}",
        after in "[ -~]{0,300}",
        json_error in any::<bool>(),
    ) {
        let secret = "S3CRET-canary-ab+/:Z";
        let form_secret = form::encode(secret);
        let credentials = Credentials::new("client", Secret::new(secret)).unwrap();
        let basic = credentials.basic_header().expose().trim_start_matches("Basic ").to_owned();
        let secrets = [secret, form_secret.as_str(), basic.as_str()];
        let echo = format!("{before}{secret} {form_secret} Basic {basic}{after}");
        let body = if json_error {
            format!(
                r#"{{"error":"{0}","error_description":"{0}","error_uri":"{0}","{0}":1,"{0}":2}}"#,
                echo.replace('\\', "\\\\").replace('"', "\\\"")
            )
        } else {
            echo.clone()
        };
        let res = HttpResponse {
            status,
            opaque_redirect: false,
            location: Some(echo.clone()),
            hints: ResponseHints { retry_after: Some(echo.clone()), www_authenticate: Some(echo) },
            body: body.into_bytes(),
        };
        if let Err(e) = parse_token_response(&res, 0.0, &secrets) {
            for shown in [e.to_string(), format!("{e:?}")] {
                for s in secrets {
                    prop_assert!(!shown.contains(s), "{} in {}", s, shown);
                }
            }
        }
    }
}

#[test]
fn reference_decoders_agree_with_known_vectors() {
    // RFC 4648 §10.
    for (plain, b64) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
    ] {
        assert_eq!(
            base64_decode(b64, STANDARD, true).as_deref(),
            Some(plain.as_bytes())
        );
    }
    assert_eq!(base64_decode("Zh==", STANDARD, true), None, "stray bits");
    assert_eq!(
        base64_decode("Zg", URL_SAFE, false).as_deref(),
        Some(&b"f"[..])
    );
    assert_eq!(form_decode("a+b%2B%C3%A9"), Some("a b+é".to_owned()));
    assert_eq!(form_decode("%2"), None);
    assert_eq!(form_decode("a b"), None);
}

#[test]
fn a_token_of_exactly_the_limit_is_decoded_and_one_more_is_not() {
    let head = base64url::encode(br#"{"alg":"none"}"#);
    // Spaces in the payload JSON and 'A's in the signature bring the token
    // to exactly MAX_TOKEN_LENGTH, once the signature's length is one that
    // base64url allows (not 1 mod 4).
    // (The search starts near the answer: each try encodes ~48 KB.)
    let token = (jwt::MAX_TOKEN_LENGTH * 3 / 4 - 200..)
        .map(|spaces| {
            let payload = base64url::encode(format!("{{{}}}", " ".repeat(spaces)).as_bytes());
            let used = head.len() + 1 + payload.len() + 1;
            (payload, jwt::MAX_TOKEN_LENGTH - used)
        })
        .find(|(_, sig)| sig % 4 != 1 && *sig < 64)
        .map(|(payload, sig)| format!("{head}.{payload}.{}", "A".repeat(sig)))
        .unwrap();
    assert_eq!(token.len(), jwt::MAX_TOKEN_LENGTH);
    assert!(jwt::decode(&token).is_ok());
    assert!(jwt::check_length(jwt::MAX_TOKEN_LENGTH).is_ok());
    assert!(jwt::check_length(jwt::MAX_TOKEN_LENGTH + 1).is_err());

    let over = format!("{token}A");
    assert!(jwt::decode(&over).is_err());
    // ...refused for its length, not for its (valid) last segment.
    let short_over = format!("{}AAA", &token[..token.len() - 2]);
    assert_eq!(short_over.len(), jwt::MAX_TOKEN_LENGTH + 1);
    assert!(jwt::decode(&short_over)
        .unwrap_err()
        .to_string()
        .contains("over the limit"));
}
