//! Verification rules for JWS JWTs (RFC 7515, RFC 7519, RFC 8725): what
//! a token's header and claims must say before a resource server trusts
//! it. The signature itself is checked by WebCrypto (`src/js/webcrypto.js`);
//! this module decides everything around it.
//!
//! [`Verifier::check`] reads a token in the order the checks must fail:
//! structure (the strict decoder of [`crate::jwt`]), then the header, and
//! it hands back what the key selection and the signature check need. The
//! claim checks run in the same pass, but their verdict is held back in
//! [`Checked::claims`], to be reported only once the signature holds: the
//! claims of a token whose signature failed are never reported, since they
//! are an attacker's words. A malformed signature (an ECDSA signature in
//! DER, or with `r` or `s` zero) is likewise held in
//! [`Checked::signature_error`], reported after the key is found.

use crate::base64url;
use crate::error::{excerpt, Error};
use crate::json::{self, Kind, Member};
use crate::jwk::{Alg, ASYMMETRIC};
use crate::jwt;
use crate::verified_cache::Validity;
use std::borrow::Cow;

/// What `aud` must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// `audience: false`: the caller skips the check, explicitly.
    Skip,
    /// Any one of these must be in `aud` (RFC 7519 §4.1.3).
    OneOf(Vec<String>),
}

/// The caller's expectations, validated once.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub issuer: String,
    pub audience: Audience,
    /// Allowed algorithms, as a mask of [`Alg::bit`]s.
    pub algorithms: u16,
    pub clock_tolerance_s: f64,
    pub max_token_age_s: Option<f64>,
    pub typ: Option<String>,
    pub authorized_party: Option<String>,
}

/// Clock tolerance when the caller gives none, in seconds.
pub const DEFAULT_CLOCK_TOLERANCE_S: f64 = 30.0;

/// Longest clock tolerance or token age accepted, in seconds (a day).
const MAX_SECONDS: f64 = 86_400.0;

impl Policy {
    /// Validates the options of `verifyJwt`. `algorithms` are names; none
    /// means every asymmetric algorithm.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        issuer: Option<String>,
        audience: Audience,
        algorithms: &[String],
        clock_tolerance_s: Option<f64>,
        max_token_age_s: Option<f64>,
        typ: Option<String>,
        authorized_party: Option<String>,
    ) -> Result<Policy, Error> {
        let issuer = issuer.filter(|i| !i.is_empty()).ok_or_else(|| {
            Error::options("issuer is required: the exact `iss` of the tokens to accept, such as https://sso.example/realms/sivalabs")
        })?;
        if let Audience::OneOf(list) = &audience {
            if list.is_empty() || list.iter().any(String::is_empty) {
                return Err(Error::options("audience is required: a non-empty string or array of strings that `aud` must contain (or false to skip the check, explicitly)"));
            }
        }
        let mut mask = 0;
        for name in algorithms {
            let alg = Alg::from_name(name).ok_or_else(|| {
                Error::options(format!(
                    "algorithms: \"{}\" is not supported; use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, HS256, HS384 or HS512",
                    excerpt(name)
                ))
            })?;
            mask |= alg.bit();
        }
        let seconds = |name: &str, value: Option<f64>| match value {
            Some(s) if !(0.0..=MAX_SECONDS).contains(&s) => Err(Error::options(format!(
                "{name} must be a number of seconds from 0 to 86400"
            ))),
            _ => Ok(value),
        };
        Ok(Policy {
            issuer,
            audience,
            algorithms: if algorithms.is_empty() {
                ASYMMETRIC
            } else {
                mask
            },
            clock_tolerance_s: seconds("clockToleranceSeconds", clock_tolerance_s)?
                .unwrap_or(DEFAULT_CLOCK_TOLERANCE_S),
            max_token_age_s: seconds("maxTokenAgeSeconds", max_token_age_s)?,
            typ: typ.filter(|t| !t.is_empty()),
            authorized_party: authorized_party.filter(|a| !a.is_empty()),
        })
    }
}

