//! DPoP proofs (RFC 9449): sender-constrained tokens.
//!
//! The client keeps a key pair; every token request and every request to
//! the API carries a proof, a JWT signed with the private key over the
//! method and URL, whose header holds the public key. The server binds the
//! token to that key (`cnf.jkt`, the key's RFC 7638 thumbprint), so a
//! stolen token is useless without the key.
//!
//! As with client assertions, the core builds the header and claims and
//! `src/js/signing.js` signs them through WebCrypto.

use crate::base64url;
use crate::error::Error;
use crate::json::{self, Kind};
use crate::jwk::{Alg, KeySet, ASYMMETRIC};
use crate::jwt;
use crate::oauth::assertion::JTI_BYTES;
use crate::verify::{check_signature_shape, numeric_date};

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
pub fn header(alg: Alg, jwk: &PublicJwk) -> String {
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

// The resource server's side (RFC 9449 §4.3, §7.1): `authorizeRequest`
// checks the proof that comes with a DPoP-bound token. Everything but the
// two SHA-256 digests and the signature is decided here; messages are fixed
// texts, so a refusal never echoes the proof or the token.

/// What a resource server expects of a proof.
pub struct ProofCheck<'a> {
    /// The request's method, which `htm` must equal.
    pub method: &'a str,
    /// The request's URL, which `htu` must equal without query and fragment.
    pub url: &'a str,
    /// SHA-256 of the access token, which `ath` must encode.
    pub token_hash: &'a [u8],
    /// Now, in seconds since the epoch.
    pub now_s: f64,
    /// How old `iat` may be (`dpop.maxAgeSeconds`).
    pub max_age_s: f64,
    /// Slack for the client's clock, both ways (`clockToleranceSeconds`).
    pub clock_tolerance_s: f64,
    /// The nonce the server requires (`dpop.nonce`, RFC 9449 §9), if any.
    pub nonce: Option<&'a str>,
}

/// A proof whose header and claims hold, for WebCrypto to check its
/// signature and hash its key.
#[derive(Debug)]
pub struct CheckedProof {
    pub alg: Alg,
    /// The proof's `jwk`, reduced to what `importKey` needs.
    pub key: String,
    /// The `jwk`'s RFC 7638 thumbprint input, to compare with `cnf.jkt`.
    pub thumbprint: PublicJwk,
    /// The signing input's length (`header.payload`).
    pub signing_input_end: usize,
    pub signature: Vec<u8>,
    /// What the replay cache keeps: `htu` (normalised) and `jti`.
    pub replay_key: String,
    /// When the proof stops being accepted for its `iat`, in seconds.
    pub expires_s: f64,
}

/// Default of `dpop.maxAgeSeconds`: how old a proof's `iat` may be.
pub const DEFAULT_PROOF_MAX_AGE_S: f64 = 60.0;

#[cold]
#[inline(never)]
fn refused(claim: &'static str, message: &'static str) -> Error {
    Error::DpopProof { claim, message }
}

