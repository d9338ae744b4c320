//! Strict base64url (RFC 4648 §5, RFC 7515 §2): every byte string survives
//! encode then decode, and decode accepts only canonical text, so whatever it
//! accepts encodes back to the same text.
#![no_main]

use client_credentials::base64url;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = base64url::encode(data);
    assert!(text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(text.len(), (data.len() * 4).div_ceil(3));
    assert_eq!(base64url::decode(&text).as_deref(), Ok(data));

    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let decoded = base64url::decode(input);
    if let Ok(bytes) = &decoded {
        assert_eq!(
            base64url::encode(bytes),
            input,
            "a non-canonical encoding was accepted"
        );
    }
    let mut appended = vec![0xA5];
    let result = base64url::decode_into(input, &mut appended);
    assert_eq!(result.is_ok(), decoded.is_ok());
    assert_eq!(
        appended[0], 0xA5,
        "decode_into overwrote what was already there"
    );
    if let Ok(bytes) = decoded {
        assert_eq!(&appended[1..], bytes);
    }
});