/// A token that passed the structure and header checks.
pub struct Checked<'v> {
    /// `{"header":…,"payload":…}`, for one `JSON.parse`.
    pub json: &'v str,
    pub alg: Alg,
    /// The header's `kid`, escapes decoded, if it has one: with `alg`, what
    /// picks the key.
    pub kid: Option<Cow<'v, str>>,
    /// Where the signing input (`header.payload`, RFC 7515 §5.2) ends.
    pub signing_input_end: usize,
    /// The decoded signature.
    pub signature: &'v [u8],
    /// Why the signature can't be valid whatever the key, reported after
    /// the key is found.
    pub signature_error: Option<Error>,
    /// The verdict on the claims, reported only after the signature holds;
    /// when they pass, the span over which their time claims hold (for the
    /// verified-token cache, [`crate::verified_cache`]).
    pub claims: Result<Validity, Error>,
}

/// A [`Policy`] and the buffers reused from one token to the next.
pub struct Verifier {
    pub policy: Policy,
    decoder: jwt::Decoder,
    signature: Vec<u8>,
}

impl Verifier {
    pub fn new(policy: Policy) -> Self {
        Verifier {
            policy,
            decoder: jwt::Decoder::default(),
            signature: Vec::new(),
        }
    }

    /// Checks `token` at `now_s` (seconds since the epoch). See the module
    /// docs for the order.
    pub fn check(&mut self, token: &str, now_s: f64) -> Result<Checked<'_>, Error> {
        let decoded = self.decoder.decode(token)?;
        let header = json::parse_object(decoded.header_json())
            .map_err(|_| Error::jwt("the JWT header could not be read"))?;
        let (alg, kid) = check_header(&header, self.policy.algorithms)?;
        let signing_input_end = decoded.signature_start() - 1;

        self.signature.clear();
        base64url::decode_into(&token[decoded.signature_start()..], &mut self.signature)
            .map_err(|_| Error::jwt("the JWT signature segment is not valid base64url"))?;
        let signature_error = check_signature_shape(alg, &self.signature);

        let payload = json::parse_object(decoded.payload_json())
            .map_err(|_| Error::jwt("the JWT payload could not be read"))?;
        let claims = check_claims(&self.policy, Some(&header), &payload, now_s);
        Ok(Checked {
            json: decoded.as_json(),
            alg,
            kid,
            signing_input_end,
            signature: &self.signature,
            signature_error,
            claims,
        })
    }
}

impl Verifier {
    /// Checks the claims an introspection endpoint returned for an active
    /// token (RFC 7662 §2.2, a JSON object) at `now_s`, by the same rules as
    /// a JWT's (`iss`, `aud`, `azp`, the times): RFC 7662 §4 leaves it to
    /// the resource server to check that the token is meant for it, and a
    /// token is then accepted on the same terms whichever way it was read.
    /// `typ` is a JWT header and is not checked.
    pub fn check_introspected(&self, claims: &str, now_s: f64) -> Result<(), Error> {
        let payload = json::parse_object(claims)
            .map_err(|_| Error::response("the introspection response is not a JSON object"))?;
        check_claims(&self.policy, None, &payload, now_s).map(|_| ())
    }
}

#[inline(never)]
fn member<'m, 'a>(members: &'m [Member<'a>], name: &str) -> Option<&'m Member<'a>> {
    members.iter().find(|m| m.name == name)
}

/// The header rules: `alg` present, not `none`, known and allowed (RFC 8725
/// §3.1); no `crit` extension, since none is understood (RFC 7515 §4.1.11);
/// no unencoded payload (`b64: false`, RFC 7797); `kid`, when present, a
/// string, returned with escapes decoded, for choosing the key. `jwk`, `jku`, `x5u` and `x5c` are ignored: a key the token names
/// for itself proves nothing, and fetching a URL it names is SSRF.
fn check_header<'a>(
    header: &[Member<'a>],
    allowed: u16,
) -> Result<(Alg, Option<Cow<'a, str>>), Error> {
    let name = member(header, "alg")
        .and_then(Member::as_str)
        .ok_or_else(|| Error::JwtAlg("the token's header has no alg (a string)".into()))?;
    if name.eq_ignore_ascii_case("none") {
        return Err(Error::JwtAlg(
            "the token is unsigned (alg none), and unsigned tokens are never accepted".into(),
        ));
    }
    let alg = Alg::from_name(&name).ok_or_else(|| {
        Error::JwtAlg(format!(
            "the token's alg \"{}\" is not supported",
            excerpt(&name)
        ))
    })?;
    if allowed & alg.bit() == 0 {
        let hint = if allowed == ASYMMETRIC && alg.is_hmac() {
            " (HS256, HS384 and HS512 only when listed in algorithms, with a secret key)"
        } else {
            ""
        };
        return Err(Error::JwtAlg(format!(
            "the token's alg {} is not among the allowed algorithms{hint}",
            alg.name()
        )));
    }
    if member(header, "crit").is_some() {
        return Err(Error::jwt(
            "the token's header has crit extensions, which are not supported (RFC 7515 §4.1.11)",
        ));
    }
    if member(header, "b64").is_some_and(|m| m.raw != "true") {
        return Err(Error::jwt(
            "the token has an unencoded payload (b64, RFC 7797), which is not supported",
        ));
    }
    let kid = match member(header, "kid") {
        None => None,
        Some(m) if m.kind != Kind::String => {
            return Err(Error::jwt(
                "the token's header has a kid that is not a string",
            ))
        }
        // A lone surrogate escape: no key's kid can match it, and reading it
        // as "no kid" would let any key of the set be tried.
        Some(m) => Some(m.as_str().ok_or_else(|| {
            Error::jwt(
                "the token's header has a kid that is not Unicode text (a lone surrogate escape)",
            )
        })?),
    };
    Ok((alg, kid))
}