/// Checks a proof (the `DPoP` header's value; `None` when absent) against
/// the request, in RFC 9449 §4.3's order, all but the signature and the key
/// binding (see [`check_binding`]).
pub fn check_proof(proof: Option<&str>, expect: &ProofCheck<'_>) -> Result<CheckedProof, Error> {
    let proof = proof.ok_or_else(|| refused("proof", "the request has no DPoP proof header"))?;
    // Headers joins repeated fields with commas, which a JWT never holds.
    if proof.contains(',') {
        return Err(refused(
            "proof",
            "the request has more than one DPoP header",
        ));
    }
    let decoded = jwt::decode(proof)
        .map_err(|_| refused("proof", "the DPoP proof is not a well-formed JWT"))?;
    let header = json::parse_object(decoded.header_json())
        .map_err(|_| refused("proof", "the DPoP proof's header could not be read"))?;
    let get = |members: &[json::Member<'_>], name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .map(|m| (m.kind, m.raw.to_owned(), m.as_str().map(|v| v.into_owned())))
    };
    if get(&header, "typ").and_then(|m| m.2).as_deref() != Some("dpop+jwt") {
        return Err(refused("typ", "the DPoP proof's typ is not dpop+jwt"));
    }
    let alg = get(&header, "alg")
        .and_then(|m| m.2)
        .and_then(|name| Alg::from_name(&name))
        .filter(|alg| alg.bit() & ASYMMETRIC != 0)
        .ok_or_else(|| {
            refused(
                "alg",
                "the DPoP proof's alg is not an asymmetric algorithm (never none or HS*)",
            )
        })?;
    let jwk = match get(&header, "jwk") {
        Some((Kind::Object, raw, _)) => raw,
        _ => return Err(refused("jwk", "the DPoP proof's header has no jwk object")),
    };
    let members = json::parse_object(&jwk)
        .map_err(|_| refused("jwk", "the DPoP proof's jwk could not be read"))?;
    // RFC 9449 §4.3: the key must be public. Any private member refuses it.
    if members.iter().any(|m| {
        matches!(
            m.name.as_ref(),
            "d" | "p" | "q" | "dp" | "dq" | "qi" | "oth" | "k"
        )
    }) {
        return Err(refused(
            "jwk",
            "the DPoP proof's jwk holds private key members",
        ));
    }
    let thumbprint = PublicJwk::from_json(&jwk).map_err(|_| {
        refused(
            "jwk",
            "the DPoP proof's jwk is not a public EC, RSA or OKP key",
        )
    })?;
    let keys = KeySet::single(&jwk)
        .map_err(|_| refused("jwk", "the DPoP proof's jwk is not a usable key"))?;
    let key = keys
        .select(alg, None)
        .next()
        .map(|k| k.import_json().to_owned())
        .ok_or_else(|| refused("jwk", "the DPoP proof's jwk does not fit its alg"))?;
    let mut signature = Vec::new();
    base64url::decode_into(decoded.signature(), &mut signature)
        .map_err(|_| refused("signature", "the DPoP proof's signature is not base64url"))?;
    if check_signature_shape(alg, &signature).is_some() {
        return Err(refused(
            "signature",
            "the DPoP proof's signature is malformed",
        ));
    }

    let payload = json::parse_object(decoded.payload_json())
        .map_err(|_| refused("proof", "the DPoP proof's payload could not be read"))?;
    let string = |name: &str| get(&payload, name).and_then(|m| m.2);
    let jti = string("jti")
        .filter(|jti| !jti.is_empty())
        .ok_or_else(|| refused("jti", "the DPoP proof has no jti"))?;
    if string("htm").as_deref() != Some(expect.method) {
        return Err(refused(
            "htm",
            "the DPoP proof's htm is not the request's method",
        ));
    }
    let htu = string("htu")
        .as_deref()
        .and_then(normalized_url)
        .filter(|htu| Some(htu) == normalized_url(expect.url).as_ref())
        .ok_or_else(|| refused("htu", "the DPoP proof's htu is not the request's URL"))?;
    let iat = payload
        .iter()
        .find(|m| m.name == "iat")
        .and_then(numeric_date)
        .ok_or_else(|| refused("iat", "the DPoP proof has no iat (a number)"))?;
    if iat > expect.now_s + expect.clock_tolerance_s {
        return Err(refused(
            "iat",
            "the DPoP proof was issued in the future (iat); check the clocks",
        ));
    }
    if expect.now_s - iat > expect.max_age_s + expect.clock_tolerance_s {
        return Err(refused(
            "iat",
            "the DPoP proof is too old (iat); make a new proof for every request",
        ));
    }
    if string("ath").as_deref() != Some(base64url::encode(expect.token_hash).as_str()) {
        return Err(refused(
            "ath",
            "the DPoP proof's ath is not the hash of the access token",
        ));
    }
    // Last, so that a client told to use a nonce has nothing else to fix.
    if let Some(nonce) = expect.nonce {
        if string("nonce").as_deref() != Some(nonce) {
            return Err(refused(
                "nonce",
                "the DPoP proof does not carry the server's nonce; use the DPoP-Nonce header's value",
            ));
        }
    }
    Ok(CheckedProof {
        alg,
        key,
        thumbprint,
        signing_input_end: decoded.signature_start() - 1,
        signature,
        replay_key: format!("{htu}\n{jti}"),
        expires_s: iat + expect.max_age_s + expect.clock_tolerance_s,
    })
}

