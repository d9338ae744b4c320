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
        header(Alg::ES256, &jwk),
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

// The resource server's checks (RFC 9449 §4.3).

const X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const TOKEN_HASH: [u8; 32] = [7; 32];
const NOW: f64 = 1_700_000_000.0;

fn ec_jwk() -> String {
    format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}"}}"#)
}

fn good_header() -> String {
    format!(r#"{{"typ":"dpop+jwt","alg":"ES256","jwk":{}}}"#, ec_jwk())
}

fn good_claims() -> String {
    format!(
        r#"{{"jti":"j1","htm":"GET","htu":"https://api.example/archives","iat":{NOW},"ath":"{}"}}"#,
        base64url::encode(&TOKEN_HASH)
    )
}

fn proof(header: &str, claims: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url::encode(header.as_bytes()),
        base64url::encode(claims.as_bytes()),
        base64url::encode(&[1u8; 64])
    )
}

fn expect() -> ProofCheck<'static> {
    ProofCheck {
        method: "GET",
        url: "https://API.example:443/archives?page=2#top",
        token_hash: &TOKEN_HASH,
        now_s: NOW,
        max_age_s: DEFAULT_PROOF_MAX_AGE_S,
        clock_tolerance_s: 30.0,
        nonce: None,
    }
}

fn refusal(header: &str, claims: &str) -> String {
    let e = check_proof(Some(&proof(header, claims)), &expect()).unwrap_err();
    assert_eq!(e.code(), "ERR_DPOP_PROOF");
    e.to_string()
}

