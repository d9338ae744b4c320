//! `jwk::KeySet::parse` (RFC 7517 §5) never panics on any text, and every key
//! it offers for any algorithm is a clean JWK: one JSON object that holds
//! `kty`, at most `crv`, and base64url key material, nothing else (no `d`,
//! no `alg`, no `key_ops`), so nothing but public key material reaches
//! WebCrypto's `importKey`.
#![no_main]

use client_credentials::base64url;
use client_credentials::json::{self, Kind};
use client_credentials::jwk::{KeySet, ALGS};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(set) = KeySet::parse(text) else {
        return;
    };
    assert!(set.len() <= client_credentials::jwk::MAX_KEYS);
    for alg in ALGS {
        for kid in [None, Some("k"), Some("")] {
            for key in set.select(alg, kid) {
                let members = json::parse_object(key.import_json()).expect("a clean JWK is JSON");
                assert_eq!(members.first().map(|m| m.name.as_ref()), Some("kty"));
                for m in &members {
                    assert_eq!(m.kind, Kind::String);
                    let allowed = ["kty", "crv", "n", "e", "x", "y", "k"];
                    assert!(allowed.contains(&m.name.as_ref()), "{} leaked into the import", m.name);
                    if !matches!(m.name.as_ref(), "kty" | "crv") {
                        assert!(base64url::is_valid(&m.as_str().unwrap()));
                    }
                }
                if let Some(kid) = kid {
                    assert_eq!(key.kid(), Some(kid));
                }
            }
        }
    }
});