/// A signature that no key can make valid. ECDSA's is `r || s` of a fixed
/// length (RFC 7518 §3.4): a DER structure, as other APIs produce, is
/// refused, and so is `r` or `s` zero, which some verifiers once accepted
/// for any message (CVE-2022-21449).
pub(crate) fn check_signature_shape(alg: Alg, signature: &[u8]) -> Option<Error> {
    let expected = alg.signature_len()?;
    if signature.len() != expected {
        let hint = if matches!(alg, Alg::ES256 | Alg::ES384 | Alg::ES512) {
            "; a JWS ECDSA signature is r || s, not DER (RFC 7518 §3.4)"
        } else {
            ""
        };
        return Some(Error::JwtSignature(format!(
            "the {} signature is {} bytes, not {expected}{hint}",
            alg.name(),
            signature.len()
        )));
    }
    if matches!(alg, Alg::ES256 | Alg::ES384 | Alg::ES512) {
        let (r, s) = signature.split_at(expected / 2);
        if r.iter().all(|&b| b == 0) || s.iter().all(|&b| b == 0) {
            return Some(Error::JwtSignature(
                "the ECDSA signature has r or s zero, which is never valid".into(),
            ));
        }
    }
    None
}

#[cold]
#[inline(never)]
fn claim_error(claim: &'static str, message: impl Into<String>) -> Error {
    Error::JwtClaim {
        claim,
        message: message.into(),
    }
}

