//! `application/x-www-form-urlencoded` (the WHATWG URL standard, as RFC 6749
//! Appendix B uses it): the body and the Basic header decode, with a decoder
//! written here independently, to exactly what went in.
//!
//! The input is lines of `name<TAB>value`, so seeds stay readable.
#![no_main]

use base64_free::standard_decode;
use client_credentials::form;
use client_credentials::oauth::Credentials;
use client_credentials::secret::Secret;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let pairs: Vec<(&str, &str)> = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n')
            .map(|line| line.split_once('\t').unwrap_or((line, "")))
            .collect()
    };

    let body = form::serialize(pairs.iter().copied());
    assert!(
        body.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"*-._+%&=".contains(&b)),
        "{body:?} has a byte outside the form alphabet"
    );
    let decoded = decode_body(&body);
    let expected: Vec<(String, String)> = pairs
        .iter()
        .map(|&(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    assert_eq!(decoded, expected);

    // RFC 6749 §2.3.1: Basic carries base64(form(id) ":" form(secret)).
    if let Some(&(id, secret)) = pairs.first() {
        if let Ok(credentials) = Credentials::new(id, Secret::new(secret)) {
            let header = credentials.basic_header();
            let encoded = header
                .expose()
                .strip_prefix("Basic ")
                .expect("Basic scheme");
            let plain = String::from_utf8(standard_decode(encoded)).expect("ASCII");
            let (got_id, got_secret) = plain.split_once(':').expect("one ':' separator");
            assert!(!got_secret.contains(':') || secret.contains(':'));
            assert_eq!(percent_decode(got_id), id);
            assert_eq!(percent_decode(got_secret), secret);
        }
    }
});

fn decode_body(body: &str) -> Vec<(String, String)> {
    if body.is_empty() {
        return Vec::new();
    }
    body.split('&')
        .map(|pair| {
            let (n, v) = pair.split_once('=').expect("every pair has '='");
            (percent_decode(n), percent_decode(v))
        })
        .collect()
}

/// Strict: `+` is a space, `%` must start two upper-case hex digits, and no
/// byte outside the form alphabet may appear.
fn percent_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = |c: u8| match c {
                    b'0'..=b'9' => c - b'0',
                    b'A'..=b'F' => c - b'A' + 10,
                    _ => panic!("{s:?}: bad escape"),
                };
                out.push(hex(b[i + 1]) * 16 + hex(b[i + 2]));
                i += 2;
            }
            c if c.is_ascii_alphanumeric() || b"*-._".contains(&c) => out.push(c),
            c => panic!("{s:?}: unencoded byte {c:#04x}"),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8 in, UTF-8 out")
}

/// A standard-alphabet, padded base64 decoder (RFC 4648 §4), written out so
/// the check does not use the library the code under test uses.
mod base64_free {
    pub fn standard_decode(text: &str) -> Vec<u8> {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        assert_eq!(text.len() % 4, 0, "padded base64 comes in groups of four");
        let mut out = Vec::new();
        for group in text.as_bytes().chunks(4) {
            let mut n = 0u32;
            let mut pad = 0;
            for &c in group {
                n <<= 6;
                if c == b'=' {
                    pad += 1;
                } else {
                    assert_eq!(pad, 0, "data after padding");
                    n |= ALPHABET
                        .iter()
                        .position(|&a| a == c)
                        .expect("base64 alphabet") as u32;
                }
            }
            out.extend_from_slice(&n.to_be_bytes()[1..4 - pad]);
        }
        out
    }
}
