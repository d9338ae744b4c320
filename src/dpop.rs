//! DPoP proofs (RFC 9449): sender-constrained tokens.
//!
//! The client keeps a key pair; every token request and every request to
//! the API carries a proof, a JWT signed with the private key over the
//! method and URL, whose header holds the public key. The server binds the
//! token to that key (`cnf.jkt`, the key's RFC 7638 thumbprint), so a
//! stolen token is useless without the key.
//!
//! As with client assertions, the core builds the header and claims and
//! `src/signing.js` signs them through WebCrypto.

use crate::base64url;
use crate::error::Error;
use crate::json::{self, Kind};
use crate::oauth::assertion::{SigningAlg, JTI_BYTES};

/// A public key as a JWK with only its required members, in the order
/// RFC 7638 §3.2 fixes (lexicographic, no whitespace): both the proof's
/// `jwk` header and the input of its thumbprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk(String);

impl PublicJwk {
    /// Reads a public JWK (JSON text, as `crypto.subtle.exportKey("jwk")`
    /// writes it). Refuses a private one: a JWK with `d` must never be
    /// sent.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        let bad = |why: &str| Error::options(format!("the DPoP public key {why}"));
        let members = json::parse_object(text).map_err(|_| bad("is not a JWK object"))?;
        let get = |name: &str| -> Result<Option<String>, Error> {
            match members.iter().find(|m| m.name == name) {
                None => Ok(None),
                Some(m) if m.kind == Kind::String => Ok(m.as_str().map(|v| v.into_owned())),
                Some(_) => Err(bad(&format!("has a \"{name}\" that is not a string"))),
            }
        };
        if get("d")?.is_some() {
            return Err(bad("is a private key; pass the key pair's publicKey"));
        }
        let required: &[&str] = match get("kty")?.as_deref() {
            Some("EC") => &["crv", "kty", "x", "y"],
            Some("RSA") => &["e", "kty", "n"],
            Some("OKP") => &["crv", "kty", "x"],
            _ => return Err(bad("must have kty \"EC\", \"RSA\" or \"OKP\"")),
        };
        let mut out = String::from("{");
        for name in required {
            let value = get(name)?.ok_or_else(|| bad(&format!("has no \"{name}\"")))?;
            if out.len() > 1 {
                out.push(',');
            }
            json::write_string(name, &mut out);
            out.push(':');
            json::write_string(&value, &mut out);
        }
        out.push('}');
        Ok(PublicJwk(out))
    }

    /// The JSON whose SHA-256 is the key's thumbprint (RFC 7638 §3), the
    /// `jkt` a server puts in the token's `cnf` claim (RFC 9449 §6).
    pub fn thumbprint_input(&self) -> &str {
        &self.0
    }
}

/// `htu` (RFC 9449 §4.2): the request URL without its query and fragment.
pub fn htu(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// The proof's JWS header (RFC 9449 §4.2): `typ: "dpop+jwt"`, `alg`, `jwk`.
pub fn header(alg: SigningAlg, jwk: &PublicJwk) -> String {
    let mut out = String::with_capacity(48 + jwk.0.len());
    out.push_str("{\"typ\":\"dpop+jwt\",\"alg\":\"");
    out.push_str(alg.name());
    out.push_str("\",\"jwk\":");
    out.push_str(&jwk.0);
    out.push('}');
    out
}

/// What a proof is about, besides the key: the request, and for the API
/// the token (`ath`, the base64url SHA-256 of it, RFC 9449 §4.2).
pub struct ProofRequest<'a> {
    /// `htm`: the HTTP method.
    pub method: &'a str,
    /// The request URL; `htu` drops its query and fragment.
    pub url: &'a str,
    /// The server's latest `DPoP-Nonce`, if it sent one (RFC 9449 §8).
    pub nonce: Option<&'a str>,
    /// SHA-256 of the access token, for a request to the API (RFC 9449 §7).
    pub token_hash: Option<&'a [u8]>,
}

/// The proof's claims: `jti`, `htm`, `htu`, `iat`, and `nonce` and `ath`
/// when given.
pub fn claims(request: &ProofRequest<'_>, now_s: u64, jti: &[u8; JTI_BYTES]) -> String {
    let mut out = String::with_capacity(128 + request.url.len());
    out.push_str("{\"jti\":\"");
    out.push_str(&base64url::encode(jti));
    out.push_str("\",\"htm\":");
    json::write_string(request.method, &mut out);
    out.push_str(",\"htu\":");
    json::write_string(htu(request.url), &mut out);
    out.push_str(",\"iat\":");
    out.push_str(&now_s.to_string());
    if let Some(nonce) = request.nonce {
        out.push_str(",\"nonce\":");
        json::write_string(nonce, &mut out);
    }
    if let Some(hash) = request.token_hash {
        out.push_str(",\"ath\":\"");
        out.push_str(&base64url::encode(hash));
        out.push('"');
    }
    out.push('}');
    out
}

/// Whether a `DPoP-Nonce` value is usable: RFC 9449 §8.1 allows only
/// `NQCHAR` (printable ASCII but space, `"` and `\`).
pub fn valid_nonce(nonce: &str) -> bool {
    !nonce.is_empty()
        && nonce
            .bytes()
            .all(|b| (b'!'..=b'~').contains(&b) && b != b'"' && b != b'\\')
}

/// Whether an API's `WWW-Authenticate` asks for a nonce (RFC 9449 §9): a
/// `DPoP` challenge with `error="use_dpop_nonce"`.
pub fn is_nonce_challenge(www_authenticate: &str) -> bool {
    www_authenticate
        .to_ascii_lowercase()
        .contains("use_dpop_nonce")
}

#[cfg(test)]
#[path = "../tests/unit/dpop.rs"]
mod tests;
