//! `dpop::check_proof` (RFC 9449 §4.3) never panics on any text, every
//! refusal is `ERR_DPOP_PROOF` with a fixed message (no quote, so it is safe
//! inside a `WWW-Authenticate` parameter), and a
//! proof it passes hands WebCrypto a signing input that is the proof's
//! `header.payload` and a clean public key.
#![no_main]

use client_credentials::dpop::{check_proof, ProofCheck};
use client_credentials::json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expect = ProofCheck {
        method: "GET",
        url: "https://api.example/archives?x=1",
        token_hash: &[7; 32],
        now_s: 1_700_000_000.0,
        max_age_s: 60.0,
        clock_tolerance_s: 30.0,
        nonce: None,
    };
    match check_proof(Some(text), &expect) {
        Err(e) => {
            assert_eq!(e.code(), "ERR_DPOP_PROOF");
            // The messages are &'static str, so no part of the proof can be in them.
            assert!(!e.to_string().contains('"'));
        }
        Ok(proof) => {
            assert_eq!(text.as_bytes().get(proof.signing_input_end), Some(&b'.'));
            let members = json::parse_object(&proof.key).expect("a clean JWK is JSON");
            assert!(members.iter().all(|m| !matches!(m.name.as_ref(), "d" | "p" | "q" | "k")));
            assert!(json::parse_object(proof.thumbprint.thumbprint_input()).is_ok());
        }
    }
});
