use super::*;
use crate::backoff::Failure;
use crate::base64url::encode;

/// A base64url modulus of `bits` bits (top bit set).
fn modulus(bits: usize) -> String {
    let mut bytes = vec![0xA5u8; bits / 8];
    bytes[0] = 0x80;
    encode(&bytes)
}

fn rsa(kid: &str, bits: usize, extra: &str) -> String {
    format!(
        r#"{{"kty":"RSA","kid":"{kid}","n":"{}","e":"AQAB"{extra}}}"#,
        modulus(bits)
    )
}

fn ec(kid: &str, crv: &str, size: usize) -> String {
    let c = encode(&vec![7u8; size]);
    format!(r#"{{"kty":"EC","kid":"{kid}","crv":"{crv}","x":"{c}","y":"{c}"}}"#)
}

fn set(keys: &[String]) -> KeySet {
    KeySet::parse(&format!(r#"{{"keys":[{}]}}"#, keys.join(","))).unwrap()
}

fn kids<'a>(s: &'a KeySet, alg: Alg, kid: Option<&'a str>) -> Vec<&'a str> {
    s.select(alg, kid).map(|k| k.kid().unwrap_or("-")).collect()
}

#[test]
fn algorithm_names_round_trip_and_bits_are_distinct() {
    for (i, alg) in ALGS.iter().enumerate() {
        assert_eq!(Alg::from_name(alg.name()), Some(*alg));
        assert_eq!(alg.bit(), 1 << i);
    }
    assert_eq!(Alg::from_name("none"), None);
    assert_eq!(Alg::from_name("rs256"), None);
    assert_eq!(ASYMMETRIC & Alg::HS256.bit(), 0);
    assert_ne!(ASYMMETRIC & Alg::EdDSA.bit(), 0);
}

#[test]
fn reduces_each_key_to_its_type_and_material() {
    let s = set(&[rsa(
        "r",
        2048,
        r#","alg":"RS256","use":"sig","d":"c2VjcmV0""#,
    )]);
    let key = s.select(Alg::RS256, Some("r")).next().unwrap();
    assert_eq!(
        key.import_json(),
        format!(r#"{{"kty":"RSA","n":"{}","e":"AQAB"}}"#, modulus(2048))
    );
    let okp = KeySet::single(
        r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#,
    )
    .unwrap();
    assert_eq!(okp.select(Alg::EdDSA, None).count(), 1);
    assert!(okp
        .select(Alg::EdDSA, None)
        .next()
        .unwrap()
        .import_json()
        .starts_with(r#"{"kty":"OKP","crv":"Ed25519","x":"#));
}

#[test]
fn refuses_rsa_keys_under_2048_bits() {
    let s = set(&[rsa("small", 2040, ""), rsa("ok", 2048, "")]);
    assert_eq!(kids(&s, Alg::RS256, None), ["ok"]);
    assert_eq!(kids(&s, Alg::PS256, Some("small")), Vec::<&str>::new());
    let err = s.no_key(Alg::RS256, Some("small"));
    assert_eq!(err.code(), "ERR_JWKS_NO_KEY");
    assert!(err.to_string().contains("does not fit RS256"), "{err}");
    // A leading zero byte does not count.
    let mut bytes = vec![0u8; 257];
    bytes[1] = 0x7f;
    let n = encode(&bytes);
    let s = KeySet::single(&format!(r#"{{"kty":"RSA","n":"{n}","e":"AQAB"}}"#)).unwrap();
    assert_eq!(s.select(Alg::RS256, None).count(), 0);
}

#[test]
fn skips_keys_by_use_key_ops_and_alg() {
    let s = set(&[
        rsa("enc", 2048, r#","use":"enc""#),
        rsa("ops", 2048, r#","key_ops":["encrypt"]"#),
        rsa("alg", 2048, r#","alg":"RS384""#),
        rsa(
            "good",
            2048,
            r#","use":"sig","key_ops":["verify"],"alg":"RS256""#,
        ),
    ]);
    assert_eq!(kids(&s, Alg::RS256, None), ["good"]);
    assert_eq!(kids(&s, Alg::RS384, None), ["alg"]);
    assert_eq!(kids(&s, Alg::RS256, Some("enc")), Vec::<&str>::new());
}

#[test]
fn matches_kid_exactly_and_tries_every_fitting_key() {
    let s = set(&[rsa("a", 2048, ""), rsa("a", 3072, ""), rsa("b", 2048, "")]);
    assert_eq!(kids(&s, Alg::RS256, Some("a")), ["a", "a"]);
    assert_eq!(kids(&s, Alg::RS256, None), ["a", "a", "b"]);
    assert_eq!(kids(&s, Alg::RS256, Some("A")), Vec::<&str>::new());
}

#[test]
fn fits_algorithms_to_key_types_and_curves() {
    let s = set(&[
        ec("p256", "P-256", 32),
        ec("p384", "P-384", 48),
        ec("p521", "P-521", 66),
        rsa("rsa", 2048, ""),
        r#"{"kty":"oct","kid":"hmac","k":"c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"}"#.to_owned(),
    ]);
    assert_eq!(kids(&s, Alg::ES256, None), ["p256"]);
    assert_eq!(kids(&s, Alg::ES384, None), ["p384"]);
    assert_eq!(kids(&s, Alg::ES512, None), ["p521"]);
    assert_eq!(kids(&s, Alg::EdDSA, None), Vec::<&str>::new());
    assert_eq!(kids(&s, Alg::HS256, None), ["hmac"]);
    // HS256 never fits an RSA key (the "public key as HMAC secret" attack).
    assert_eq!(kids(&s, Alg::HS256, Some("rsa")), Vec::<&str>::new());
}

#[test]
fn ignores_unknown_and_malformed_keys_in_a_set() {
    let s = set(&[
        r#"{"kty":"RSA-OTHER","kid":"x"}"#.to_owned(),
        r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#.to_owned(),
        r#"{"kty":"OKP","crv":"Ed448","x":"AAAA"}"#.to_owned(),
        r#"{"kty":"RSA","n":"not base64!","e":"AQAB"}"#.to_owned(),
        "17".to_owned(),
        rsa("ok", 2048, ""),
    ]);
    assert_eq!(s.len(), 1);
}

#[test]
fn a_single_key_must_be_usable() {
    assert!(
        KeySet::single(r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#)
            .unwrap_err()
            .contains("wrong length")
    );
    assert!(KeySet::single(r#"{"n":"AQAB"}"#)
        .unwrap_err()
        .contains("no \"kty\""));
    assert!(KeySet::single(r#"{"kty":"oct","k":""}"#)
        .unwrap_err()
        .contains("empty"));
    assert!(KeySet::single(r#"{"kty":"RSA","e":"AQAB"}"#)
        .unwrap_err()
        .contains("lacks key material"));
}

#[test]
fn refuses_texts_that_are_not_key_sets() {
    assert!(KeySet::parse("[]")
        .unwrap_err()
        .contains("not a JSON object"));
    assert!(KeySet::parse(r#"{"keys":{}}"#)
        .unwrap_err()
        .contains("no \"keys\" array"));
    assert!(KeySet::parse(r#"{"keys":[],"keys":[]}"#).is_err());
    let many = vec![rsa("k", 2048, ""); MAX_KEYS + 1];
    assert!(
        KeySet::parse(&format!(r#"{{"keys":[{}]}}"#, many.join(",")))
            .unwrap_err()
            .contains("over the limit")
    );
    assert!(KeySet::parse(r#"{"keys":[]}"#).unwrap().is_empty());
}

#[test]
fn debug_output_holds_no_key_material() {
    let s = KeySet::single(r#"{"kty":"oct","kid":"h","k":"c2VjcmV0LXZhbHVl"}"#).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains("c2VjcmV0LXZhbHVl"), "{debug}");
    assert!(debug.contains("\"h\""));
}

#[test]
fn refetches_after_max_age_and_once_per_cooldown() {
    let mut r = Refresh::new(30_000.0, 600_000.0);
    assert!(r.due(0.0));
    assert!(r.may_refetch(0.0));
    r.attempted(1_000.0);
    r.loaded(1_000.0);
    assert!(!r.due(2_000.0));
    assert!(!r.may_refetch(30_999.0));
    assert!(r.may_refetch(31_000.0));
    assert!(r.due(601_000.0));
    // A clock that went backwards does not freeze the set forever.
    assert!(r.due(500.0));
    assert!(r.may_refetch(500.0));
}

#[test]
fn keys_past_max_age_are_used_while_refetched_up_to_max_stale() {
    let mut r = Refresh::new(30_000.0, 600_000.0).with_max_stale(3_600_000.0);
    assert_eq!(r.window(0.0), KeysWindow::Missing);
    r.loaded(1_000.0);
    assert_eq!(r.window(600_999.0), KeysWindow::Fresh);
    assert_eq!(r.window(601_000.0), KeysWindow::Stale { refetch: true });
    assert_eq!(
        r.failed(Failure::Transient, 601_000.0, 0.5),
        Some(500.0),
        "a failed refetch is waited out with the backoff"
    );
    assert_eq!(r.window(601_499.0), KeysWindow::Stale { refetch: false });
    assert_eq!(r.window(601_500.0), KeysWindow::Stale { refetch: true });
    assert_eq!(r.window(3_600_999.0), KeysWindow::Stale { refetch: true });
    assert_eq!(
        r.window(3_601_000.0),
        KeysWindow::Missing,
        "not used past max stale"
    );
    r.loaded(3_602_000.0);
    assert_eq!(r.backoff().failures(), 0, "a load forgets the failures");
    assert_eq!(r.window(3_602_000.0), KeysWindow::Fresh);
    // A clock that went back: used, and refetched.
    assert_eq!(r.window(0.0), KeysWindow::Stale { refetch: true });
}

#[test]
fn max_stale_defaults_to_a_day_and_is_never_below_max_age() {
    let mut r = Refresh::new(30_000.0, 600_000.0);
    r.loaded(0.0);
    assert_eq!(r.window(86_399_999.0), KeysWindow::Stale { refetch: true });
    assert_eq!(r.window(86_400_000.0), KeysWindow::Missing);
    let mut r = Refresh::new(30_000.0, 600_000.0).with_max_stale(0.0);
    r.loaded(0.0);
    assert_eq!(r.window(599_999.0), KeysWindow::Fresh);
    assert_eq!(r.window(600_000.0), KeysWindow::Missing);
    // A definitive failure: no more background attempts.
    let mut r = Refresh::new(30_000.0, 600_000.0);
    r.loaded(0.0);
    assert_eq!(r.failed(Failure::Definitive, 600_000.0, 0.5), None);
    assert_eq!(r.window(700_000.0), KeysWindow::Stale { refetch: false });
}
