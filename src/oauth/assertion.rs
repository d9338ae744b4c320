//! JWT client assertions (RFC 7523 §2.2 and §3, RFC 7521 §4.2): the
//! `private_key_jwt` and `client_secret_jwt` methods of OpenID Connect Core
//! §9.
//!
//! The core builds the header and claims and the caller signs their
//! signing input (in the wasm build, `src/js/signing.js` through WebCrypto),
//! then [`compact`] joins the two. A new assertion for every request: its
//! `jti` is fresh, so a server that remembers them (RFC 7523 §3, item 7)
//! never sees one twice.

use crate::base64url;
use crate::error::Error;
use crate::json;
use crate::jwk::Alg;

/// `client_assertion_type` for a JWT (RFC 7523 §2.2).
pub const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: long enough for one request over a slow
/// network, short enough that a captured one is soon useless. Keycloak
/// refuses assertions that live longer than its own limit (60 s by default).
pub const LIFETIME_SECONDS: u64 = 60;

/// Random bytes in a `jti`: 128 bits, as RFC 9449 §11.1 and oauth4webapi
/// use, enough that two never collide.
pub const JTI_BYTES: usize = 16;

/// Reads the `signingAlg` option for a method (one of [`jwk::Alg`](Alg), the
/// same algorithms the library verifies): HS256 (the default),
/// HS384 or HS512 with the client secret; any asymmetric algorithm with a
/// private key, where `None` means "the key's usual one", which only the
/// key's importer can tell.
pub fn signing_alg(name: Option<&str>, hmac: bool) -> Result<Option<Alg>, Error> {
    let Some(name) = name else {
        return Ok(hmac.then_some(Alg::HS256));
    };
    match Alg::from_name(name) {
        Some(alg) if alg.is_hmac() == hmac => Ok(Some(alg)),
        _ if hmac => Err(Error::options(format!(
            "signingAlg for client_secret_jwt must be HS256, HS384 or HS512, not \"{}\"",
            crate::error::excerpt(name)
        ))),
        _ => Err(Error::options(format!(
            "signingAlg for a private key must be one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512 or EdDSA, not \"{}\"",
            crate::error::excerpt(name)
        ))),
    }
}

/// The JWS header of a client assertion: `alg`, `typ: "JWT"`, and `kid`
/// when known (RFC 7515 §4.1), as JSON.
pub fn header(alg: Alg, kid: Option<&str>) -> String {
    let mut out = String::with_capacity(64);
    out.push_str("{\"alg\":\"");
    out.push_str(alg.name());
    out.push_str("\",\"typ\":\"JWT\"");
    if let Some(kid) = kid {
        out.push_str(",\"kid\":");
        json::write_string(kid, &mut out);
    }
    out.push('}');
    out
}

/// The claims of a client assertion (RFC 7523 §3): `iss` and `sub` are the
/// client id, `aud` the authorization server, `jti` the random bytes in
/// base64url, `iat` now and `exp` [`LIFETIME_SECONDS`] later.
pub fn claims(client_id: &str, audience: &str, now_s: u64, jti: &[u8; JTI_BYTES]) -> String {
    let mut out = String::with_capacity(160 + 2 * client_id.len() + audience.len());
    out.push_str("{\"iss\":");
    json::write_string(client_id, &mut out);
    out.push_str(",\"sub\":");
    json::write_string(client_id, &mut out);
    out.push_str(",\"aud\":");
    json::write_string(audience, &mut out);
    out.push_str(",\"jti\":\"");
    out.push_str(&base64url::encode(jti));
    out.push_str("\",\"iat\":");
    out.push_str(&now_s.to_string());
    out.push_str(",\"exp\":");
    out.push_str(&now_s.saturating_add(LIFETIME_SECONDS).to_string());
    out.push('}');
    out
}

/// The JWS signing input (RFC 7515 §5.1): `base64url(header) "." base64url(payload)`.
pub fn signing_input(header: &str, payload: &str) -> String {
    let mut out = base64url::encode(header.as_bytes());
    out.push('.');
    out.push_str(&base64url::encode(payload.as_bytes()));
    out
}

/// The compact JWS: the signing input, a dot, and the signature in base64url.
pub fn compact(signing_input: &str, signature: &[u8]) -> String {
    let mut out = String::with_capacity(signing_input.len() + 1 + signature.len().div_ceil(3) * 4);
    out.push_str(signing_input);
    out.push('.');
    out.push_str(&base64url::encode(signature));
    out
}

/// Whether a refusal of an assertion is about its time claims, so the error
/// can point at the local clock: the server compared `iat` or `exp` with
/// its own clock (Keycloak: "Token is not active", "Token expired";
/// oidc-provider: "jwt expired", "iat ... in the future").
pub fn is_clock_refusal(description: &str) -> bool {
    let d = description.to_ascii_lowercase();
    d.contains("not active")
        || d.split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| ["iat", "exp", "nbf", "expired", "future", "clock"].contains(&w))
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/assertion.rs"]
mod tests;