/// The last checks, once WebCrypto has spoken: the signature verified with
/// the proof's own key, and that key is the one the token is bound to, its
/// thumbprint (`thumbprint_hash`, SHA-256 of [`PublicJwk::thumbprint_input`])
/// equal to `cnf.jkt` (RFC 9449 §6.1).
pub fn check_binding(signature_ok: bool, thumbprint_hash: &[u8], jkt: &str) -> Result<(), Error> {
    if !signature_ok {
        return Err(refused(
            "signature",
            "the DPoP proof's signature does not verify with its jwk",
        ));
    }
    if base64url::encode(thumbprint_hash) != jkt {
        return Err(refused(
            "jkt",
            "the DPoP proof's key is not the key the access token is bound to (cnf.jkt)",
        ));
    }
    Ok(())
}

/// Most proofs a [`ReplayCache`] remembers: at ten a second for a minute's
/// window, some 600; the cap bounds its memory (about 1 MB).
pub const REPLAY_CAPACITY: usize = 10_000;

/// The proofs accepted lately, by `htu` and `jti`, each until its `iat`
/// window closes (RFC 9449 §11.1): a proof seen again is a replay. Only
/// proofs that passed every check are recorded, so filling it takes valid
/// tokens and keys; when full, the proof closest to expiring is forgotten.
#[derive(Debug, Default)]
pub struct ReplayCache {
    /// `(htu \n jti, expiry)`, unordered. A scan is cheap at this size next
    /// to a proof's signature check, and a map's code costs kilobytes of wasm.
    seen: Vec<(String, f64)>,
}

impl ReplayCache {
    /// Refuses `proof` if it was seen, else remembers it.
    pub fn check(&mut self, proof: &CheckedProof, now_s: f64) -> Result<(), Error> {
        let key = proof.replay_key.as_str();
        if self
            .seen
            .iter()
            .any(|(seen, expires)| seen == key && *expires >= now_s)
        {
            return Err(refused(
                "jti",
                "the DPoP proof was used before (its jti); make a new proof for every request",
            ));
        }
        if self.seen.len() >= REPLAY_CAPACITY {
            self.seen.retain(|(_, expires)| *expires >= now_s);
        }
        if self.seen.len() >= REPLAY_CAPACITY {
            let soonest = (0..self.seen.len()).min_by(|&a, &b| {
                let at = |i: usize| self.seen.get(i).map_or(f64::INFINITY, |e| e.1);
                at(a).total_cmp(&at(b))
            });
            if let Some(i) = soonest {
                self.seen.swap_remove(i);
            }
        }
        self.seen.push((proof.replay_key.clone(), proof.expires_s));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

/// A URL compared as RFC 9449 §4.3 asks (RFC 3986 §6.2.2-6.2.3): scheme
/// and host in lower case, the default port dropped, an empty path as `/`,
/// without query and fragment. `None` for what is not an http(s) URL.
fn normalized_url(url: &str) -> Option<String> {
    let url = htu(url);
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.is_empty() || authority.contains('@') {
        return None;
    }
    let mut authority = authority.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => return None,
    };
    if authority.ends_with(default) {
        authority.truncate(authority.len() - default.len());
    }
    let path = if path.is_empty() { "/" } else { path };
    Some(format!("{scheme}://{authority}{path}"))
}

#[cfg(test)]
#[path = "../tests/unit/dpop.rs"]
mod tests;
