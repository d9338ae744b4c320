use super::*;
use crate::base64url::encode;

const NOW: f64 = 1_800_000_000.0;
const ISS: &str = "https://sso.example/realms/sivalabs";

fn token(header: &str, payload: &str, signature: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        encode(header.as_bytes()),
        encode(payload.as_bytes()),
        encode(signature)
    )
}

fn policy() -> Policy {
    Policy::new(
        Some(ISS.into()),
        Audience::OneOf(vec!["archive-api".into()]),
        &[],
        None,
        None,
        None,
        None,
    )
    .unwrap()
}

fn claims(extra: &str) -> String {
    format!(
        r#"{{"iss":"{ISS}","aud":["account","archive-api"],"exp":{},"iat":{}{extra}}}"#,
        NOW as i64 + 300,
        NOW as i64 - 10
    )
}

const RS: &str = r#"{"alg":"RS256","kid":"k1"}"#;

/// The outcome of checking `t` with `p`: the header/structure error, or the
/// deferred claim verdict.
fn outcome(p: Policy, t: &str) -> Result<Result<(), Error>, Error> {
    let mut v = Verifier::new(p);
    v.check(t, NOW).map(|c| c.claims.map(|_| ()))
}

fn claim_failure(p: Policy, payload: &str) -> (String, Option<&'static str>) {
    let e = outcome(p, &token(RS, payload, &[1; 256]))
        .unwrap()
        .unwrap_err();
    (e.code().to_owned(), e.claim())
}

