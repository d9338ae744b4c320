//! `json::parse_object` (RFC 8259) never panics and agrees with serde_json,
//! an independent parser: it accepts a text exactly when serde_json reads it
//! as an object, except where this reader is deliberately stricter
//! (duplicate top-level names, a nesting limit) and where serde_json is
//! (lone surrogates, numbers beyond f64, its own nesting limit).
#![no_main]

use client_credentials::json::{self, JsonError, Kind};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = json::parse_object(text);
    let theirs = serde_json::from_str::<Value>(text);
    let serde_is_stricter = |e: &serde_json::Error| {
        let m = e.to_string();
        // serde_json names a lone surrogate "unexpected end of hex escape".
        m.contains("surrogate")
            || m.contains("hex escape")
            || m.contains("number out of range")
            || m.contains("recursion limit")
    };
    match (&ours, &theirs) {
        (Ok(members), Ok(Value::Object(map))) => {
            assert_eq!(members.len(), map.len(), "member count differs");
            for m in members {
                let value = map.get(m.name.as_ref()).expect("serde_json has the member");
                let raw: Value = serde_json::from_str(m.raw).expect("a member's raw text is JSON");
                assert_eq!(&raw, value, "member {:?}", m.name);
                let kind = match value {
                    Value::Object(_) => Kind::Object,
                    Value::Array(_) => Kind::Array,
                    Value::String(_) => Kind::String,
                    Value::Number(_) => Kind::Number,
                    Value::Bool(_) => Kind::Bool,
                    Value::Null => Kind::Null,
                };
                assert_eq!(m.kind, kind);
                if let Value::String(s) = value {
                    assert_eq!(m.as_str().as_deref(), Some(s.as_str()));
                }
            }
        }
        (Ok(_), Ok(other)) => panic!("accepted as an object what serde_json reads as {other}"),
        (Ok(_), Err(e)) => assert!(
            serde_is_stricter(e),
            "accepted what serde_json refuses: {e}"
        ),
        (Err(JsonError::NotAnObject), Ok(v)) => assert!(!v.is_object()),
        (Err(JsonError::NotAnObject), Err(e)) => {
            assert!(serde_is_stricter(e), "NotAnObject for invalid JSON: {e}")
        }
        (Err(JsonError::DuplicateKey(name)), Ok(Value::Object(map))) => {
            assert!(map.contains_key(name.as_str()))
        }
        (Err(JsonError::TooDeep), _) => {}
        (Err(JsonError::Syntax(at)), Ok(v)) => {
            // Only a top-level name with a lone surrogate, which a Rust
            // string can't hold... and serde_json refuses those too.
            panic!("syntax error at {at} in what serde_json reads as {v}")
        }
        (Err(_), _) => {}
    }
});
