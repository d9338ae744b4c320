use super::*;

#[test]
fn round_trips_every_length() {
    let bytes: Vec<u8> = (0..=255).collect();
    for n in 0..bytes.len() {
        let encoded = encode(&bytes[..n]);
        assert!(!encoded.contains('='));
        assert_eq!(decode(&encoded).unwrap(), &bytes[..n]);
    }
}

#[test]
fn uses_the_url_safe_alphabet() {
    assert_eq!(encode(&[0xfb, 0xff]), "-_8");
    assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
}

#[test]
fn refuses_what_strict_base64url_does_not_allow() {
    for bad in ["ab==", "a+b/", "YQ=", "a b", "YR", "Y", "ab\n", "é"] {
        assert!(decode(bad).is_err(), "{bad:?} should be refused");
    }
}

#[test]
fn decode_into_appends() {
    let mut out = b"x".to_vec();
    decode_into("YQ", &mut out).unwrap();
    assert_eq!(out, b"xa");
}
