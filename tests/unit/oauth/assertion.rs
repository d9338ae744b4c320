use super::*;

const JTI: [u8; JTI_BYTES] = [7; JTI_BYTES];

#[test]
fn claims_follow_rfc_7523_section_3() {
    let c = claims(
        "archival-service",
        "https://sso.example/realms/sivalabs",
        1_700_000_000,
        &JTI,
    );
    assert_eq!(
        c,
        r#"{"iss":"archival-service","sub":"archival-service","aud":"https://sso.example/realms/sivalabs","jti":"BwcHBwcHBwcHBwcHBwcHBw","iat":1700000000,"exp":1700000060}"#
    );
    // 16 random bytes: 128 bits in 22 base64url characters.
    assert_eq!(base64url::encode(&JTI).len(), 22);
}

#[test]
fn claims_escape_what_json_needs() {
    let c = claims("a\"b\\c\n", "x", 0, &JTI);
    assert!(
        c.starts_with(r#"{"iss":"a\"b\\c\n","sub":"a\"b\\c\n""#),
        "{c}"
    );
    assert!(crate::json::parse_object(&c).is_ok());
}

#[test]
fn header_has_typ_and_kid_when_known() {
    assert_eq!(header(Alg::ES256, None), r#"{"alg":"ES256","typ":"JWT"}"#);
    assert_eq!(
        header(Alg::RS256, Some("k\"1")),
        r#"{"alg":"RS256","typ":"JWT","kid":"k\"1"}"#
    );
}

#[test]
fn signing_input_and_compact_form() {
    let input = signing_input("{\"alg\":\"HS256\"}", "{}");
    assert_eq!(input, "eyJhbGciOiJIUzI1NiJ9.e30");
    assert_eq!(
        compact(&input, &[0xfb, 0xff]),
        "eyJhbGciOiJIUzI1NiJ9.e30.-_8"
    );
}

#[test]
fn algorithm_names_round_trip() {
    for alg in crate::jwk::ALGS {
        let name = alg.name();
        assert_eq!(Alg::from_name(name), Some(alg));
        assert_eq!(alg.is_hmac(), name.starts_with("HS"));
    }
    assert_eq!(Alg::from_name("none"), None);
    assert_eq!(Alg::from_name("rs256"), None);
}

#[test]
fn signing_alg_fits_the_method() {
    assert_eq!(signing_alg(None, true).unwrap(), Some(Alg::HS256));
    assert_eq!(signing_alg(None, false).unwrap(), None);
    assert_eq!(signing_alg(Some("HS512"), true).unwrap(), Some(Alg::HS512));
    assert_eq!(signing_alg(Some("PS256"), false).unwrap(), Some(Alg::PS256));
    let e = signing_alg(Some("RS256"), true).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_OPTIONS");
    assert!(e.to_string().contains("HS256, HS384 or HS512"), "{e}");
    let e = signing_alg(Some("HS256"), false).unwrap_err();
    assert!(e.to_string().contains("ES256"), "{e}");
    let e = signing_alg(Some("none"), false).unwrap_err();
    assert!(e.to_string().contains("\"none\""), "{e}");
}

#[test]
fn clock_refusals_are_recognised() {
    for d in [
        "Token is not active",
        "\"iat\" claim timestamp check failed (too far in the future)",
        "jwt expired",
        "\"exp\" claim timestamp check failed",
        "Token exp too far",
    ] {
        assert!(is_clock_refusal(d), "{d}");
    }
    for d in [
        "invalid signature",
        "client authentication failed",
        "audience (aud) must equal the endpoint url, issuer identifier or token endpoint url",
        "unexpected client",
    ] {
        assert!(!is_clock_refusal(d), "{d}");
    }
}