#[test]
fn a_proof_for_the_request_passes_with_its_key_and_signing_input() {
    let text = proof(&good_header(), &good_claims());
    let checked = check_proof(Some(&text), &expect()).unwrap();
    assert_eq!(checked.alg, Alg::ES256);
    assert_eq!(
        checked.thumbprint.thumbprint_input(),
        format!(r#"{{"crv":"P-256","kty":"EC","x":"{X}","y":"{Y}"}}"#)
    );
    assert!(checked.key.contains(X) && checked.key.contains("\"kty\":\"EC\""));
    assert_eq!(checked.signing_input_end, text.rfind('.').unwrap());
    assert_eq!(checked.signature, vec![1u8; 64]);
}

#[test]
fn absent_repeated_or_malformed_proofs_are_refused() {
    let e = check_proof(None, &expect()).unwrap_err();
    assert!(e.to_string().contains("no DPoP proof"), "{e}");
    let one = proof(&good_header(), &good_claims());
    let e = check_proof(Some(&format!("{one}, {one}")), &expect()).unwrap_err();
    assert!(e.to_string().contains("more than one"), "{e}");
    let e = check_proof(Some("not.a.jwt"), &expect()).unwrap_err();
    assert_eq!(e.code(), "ERR_DPOP_PROOF");
}

#[test]
fn the_header_must_be_typ_dpop_jwt_an_asymmetric_alg_and_a_public_jwk() {
    let claims = good_claims();
    let jwk = ec_jwk();
    let with = |typ: &str, alg: &str, jwk: &str| {
        refusal(
            &format!(r#"{{"typ":"{typ}","alg":"{alg}","jwk":{jwk}}}"#),
            &claims,
        )
    };
    assert!(with("JWT", "ES256", &jwk).contains("typ"));
    assert!(with("at+jwt", "ES256", &jwk).contains("typ"));
    for alg in ["none", "HS256", "XS256"] {
        assert!(with("dpop+jwt", alg, &jwk).contains("asymmetric"), "{alg}");
    }
    let private = format!(r#"{{"kty":"EC","crv":"P-256","x":"{X}","y":"{Y}","d":"{X}"}}"#);
    assert!(with("dpop+jwt", "ES256", &private).contains("private"));
    assert!(with("dpop+jwt", "ES256", r#"{"kty":"oct","k":"c2VjcmV0"}"#).contains("private"));
    // The key must fit the alg: a P-256 key can't make an RS256 or ES384 proof.
    assert!(with("dpop+jwt", "RS256", &jwk).contains("does not fit"));
    assert!(with("dpop+jwt", "ES384", &jwk).contains("does not fit"));
    let no_jwk = refusal(r#"{"typ":"dpop+jwt","alg":"ES256"}"#, &claims);
    assert!(no_jwk.contains("no jwk"), "{no_jwk}");
    let text = format!(
        "{}.{}.{}",
        base64url::encode(good_header().as_bytes()),
        base64url::encode(claims.as_bytes()),
        base64url::encode(&[1u8; 70])
    );
    let e = check_proof(Some(&text), &expect()).unwrap_err();
    assert!(e.to_string().contains("malformed"), "{e}");
}

#[test]
fn the_claims_must_name_this_request_now_and_this_token() {
    let header = good_header();
    let ath = base64url::encode(&TOKEN_HASH);
    let claims = |jti: &str, htm: &str, htu: &str, iat: f64, ath: &str| {
        format!(r#"{{{jti}"htm":"{htm}","htu":"{htu}","iat":{iat},"ath":"{ath}"}}"#)
    };
    let url = "https://api.example/archives";
    assert!(refusal(&header, &claims("", "GET", url, NOW, &ath)).contains("jti"));
    assert!(refusal(&header, &claims(r#""jti":"","#, "GET", url, NOW, &ath)).contains("jti"));
    let j = r#""jti":"j","#;
    assert!(refusal(&header, &claims(j, "POST", url, NOW, &ath)).contains("htm"));
    assert!(refusal(&header, &claims(j, "get", url, NOW, &ath)).contains("htm"));
    for htu in [
        "https://api.example/other",
        "http://api.example/archives",
        "https://api.example:8443/archives",
        "https://evil.example/archives",
        "https://user@api.example/archives",
    ] {
        assert!(
            refusal(&header, &claims(j, "GET", htu, NOW, &ath)).contains("htu"),
            "{htu}"
        );
    }
    // Normalised as RFC 3986 §6.2 says: case of scheme and host, default port, query and fragment.
    for htu in [
        "HTTPS://api.EXAMPLE/archives",
        "https://api.example:443/archives?x=1",
    ] {
        let text = proof(&header, &claims(j, "GET", htu, NOW, &ath));
        assert!(check_proof(Some(&text), &expect()).is_ok(), "{htu}");
    }
    // iat: up to maxAgeSeconds + tolerance old, up to the tolerance ahead.
    for (iat, ok) in [
        (NOW - 89.0, true),
        (NOW - 91.0, false),
        (NOW + 29.0, true),
        (NOW + 31.0, false),
    ] {
        let text = proof(&header, &claims(j, "GET", url, iat, &ath));
        assert_eq!(check_proof(Some(&text), &expect()).is_ok(), ok, "{iat}");
    }
    let no_iat = format!(r#"{{"jti":"j","htm":"GET","htu":"{url}","ath":"{ath}"}}"#);
    assert!(refusal(&header, &no_iat).contains("iat"));
    let other = base64url::encode(&[8u8; 32]);
    assert!(refusal(&header, &claims(j, "GET", url, NOW, &other)).contains("ath"));
    let no_ath = format!(r#"{{"jti":"j","htm":"GET","htu":"{url}","iat":{NOW}}}"#);
    assert!(refusal(&header, &no_ath).contains("ath"));
}

#[test]
fn the_binding_needs_the_signature_and_the_thumbprint_of_cnf_jkt() {
    let hash = [9u8; 32];
    let jkt = base64url::encode(&hash);
    assert!(check_binding(true, &hash, &jkt).is_ok());
    let e = check_binding(false, &hash, &jkt).unwrap_err();
    assert!(e.to_string().contains("signature"), "{e}");
    let e = check_binding(true, &[1u8; 32], &jkt).unwrap_err();
    assert_eq!(e.code(), "ERR_DPOP_PROOF");
    assert!(e.to_string().contains("cnf.jkt"), "{e}");
}

#[test]
fn refusals_never_quote_the_proof_and_never_hold_a_double_quote() {
    let secretish = "j-SECRET-jti";
    let claims = format!(
        r#"{{"jti":"{secretish}","htm":"DELETE","htu":"https://evil.example/x","iat":{NOW},"ath":"x"}}"#
    );
    let text = proof(&good_header(), &claims);
    let e = check_proof(Some(&text), &expect()).unwrap_err();
    let message = e.to_string();
    assert!(
        !message.contains(secretish) && !message.contains("DELETE") && !message.contains("evil")
    );
    assert!(!message.contains('"'), "{message}");
    assert!(!format!("{e:?}").contains(&text));
}

#[test]
fn a_replayed_proof_is_refused_until_its_window_closes() {
    let text = proof(&good_header(), &good_claims());
    let checked = check_proof(Some(&text), &expect()).unwrap();
    assert_eq!(checked.expires_s, NOW + 90.0);
    let mut cache = ReplayCache::default();
    cache.check(&checked, NOW).unwrap();
    let e = cache.check(&checked, NOW + 1.0).unwrap_err();
    assert_eq!(e.code(), "ERR_DPOP_PROOF");
    assert!(e.to_string().contains("used before"), "{e}");
    // Another jti, or the same jti for another URL, is another proof.
    let other = good_claims().replace("\"j1\"", "\"j2\"");
    let second = check_proof(Some(&proof(&good_header(), &other)), &expect()).unwrap();
    cache.check(&second, NOW).unwrap();
    let elsewhere = good_claims().replace("/archives", "/reports");
    let third = check_proof(
        Some(&proof(&good_header(), &elsewhere)),
        &ProofCheck {
            url: "https://api.example/reports",
            ..expect()
        },
    )
    .unwrap();
    cache.check(&third, NOW).unwrap();
    assert_eq!(cache.len(), 3);
    // Past its window, check_proof refuses it for its iat; the cache may forget it.
    assert!(cache.check(&checked, NOW + 91.0).is_ok());
}

#[test]
fn a_full_replay_cache_forgets_expired_proofs_first_then_the_soonest_to_expire() {
    let mut cache = ReplayCache::default();
    let text = proof(&good_header(), &good_claims());
    let mut checked = check_proof(Some(&text), &expect()).unwrap();
    for i in 0..REPLAY_CAPACITY {
        checked.replay_key = format!("k{i}");
        checked.expires_s = NOW + i as f64;
        cache.check(&checked, NOW).unwrap();
    }
    assert_eq!(cache.len(), REPLAY_CAPACITY);
    // Now + 10: ten have expired and go; the cache holds the rest.
    checked.replay_key = "new".into();
    checked.expires_s = NOW + 100_000.0;
    cache.check(&checked, NOW + 10.5).unwrap();
    assert_eq!(cache.len(), REPLAY_CAPACITY - 11 + 1);
    checked.replay_key = "k500".into();
    assert!(
        cache.check(&checked, NOW + 10.5).is_err(),
        "still remembered"
    );
    // Full of live proofs: the one closest to expiring (k11) is forgotten.
    for i in 0..10 {
        checked.replay_key = format!("more{i}");
        cache.check(&checked, NOW + 10.5).unwrap();
    }
    assert_eq!(cache.len(), REPLAY_CAPACITY);
    checked.replay_key = "last".into();
    cache.check(&checked, NOW + 10.5).unwrap();
    assert_eq!(cache.len(), REPLAY_CAPACITY);
    checked.replay_key = "k12".into();
    assert!(
        cache.check(&checked, NOW + 10.5).is_err(),
        "k12 is still there"
    );
    checked.replay_key = "k11".into();
    assert!(
        cache.check(&checked, NOW + 10.5).is_ok(),
        "k11 was forgotten"
    );
}

#[test]
fn a_configured_nonce_must_be_in_the_proof_and_is_named_as_the_failing_claim() {
    let with_nonce = |nonce: Option<&str>| {
        let claims = match nonce {
            Some(n) => good_claims().replace("\"jti\"", &format!("\"nonce\":\"{n}\",\"jti\"")),
            None => good_claims(),
        };
        check_proof(
            Some(&proof(&good_header(), &claims)),
            &ProofCheck {
                nonce: Some("n-1"),
                ..expect()
            },
        )
    };
    assert!(with_nonce(Some("n-1")).is_ok());
    for nonce in [None, Some("n-0")] {
        let e = with_nonce(nonce).unwrap_err();
        assert_eq!((e.code(), e.claim()), ("ERR_DPOP_PROOF", Some("nonce")));
    }
    // Without a configured nonce, one in the proof is ignored.
    let claims = good_claims().replace("\"jti\"", "\"nonce\":\"x\",\"jti\"");
    assert!(check_proof(Some(&proof(&good_header(), &claims)), &expect()).is_ok());
    // Each refusal names its check.
    let e = check_proof(None, &expect()).unwrap_err();
    assert_eq!(e.claim(), Some("proof"));
    let bad_htm = good_claims().replace("\"GET\"", "\"PUT\"");
    let e = check_proof(Some(&proof(&good_header(), &bad_htm)), &expect()).unwrap_err();
    assert_eq!(e.claim(), Some("htm"));
}
