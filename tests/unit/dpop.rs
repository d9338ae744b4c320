use super::*;

const JTI: [u8; JTI_BYTES] = [0; JTI_BYTES];

// RFC 7638 §3.1's example key.
const RFC7638_KEY: &str = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;

#[test]
fn thumbprint_input_is_rfc_7638_canonical() {
    let jwk = PublicJwk::from_json(RFC7638_KEY).unwrap();
    let input = jwk.thumbprint_input();
    assert!(
        input.starts_with(r#"{"e":"AQAB","kty":"RSA","n":"0vx7"#),
        "{input}"
    );
    assert!(!input.contains("kid") && !input.contains("alg") && !input.contains(' '));
    let ec = PublicJwk::from_json(
        r#"{"y":"Y","x":"X","kty":"EC","crv":"P-256","ext":true,"key_ops":[]}"#,
    )
    .unwrap();
    assert_eq!(
        ec.thumbprint_input(),
        r#"{"crv":"P-256","kty":"EC","x":"X","y":"Y"}"#
    );
    let okp = PublicJwk::from_json(r#"{"kty":"OKP","crv":"Ed25519","x":"X"}"#).unwrap();
    assert_eq!(
        okp.thumbprint_input(),
        r#"{"crv":"Ed25519","kty":"OKP","x":"X"}"#
    );
}

#[test]
fn private_and_malformed_keys_are_refused() {
    let e =
        PublicJwk::from_json(r#"{"kty":"EC","crv":"P-256","x":"X","y":"Y","d":"D"}"#).unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_OPTIONS");
    assert!(e.to_string().contains("private key"), "{e}");
    assert!(!e.to_string().contains("\"D\""));
    assert!(PublicJwk::from_json(r#"{"kty":"oct","k":"K"}"#).is_err());
    assert!(PublicJwk::from_json(r#"{"kty":"EC","crv":"P-256","x":"X"}"#).is_err());
    assert!(PublicJwk::from_json(r#"{"kty":"EC","crv":1,"x":"X","y":"Y"}"#).is_err());
    assert!(PublicJwk::from_json("[]").is_err());
}

#[test]
fn proof_header_and_claims() {
    let jwk = PublicJwk::from_json(r#"{"kty":"EC","crv":"P-256","x":"X","y":"Y"}"#).unwrap();
    assert_eq!(
        header(SigningAlg::Es256, &jwk),
        r#"{"typ":"dpop+jwt","alg":"ES256","jwk":{"crv":"P-256","kty":"EC","x":"X","y":"Y"}}"#
    );
    let token = ProofRequest {
        method: "POST",
        url: "https://sso.example/token?x=1#f",
        nonce: None,
        token_hash: None,
    };
    assert_eq!(
        claims(&token, 1_700_000_000, &JTI),
        r#"{"jti":"AAAAAAAAAAAAAAAAAAAAAA","htm":"POST","htu":"https://sso.example/token","iat":1700000000}"#
    );
    let api = ProofRequest {
        method: "GET",
        url: "https://api.example/a#b",
        nonce: Some("n-1"),
        token_hash: Some(&[0xff, 0xfe]),
    };
    assert_eq!(
        claims(&api, 5, &JTI),
        r#"{"jti":"AAAAAAAAAAAAAAAAAAAAAA","htm":"GET","htu":"https://api.example/a","iat":5,"nonce":"n-1","ath":"__4"}"#
    );
}

#[test]
fn htu_drops_query_and_fragment() {
    assert_eq!(htu("https://a.example/p?q#f"), "https://a.example/p");
    assert_eq!(htu("https://a.example/p#f?q"), "https://a.example/p");
    assert_eq!(htu("https://a.example/p"), "https://a.example/p");
}

#[test]
fn nonces_and_challenges() {
    assert!(valid_nonce("eyJ7S_zG.-~!#"));
    assert!(!valid_nonce(""));
    assert!(!valid_nonce("a b"));
    assert!(!valid_nonce("a\"b"));
    assert!(!valid_nonce("a\\b"));
    assert!(!valid_nonce("é"));
    assert!(is_nonce_challenge(
        r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#
    ));
    assert!(is_nonce_challenge(
        r#"Bearer realm="x", DPoP error="use_dpop_nonce""#
    ));
    assert!(!is_nonce_challenge(r#"DPoP error="invalid_token""#));
}