#[test]
fn accepts_a_good_token_and_hands_back_what_the_signature_check_needs() {
    let t = token(RS, &claims(""), &[9; 256]);
    let mut v = Verifier::new(policy());
    let c = v.check(&t, NOW).unwrap();
    assert_eq!(c.alg, Alg::RS256);
    assert_eq!(c.kid.as_deref(), Some("k1"));
    assert_eq!(&t[..c.signing_input_end], t.rsplit_once('.').unwrap().0);
    assert_eq!(c.signature, &[9; 256][..]);
    assert!(c.signature_error.is_none());
    assert!(c.claims.is_ok());
    assert!(c.json.starts_with(r#"{"header":{"alg":"RS256""#));
}

#[test]
fn refuses_alg_none_missing_unknown_and_not_allowed() {
    for header in [
        r#"{"alg":"none"}"#,
        r#"{"alg":"NONE"}"#,
        r#"{"typ":"JWT"}"#,
        r#"{"alg":7}"#,
        r#"{"alg":"RS1"}"#,
        r#"{"alg":"HS256"}"#,
    ] {
        let e = outcome(policy(), &token(header, &claims(""), &[1; 32]))
            .err()
            .unwrap();
        assert_eq!(e.code(), "ERR_JWT_ALG", "{header}");
    }
    let e = outcome(
        policy(),
        &token(r#"{"alg":"HS256"}"#, &claims(""), &[1; 32]),
    )
    .err()
    .unwrap();
    assert!(e.to_string().contains("only when listed"), "{e}");
    let mut p = policy();
    p.algorithms = Alg::ES256.bit();
    assert_eq!(
        outcome(p, &token(RS, &claims(""), &[1; 256]))
            .err()
            .unwrap()
            .code(),
        "ERR_JWT_ALG"
    );
}

#[test]
fn refuses_crit_and_unencoded_payloads_and_ignores_embedded_keys() {
    for header in [
        r#"{"alg":"RS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"RS256","b64":false,"crit":["b64"]}"#,
        r#"{"alg":"RS256","b64":false}"#,
        r#"{"alg":"RS256","kid":5}"#,
        r#"{"alg":"RS256","kid":"\ud800"}"#,
    ] {
        let e = outcome(policy(), &token(header, &claims(""), &[1; 256]))
            .err()
            .unwrap();
        assert_eq!(e.code(), "ERR_INVALID_JWT", "{header}");
    }
    let embedded = r#"{"alg":"RS256","jwk":{"kty":"oct","k":"AA"},"jku":"https://evil.example/jwks","x5u":"https://evil.example/x","x5c":["AA"],"b64":true}"#;
    assert!(outcome(policy(), &token(embedded, &claims(""), &[1; 256]))
        .unwrap()
        .is_ok());
}

#[test]
fn structure_fails_before_the_header_and_the_header_before_claims() {
    assert_eq!(
        outcome(policy(), "a.b").err().unwrap().code(),
        "ERR_INVALID_JWT"
    );
    let dup = r#"{"iss":"x","iss":"y","exp":1}"#;
    assert_eq!(
        outcome(policy(), &token(RS, dup, &[1]))
            .err()
            .unwrap()
            .code(),
        "ERR_INVALID_JWT"
    );
    // An expired token with alg none is an alg error: the header comes first.
    let e = outcome(policy(), &token(r#"{"alg":"none"}"#, r#"{"exp":1}"#, &[]))
        .err()
        .unwrap();
    assert_eq!(e.code(), "ERR_JWT_ALG");
}

#[test]
fn holds_back_malformed_ecdsa_signatures() {
    let es = r#"{"alg":"ES256"}"#;
    let mut v = Verifier::new(policy());
    // DER: 0x30 len 0x02 ... is 70-72 bytes, not 64.
    let mut der = vec![0x30, 0x44, 0x02, 0x20];
    der.extend([1; 32]);
    der.extend([0x02, 0x20]);
    der.extend([1; 32]);
    let e = v
        .check(&token(es, &claims(""), &der), NOW)
        .unwrap()
        .signature_error
        .unwrap();
    assert_eq!(e.code(), "ERR_JWT_SIGNATURE");
    assert!(e.to_string().contains("not DER"), "{e}");
    let e = v
        .check(&token(es, &claims(""), &[0; 64]), NOW)
        .unwrap()
        .signature_error
        .unwrap();
    assert!(e.to_string().contains("r or s zero"), "{e}");
    let mut half = vec![0u8; 32];
    half.extend([5; 32]);
    assert!(v
        .check(&token(es, &claims(""), &half), NOW)
        .unwrap()
        .signature_error
        .is_some());
    assert!(v
        .check(&token(es, &claims(""), &[5; 64]), NOW)
        .unwrap()
        .signature_error
        .is_none());
    let ed = r#"{"alg":"EdDSA"}"#;
    assert!(v
        .check(&token(ed, &claims(""), &[5; 63]), NOW)
        .unwrap()
        .signature_error
        .is_some());
}

#[test]
fn checks_the_issuer_exactly() {
    for iss in [
        format!("{ISS}/"),
        "https://SSO.example/realms/sivalabs".into(),
        "".into(),
    ] {
        let payload = claims("").replace(ISS, &iss);
        assert_eq!(
            claim_failure(policy(), &payload),
            ("ERR_JWT_CLAIM".into(), Some("iss"))
        );
    }
    let payload = format!(r#"{{"aud":"archive-api","exp":{}}}"#, NOW + 60.0);
    assert_eq!(claim_failure(policy(), &payload).1, Some("iss"));
}

#[test]
fn checks_the_audience_as_string_or_array() {
    let with_aud = |aud: &str| format!(r#"{{"iss":"{ISS}","aud":{aud},"exp":{}}}"#, NOW + 60.0);
    assert!(outcome(
        policy(),
        &token(RS, &with_aud(r#""archive-api""#), &[1; 256])
    )
    .unwrap()
    .is_ok());
    assert!(outcome(
        policy(),
        &token(RS, &with_aud(r#"["x","archive-api"]"#), &[1; 256])
    )
    .unwrap()
    .is_ok());
    for aud in [r#""other""#, r#"["x"]"#, "[]", "7", r#"{"archive-api":1}"#] {
        assert_eq!(
            claim_failure(policy(), &with_aud(aud)).1,
            Some("aud"),
            "{aud}"
        );
    }
    let mut p = policy();
    p.audience = Audience::OneOf(vec!["a".into(), "other".into()]);
    assert!(outcome(p, &token(RS, &with_aud(r#""other""#), &[1; 256]))
        .unwrap()
        .is_ok());
    let mut p = policy();
    p.audience = Audience::Skip;
    assert!(outcome(
        p,
        &token(
            RS,
            &format!(r#"{{"iss":"{ISS}","exp":{}}}"#, NOW + 60.0),
            &[1; 256]
        )
    )
    .unwrap()
    .is_ok());
}

#[test]
fn requires_exp_and_applies_the_clock_tolerance() {
    let at = |claim: &str, value: f64| {
        format!(
            r#"{{"iss":"{ISS}","aud":"archive-api","exp":{},"{claim}":{value}}}"#,
            NOW + 60.0
        )
        .replace(&format!(r#""exp":{},"exp""#, NOW + 60.0), r#""exp""#)
    };
    let no_exp = format!(r#"{{"iss":"{ISS}","aud":"archive-api"}}"#);
    assert_eq!(
        claim_failure(policy(), &no_exp),
        ("ERR_JWT_CLAIM".into(), Some("exp"))
    );
    assert_eq!(
        claim_failure(policy(), &at("exp", NOW - 31.0)),
        ("ERR_JWT_EXPIRED".into(), Some("exp"))
    );
    assert!(
        outcome(policy(), &token(RS, &at("exp", NOW - 29.0), &[1; 256]))
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        claim_failure(policy(), &at("exp", NOW - 30.0)).0,
        "ERR_JWT_EXPIRED"
    );
    assert_eq!(
        claim_failure(policy(), &at("nbf", NOW + 31.0)),
        ("ERR_JWT_NOT_YET_VALID".into(), Some("nbf"))
    );
    assert!(
        outcome(policy(), &token(RS, &at("nbf", NOW + 29.0), &[1; 256]))
            .unwrap()
            .is_ok()
    );
    assert_eq!(
        claim_failure(policy(), &at("iat", NOW + 31.0)),
        ("ERR_JWT_NOT_YET_VALID".into(), Some("iat"))
    );
    let exp_string = format!(
        r#"{{"iss":"{ISS}","aud":"archive-api","exp":"{}"}}"#,
        NOW + 60.0
    );
    assert_eq!(
        claim_failure(policy(), &exp_string),
        ("ERR_JWT_CLAIM".into(), Some("exp"))
    );
    let mut strict = policy();
    strict.clock_tolerance_s = 0.0;
    assert_eq!(
        claim_failure(strict, &at("exp", NOW - 1.0)).0,
        "ERR_JWT_EXPIRED"
    );
}

#[test]
fn reads_numeric_dates_in_every_json_form() {
    for form in [
        "1800000060",
        "1800000060.5",
        "1.80000006e9",
        "18000000.60E2",
        "1800000060e0",
    ] {
        let payload = format!(r#"{{"iss":"{ISS}","aud":"archive-api","exp":{form}}}"#);
        assert!(
            outcome(policy(), &token(RS, &payload, &[1; 256]))
                .unwrap()
                .is_ok(),
            "{form}"
        );
    }
    let payload = format!(r#"{{"iss":"{ISS}","aud":"archive-api","exp":-1e400}}"#);
    assert_eq!(claim_failure(policy(), &payload).0, "ERR_JWT_EXPIRED");
}

#[test]
fn checks_max_token_age_typ_and_azp() {
    let mut p = policy();
    p.max_token_age_s = Some(5.0);
    assert_eq!(
        claim_failure(
            p.clone(),
            &claims("").replace(
                &format!("{}", NOW as i64 - 10),
                &format!("{}", NOW as i64 - 40)
            )
        ),
        ("ERR_JWT_EXPIRED".into(), Some("iat"))
    );
    let no_iat = format!(
        r#"{{"iss":"{ISS}","aud":"archive-api","exp":{}}}"#,
        NOW + 60.0
    );
    assert_eq!(
        claim_failure(p, &no_iat),
        ("ERR_JWT_CLAIM".into(), Some("iat"))
    );

    let mut p = policy();
    p.typ = Some("at+jwt".into());
    let mut v = Verifier::new(p);
    for (typ, ok) in [
        ("at+jwt", true),
        ("application/AT+JWT", true),
        ("JWT", false),
    ] {
        let header = format!(r#"{{"alg":"RS256","typ":"{typ}"}}"#);
        let c = v
            .check(&token(&header, &claims(""), &[1; 256]), NOW)
            .unwrap();
        assert_eq!(c.claims.is_ok(), ok, "{typ}");
    }
    assert_eq!(
        claim_failure(
            {
                let mut p = policy();
                p.typ = Some("at+jwt".into());
                p
            },
            &claims("")
        )
        .1,
        Some("typ")
    );

    let mut p = policy();
    p.authorized_party = Some("archival-service".into());
    assert_eq!(claim_failure(p.clone(), &claims("")).1, Some("azp"));
    assert!(outcome(
        p,
        &token(RS, &claims(r#","azp":"archival-service""#), &[1; 256])
    )
    .unwrap()
    .is_ok());
}

#[test]
fn validates_the_options() {
    let build = |issuer: Option<&str>, aud: Audience, algs: &[&str], tol: Option<f64>| {
        let algs: Vec<String> = algs.iter().map(|s| s.to_string()).collect();
        Policy::new(issuer.map(Into::into), aud, &algs, tol, None, None, None)
    };
    let aud = || Audience::OneOf(vec!["a".into()]);
    assert_eq!(
        build(None, aud(), &[], None).unwrap_err().code(),
        "ERR_INVALID_OPTIONS"
    );
    assert_eq!(
        build(Some(""), aud(), &[], None).unwrap_err().code(),
        "ERR_INVALID_OPTIONS"
    );
    assert!(build(Some(ISS), Audience::OneOf(vec![]), &[], None).is_err());
    assert!(build(Some(ISS), aud(), &["none"], None)
        .unwrap_err()
        .to_string()
        .contains("not supported"));
    assert!(build(Some(ISS), aud(), &[], Some(-1.0)).is_err());
    assert!(build(Some(ISS), aud(), &[], Some(f64::NAN)).is_err());
    let p = build(Some(ISS), Audience::Skip, &["HS256", "ES256"], Some(0.0)).unwrap();
    assert_eq!(p.algorithms, Alg::HS256.bit() | Alg::ES256.bit());
    assert_eq!(
        build(Some(ISS), aud(), &[], None)
            .unwrap()
            .clock_tolerance_s,
        30.0
    );
}

#[test]
fn messages_never_hold_the_token() {
    let t = token(
        RS,
        &format!(
            r#"{{"iss":"evil","aud":"x","exp":1,"secret":"{}"}}"#,
            "s".repeat(50)
        ),
        &[1; 256],
    );
    let e = outcome(policy(), &t).unwrap().unwrap_err();
    assert!(!e.to_string().contains(&t));
    assert!(!e.to_string().contains(t.split('.').nth(1).unwrap()));
}

#[test]
fn the_kid_is_unescaped_and_absent_when_the_header_has_none() {
    let mut v = Verifier::new(policy());
    let t = token(
        r#"{"alg":"RS256","kid":"k\u00e9\/1"}"#,
        &claims(""),
        &[1; 256],
    );
    assert_eq!(v.check(&t, NOW).unwrap().kid.as_deref(), Some("ké/1"));
    let t = token(r#"{"alg":"RS256"}"#, &claims(""), &[1; 256]);
    assert_eq!(v.check(&t, NOW).unwrap().kid, None);
}

#[test]
fn introspected_claims_meet_the_same_rules_but_typ() {
    let mut p = policy();
    p.typ = Some("at+jwt".into());
    let v = Verifier::new(p);
    let active = |extra: &str| claims(&format!(r#","active":true{extra}"#));
    // No header, so no typ to check; the rest is as for a JWT.
    assert!(v.check_introspected(&active(""), NOW).is_ok());
    let code = |claims: &str| v.check_introspected(claims, NOW).unwrap_err().code();
    assert_eq!(
        code(&active("").replace("archive-api", "other")),
        "ERR_JWT_CLAIM"
    );
    assert_eq!(
        code(&active("").replace(ISS, "https://evil")),
        "ERR_JWT_CLAIM"
    );
    let expired = format!(
        r#"{{"active":true,"iss":"{ISS}","aud":"archive-api","exp":{}}}"#,
        NOW as i64 - 3600
    );
    assert_eq!(code(&expired), "ERR_JWT_EXPIRED");
    assert_eq!(
        code(&format!(
            r#"{{"active":true,"iss":"{ISS}","aud":"archive-api"}}"#
        )),
        "ERR_JWT_CLAIM"
    );
    assert_eq!(code("[]"), "ERR_INVALID_RESPONSE");
}