/// A claim that must be a NumericDate (RFC 7519 §2) if present.
#[inline(never)]
fn date(payload: &[Member<'_>], claim: &'static str) -> Result<Option<f64>, Error> {
    match member(payload, claim) {
        None => Ok(None),
        Some(m) => numeric_date(m).map(Some).ok_or_else(|| {
            claim_error(
                claim,
                format!(
                    "the token's {claim} is not a number of seconds (a NumericDate, RFC 7519 §2)"
                ),
            )
        }),
    }
}

/// The claim rules (RFC 7519 §4.1, RFC 9068 §4), in the order jose checks
/// them; the header's `typ` only when there is a header. Values the caller configured are named in the messages; the
/// token's own values only as short excerpts, never the token.
fn check_claims(
    policy: &Policy,
    header: Option<&[Member<'_>]>,
    payload: &[Member<'_>],
    now_s: f64,
) -> Result<Validity, Error> {
    let string = |name: &str| member(payload, name).and_then(Member::as_str);
    if let (Some(expected), Some(header)) = (&policy.typ, header) {
        let typ = member(header, "typ").and_then(Member::as_str);
        if !typ.as_deref().is_some_and(|t| same_media_type(t, expected)) {
            return Err(claim_error(
                "typ",
                format!("the token's header typ is not \"{}\"", excerpt(expected)),
            ));
        }
    }
    match string("iss") {
        Some(iss) if iss == policy.issuer => {}
        Some(iss) => {
            return Err(claim_error(
                "iss",
                format!(
                    "the token's iss \"{}\" is not the expected issuer \"{}\" (compared exactly)",
                    excerpt(&iss),
                    excerpt(&policy.issuer)
                ),
            ))
        }
        None => return Err(claim_error("iss", "the token has no iss (a string)")),
    }
    if let Audience::OneOf(expected) = &policy.audience {
        if !audience_matches(member(payload, "aud"), expected) {
            return Err(claim_error(
                "aud",
                format!(
                    "the token's aud does not contain the expected audience ({})",
                    excerpt(&expected.join(", "))
                ),
            ));
        }
    }
    if let Some(expected) = &policy.authorized_party {
        if string("azp").as_deref() != Some(expected.as_str()) {
            return Err(claim_error(
                "azp",
                format!("the token's azp is not \"{}\"", excerpt(expected)),
            ));
        }
    }
    // Time claims name only the claim: the caller knows the clock, and the
    // token's values are the caller's to decode.
    let tolerance = policy.clock_tolerance_s;
    let iat = date(payload, "iat")?;
    if iat.is_some_and(|iat| iat > now_s + tolerance) {
        return Err(Error::JwtNotYetValid {
            claim: "iat",
            message: "the token was issued in the future (iat), beyond clockToleranceSeconds; check the clocks".into(),
        });
    }
    let nbf = date(payload, "nbf")?;
    if nbf.is_some_and(|nbf| nbf > now_s + tolerance) {
        return Err(Error::JwtNotYetValid {
            claim: "nbf",
            message: "the token is not valid yet (nbf), beyond clockToleranceSeconds".into(),
        });
    }
    let exp = date(payload, "exp")?.ok_or_else(|| {
        claim_error(
            "exp",
            "the token has no exp; tokens without an expiry are not accepted",
        )
    })?;
    if exp <= now_s - tolerance {
        return Err(Error::JwtExpired {
            claim: "exp",
            message: "the token has expired (exp), beyond clockToleranceSeconds".into(),
        });
    }
    if let Some(max_age) = policy.max_token_age_s {
        let iat = iat.ok_or_else(|| {
            claim_error(
                "iat",
                "the token has no iat, which maxTokenAgeSeconds needs",
            )
        })?;
        if now_s - iat > max_age + tolerance {
            return Err(Error::JwtExpired {
                claim: "iat",
                message: "the token is older than maxTokenAgeSeconds (iat)".into(),
            });
        }
    }
    Ok(Validity::new(
        iat,
        nbf,
        exp,
        tolerance,
        policy.max_token_age_s,
    ))
}

/// `aud` is a string or an array of strings (RFC 7519 §4.1.3); any one of
/// `expected` must be among them.
fn audience_matches(aud: Option<&Member<'_>>, expected: &[String]) -> bool {
    let Some(aud) = aud else { return false };
    match aud.kind {
        Kind::String => aud
            .as_str()
            .is_some_and(|a| expected.iter().any(|e| *e == a)),
        Kind::Array => json::parse_array(aud.raw).is_ok_and(|items| {
            items.iter().any(|(kind, raw)| {
                *kind == Kind::String
                    && json::unescape(&raw[1..raw.len() - 1])
                        .is_some_and(|a| expected.iter().any(|e| *e == a))
            })
        }),
        _ => false,
    }
}

/// `typ` values compare as media types: case-insensitively, with the
/// `application/` prefix optional (RFC 7515 §4.1.9).
fn same_media_type(actual: &str, expected: &str) -> bool {
    let short = |t: &str| {
        let lower = t.to_ascii_lowercase();
        match lower.strip_prefix("application/") {
            Some(rest) if !rest.contains(';') => rest.to_owned(),
            _ => lower,
        }
    };
    short(actual) == short(expected)
}

/// A JSON number as seconds. Not `str::parse::<f64>`, whose tables cost
/// kilobytes of wasm: a NumericDate needs no exact rounding, only the
/// right second.
pub(crate) fn numeric_date(m: &Member<'_>) -> Option<f64> {
    if m.kind != Kind::Number {
        return None;
    }
    let bytes = m.raw.as_bytes();
    let (negative, mut i) = match bytes.first() {
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let mut value = 0.0f64;
    while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
        value = value * 10.0 + f64::from(d - b'0');
        i += 1;
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let mut scale = 0.1;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            value += f64::from(d - b'0') * scale;
            scale /= 10.0;
            i += 1;
        }
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        let down = match bytes.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let mut exponent = 0u32;
        while let Some(d) = bytes.get(i).filter(|b| b.is_ascii_digit()) {
            exponent = (exponent * 10 + u32::from(d - b'0')).min(400);
            i += 1;
        }
        for _ in 0..exponent {
            value = if down { value / 10.0 } else { value * 10.0 };
        }
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
#[path = "../tests/unit/verify.rs"]
mod tests;
