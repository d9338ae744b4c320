use super::*;
use crate::base64url::encode;
use crate::verify::{Audience, Policy, Verifier};

const ISS: &str = "https://sso.example/realms/sivalabs";
const NOW_S: f64 = 1_800_000_000.0;

fn option(kind: Kind, raw: &str) -> Result<u32, Error> {
    max_entries(Some((kind, raw)))
}

#[test]
fn the_option_defaults_to_a_thousand_and_false_turns_it_off() {
    assert_eq!(max_entries(None), Ok(DEFAULT_MAX_ENTRIES));
    assert_eq!(option(Kind::Bool, "true"), Ok(1000));
    assert_eq!(option(Kind::Bool, "false"), Ok(0));
    assert_eq!(option(Kind::Object, r#"{"maxEntries":5}"#), Ok(5));
    assert_eq!(option(Kind::Object, "{}"), Ok(1000));
    assert_eq!(option(Kind::Object, r#"{"maxEntries":null}"#), Ok(1000));
    assert_eq!(
        option(Kind::Object, r#"{"maxEntries":1000000}"#),
        Ok(1_000_000)
    );
}

#[test]
fn the_option_refuses_what_is_not_a_whole_number_in_range() {
    for raw in [
        r#"{"maxEntries":0}"#,
        r#"{"maxEntries":-1}"#,
        r#"{"maxEntries":1.5}"#,
        r#"{"maxEntries":1e3}"#,
        r#"{"maxEntries":"5"}"#,
        r#"{"maxEntries":1000001}"#,
        r#"{"maxEntries":99999999999}"#,
        r#"{"size":5}"#,
    ] {
        let e = option(Kind::Object, raw).unwrap_err();
        assert_eq!(e.code(), "ERR_INVALID_OPTIONS", "{raw}");
    }
    assert!(option(Kind::Number, "5").is_err());
    assert!(option(Kind::String, "\"big\"").is_err());
    assert!(option(Kind::Array, "[]").is_err());
}

fn policy(tolerance: Option<f64>, max_age: Option<f64>) -> Policy {
    Policy::new(
        Some(ISS.into()),
        Audience::OneOf(vec!["api".into()]),
        &[],
        tolerance,
        max_age,
        None,
        None,
    )
    .unwrap()
}

fn token(claims: &str) -> String {
    let payload = format!(r#"{{"iss":"{ISS}","aud":"api"{claims}}}"#);
    format!(
        "{}.{}.{}",
        encode(br#"{"alg":"RS256"}"#),
        encode(payload.as_bytes()),
        encode(&[7; 256])
    )
}

/// The span the core hands out with `claims`, checked at a time they hold.
fn validity(p: &Policy, claims: &str, at_s: f64) -> Validity {
    let mut v = Verifier::new(p.clone());
    let checked = v.check(&token(claims), at_s).unwrap();
    checked.claims.unwrap()
}

fn accepted(p: &Policy, claims: &str, now_ms: f64) -> bool {
    let mut v = Verifier::new(p.clone());
    v.check(&token(claims), now_ms / 1000.0)
        .unwrap()
        .claims
        .is_ok()
}

#[test]
fn the_span_follows_the_claims_under_the_tolerance() {
    let exp = NOW_S + 300.0;
    let p = policy(Some(10.0), None);
    let v = validity(&p, &format!(r#","iat":{},"exp":{exp}"#, NOW_S - 5.0), NOW_S);
    assert_eq!(v.from_ms, (NOW_S - 15.0) * 1000.0 + 1.0);
    assert_eq!(v.until_ms, (exp + 10.0) * 1000.0 - 1.0);
    // nbf later than iat moves the start; a maximum age moves the end.
    let p = policy(Some(0.0), Some(60.0));
    let claims = format!(r#","iat":{NOW_S},"nbf":{},"exp":{exp}"#, NOW_S + 0.0);
    let v = validity(&p, &claims, NOW_S);
    assert_eq!(v.from_ms, NOW_S * 1000.0 + 1.0);
    assert_eq!(v.until_ms, (NOW_S + 60.0) * 1000.0 - 1.0);
    // Without iat or nbf the span starts at any time.
    let v = validity(&policy(None, None), &format!(r#","exp":{exp}"#), NOW_S);
    assert_eq!(v.from_ms, f64::NEG_INFINITY);
    assert!(v.contains(0.0));
}

/// Every clock reading the span contains is one the full checks accept,
/// at each edge of each claim, with fractional claims too; and readings well
/// inside are contained, well outside are not.
#[test]
fn the_span_is_never_more_lenient_than_the_checks() {
    let cases: &[(Option<f64>, Option<f64>, &str)] = &[
        (None, None, r#","iat":1800000000,"exp":1800000300"#),
        (
            Some(0.0),
            None,
            r#","iat":1800000000.25,"exp":1800000300.5"#,
        ),
        (
            Some(7.5),
            None,
            r#","nbf":1800000010.001,"exp":1800000300.999"#,
        ),
        (
            Some(0.0),
            Some(30.0),
            r#","iat":1800000000.7,"exp":1800000300"#,
        ),
        (
            Some(86400.0),
            Some(86400.0),
            r#","iat":1800000000,"exp":1800000001"#,
        ),
        (
            None,
            Some(120.0),
            r#","iat":1799999990,"nbf":1800000005,"exp":1800000100"#,
        ),
    ];
    for &(tolerance, max_age, claims) in cases {
        let p = policy(tolerance, max_age);
        // A moment at which the claims hold, to get the span.
        let mid = (1_800_000_000.0..1_800_000_400.0)
            .step_by_s(0.5)
            .find(|&s| accepted(&p, claims, s * 1000.0))
            .expect("the claims hold at some time");
        let v = validity(&p, claims, mid);
        let mut edges = vec![v.from_ms, v.until_ms];
        for s in [1_800_000_000.0f64, 1_800_000_100.0, 1_800_000_300.0] {
            edges.push(s * 1000.0);
        }
        for edge in edges.into_iter().filter(|e| e.is_finite()) {
            for d in -3..=3 {
                let now = edge + f64::from(d);
                if v.contains(now) {
                    assert!(accepted(&p, claims, now), "{claims} at {now}");
                }
            }
        }
        // Two milliseconds inside the exact bounds is contained.
        assert!(v.contains(mid * 1000.0), "{claims}");
        assert!(!v.contains(v.until_ms) && !v.contains(v.until_ms + 5000.0));
        if v.from_ms.is_finite() {
            assert!(!v.contains(v.from_ms - 1.0) && v.contains(v.from_ms));
        }
    }
}

/// Steps through a range of seconds.
trait StepBy {
    fn step_by_s(self, step: f64) -> Box<dyn Iterator<Item = f64>>;
}

impl StepBy for std::ops::Range<f64> {
    fn step_by_s(self, step: f64) -> Box<dyn Iterator<Item = f64>> {
        let n = ((self.end - self.start) / step) as usize;
        Box::new((0..n).map(move |i| self.start + step * i as f64))
    }
}
