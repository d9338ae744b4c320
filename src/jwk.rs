//! JSON Web Keys (RFC 7517) for verification: reading a key or a key set,
//! and choosing the keys that may verify a token.
//!
//! What is read is what WebCrypto needs to import a public key (or, for
//! `HS*`, a secret) and nothing more: each usable key is reduced to a clean
//! JWK text holding only `kty` and its key material, so that no `alg`,
//! `use`, `key_ops` or private member of the server's key reaches
//! `importKey`. The rules for choosing follow RFC 7517 §4 and RFC 8725 §3.1:
//!
//! - a key whose `use` is not `sig`, whose `key_ops` lack `verify`, or whose
//!   `alg` is not the token's is skipped;
//! - the key type must fit the algorithm (RSA for `RS*`/`PS*`, the named
//!   curve for `ES*`, Ed25519 for `EdDSA`, `oct` for `HS*`), and RSA keys
//!   under 2048 bits are refused (RFC 7518 §3.3);
//! - keys of a type this library does not understand are ignored, as
//!   RFC 7517 §5 asks, so one exotic key does not break a whole set.

use crate::backoff::{Backoff, Failure};
use crate::base64url;
use crate::error::{excerpt, Error};
use crate::json::{self, Kind, Member};

/// Smallest RSA modulus accepted, in bits (RFC 7518 §3.3, NIST SP 800-131A).
pub const MIN_RSA_BITS: usize = 2048;

/// Most keys read from one key set. Real sets hold two to ten keys; the cap
/// bounds the work a hostile or broken JWKS endpoint can cause.
pub const MAX_KEYS: usize = 100;

/// A JWS algorithm this library verifies (RFC 7518 §3, RFC 8037 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    ES512,
    EdDSA,
    HS256,
    HS384,
    HS512,
}

/// Every algorithm, in the order of [`Alg::bit`].
pub const ALGS: [Alg; 13] = [
    Alg::RS256,
    Alg::RS384,
    Alg::RS512,
    Alg::PS256,
    Alg::PS384,
    Alg::PS512,
    Alg::ES256,
    Alg::ES384,
    Alg::ES512,
    Alg::EdDSA,
    Alg::HS256,
    Alg::HS384,
    Alg::HS512,
];

/// The algorithms allowed when the caller names none: every asymmetric
/// one. `HS*` only when listed, since a shared secret in a resource
/// server is also a key to mint tokens (RFC 8725 §3.1).
pub const ASYMMETRIC: u16 = (1 << 10) - 1;

impl Alg {
    /// The algorithm named `name` in a JWS header or the options.
    #[inline(never)]
    pub fn from_name(name: &str) -> Option<Alg> {
        ALGS.iter().copied().find(|a| a.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::RS384 => "RS384",
            Alg::RS512 => "RS512",
            Alg::PS256 => "PS256",
            Alg::PS384 => "PS384",
            Alg::PS512 => "PS512",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::ES512 => "ES512",
            Alg::EdDSA => "EdDSA",
            Alg::HS256 => "HS256",
            Alg::HS384 => "HS384",
            Alg::HS512 => "HS512",
        }
    }

    /// An HMAC algorithm: keyed with a shared secret, not a key pair.
    pub fn is_hmac(self) -> bool {
        matches!(self, Alg::HS256 | Alg::HS384 | Alg::HS512)
    }

    /// This algorithm's bit in an allow-list mask.
    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The length of a signature, when the algorithm fixes it: an ECDSA
    /// signature is `r || s`, each as long as the curve's order (RFC 7518
    /// §3.4), not the DER structure other APIs use.
    pub fn signature_len(self) -> Option<usize> {
        match self {
            Alg::ES256 | Alg::EdDSA | Alg::HS512 => Some(64),
            Alg::ES384 => Some(96),
            Alg::ES512 => Some(132),
            Alg::HS256 => Some(32),
            Alg::HS384 => Some(48),
            _ => None,
        }
    }

    /// Whether `key` is of the type and size this algorithm needs.
    fn fits(self, key: &KeyKind) -> bool {
        match (self, key) {
            (Alg::RS256 | Alg::RS384 | Alg::RS512, KeyKind::Rsa { bits })
            | (Alg::PS256 | Alg::PS384 | Alg::PS512, KeyKind::Rsa { bits }) => {
                *bits >= MIN_RSA_BITS
            }
            (Alg::ES256, KeyKind::Ec(crv)) => *crv == "P-256",
            (Alg::ES384, KeyKind::Ec(crv)) => *crv == "P-384",
            (Alg::ES512, KeyKind::Ec(crv)) => *crv == "P-521",
            (Alg::EdDSA, KeyKind::Ed25519) => true,
            (Alg::HS256 | Alg::HS384 | Alg::HS512, KeyKind::Oct) => true,
            _ => false,
        }
    }
}

/// The kind of a key, with what decides whether an algorithm fits it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyKind {
    Rsa { bits: usize },
    Ec(&'static str),
    Ed25519,
    Oct,
}

/// One usable key: its selection parameters and the clean JWK text that
/// WebCrypto imports.
#[derive(Clone, PartialEq, Eq)]
pub struct Jwk {
    kid: Option<String>,
    alg: Option<String>,
    kind: KeyKind,
    /// `use` and `key_ops` allow verification.
    for_verify: bool,
    import: String,
}

/// A secret `oct` key may be among them: keep key material out of logs.
impl core::fmt::Debug for Jwk {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Jwk")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

impl Jwk {
    /// `kty` and the key material only, as JSON text for `importKey("jwk")`.
    pub fn import_json(&self) -> &str {
        &self.import
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether this key may verify a token signed with `alg` and naming
    /// `kid` (a token without `kid` may be verified by any key).
    pub fn fits(&self, alg: Alg, kid: Option<&str>) -> bool {
        self.for_verify
            && kid.is_none_or(|k| self.kid.as_deref() == Some(k))
            && self.alg.as_deref().is_none_or(|a| a == alg.name())
            && alg.fits(&self.kind)
    }
}

/// The usable keys of a JWK Set, in document order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Reads a JWK Set (RFC 7517 §5): a JSON object whose `keys` is an
    /// array of JWKs. Keys of an unknown type, or malformed, are skipped;
    /// a text that is not a key set at all is an error (the message says
    /// why, without quoting the text).
    pub fn parse(text: &str) -> Result<KeySet, String> {
        let members =
            json::parse_object(text).map_err(|e| format!("is not a JSON object ({e})"))?;
        let keys = members
            .iter()
            .find(|m| m.name == "keys")
            .filter(|m| m.kind == Kind::Array)
            .ok_or("has no \"keys\" array (RFC 7517 §5)")?;
        let elements = json::parse_array(keys.raw).map_err(|_| "has a malformed \"keys\" array")?;
        if elements.len() > MAX_KEYS {
            return Err(format!(
                "has {} keys, over the limit of {MAX_KEYS}",
                elements.len()
            ));
        }
        let keys = elements
            .into_iter()
            .filter(|(kind, _)| *kind == Kind::Object)
            .filter_map(|(_, raw)| read_key(raw).ok())
            .collect();
        Ok(KeySet { keys })
    }

    /// Reads one JWK (RFC 7517 §4) as a set of one. Unlike a key in a set,
    /// a key the caller chose must be usable: the error says why not.
    pub fn single(text: &str) -> Result<KeySet, String> {
        Ok(KeySet {
            keys: vec![read_key(text).map_err(str::to_owned)?],
        })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The keys that may verify a token signed with `alg` naming `kid`, in
    /// document order: when several fit, each is tried.
    pub fn select<'s>(
        &'s self,
        alg: Alg,
        kid: Option<&'s str>,
    ) -> impl Iterator<Item = &'s Jwk> + 's {
        self.keys.iter().filter(move |k| k.fits(alg, kid))
    }

    /// The error for a token that no key fits, naming what was looked for.
    pub fn no_key(&self, alg: Alg, kid: Option<&str>) -> Error {
        let wanted = match kid {
            Some(kid) => format!("kid \"{}\" and alg {}", excerpt(kid), alg.name()),
            None => format!("alg {} (the token has no kid)", alg.name()),
        };
        let hint = if kid.is_some_and(|k| self.keys.iter().any(|key| key.kid() == Some(k))) {
            format!("; the key with that kid does not fit {} (its type, size (RSA ≥ {MIN_RSA_BITS} bits), alg, use or key_ops)", alg.name())
        } else {
            String::new()
        };
        Error::JwksNoKey(format!(
            "no key of the key set ({} usable) fits {wanted}{hint}; check that the token comes from the configured issuer",
            self.keys.len()
        ))
    }
}

/// Reads one key, or says why it is not usable.
fn read_key(text: &str) -> Result<Jwk, &'static str> {
    let members = json::parse_object(text).map_err(|_| "is not a JSON object")?;
    let string = |name: &str| -> Result<Option<String>, &'static str> {
        match members.iter().find(|m| m.name == name) {
            None => Ok(None),
            Some(m) => m
                .as_str()
                .map(|s| Some(s.into_owned()))
                .ok_or("has a member that should be a string and is not"),
        }
    };
    let kty = string("kty")?.ok_or("has no \"kty\"")?;
    let crv = string("crv")?.unwrap_or_default();
    // The clean JWK: kty, crv when the type has one, then the key material,
    // which must be strict base64url (RFC 7518 §6).
    let mut import = String::with_capacity(text.len());
    let mut push = |name: &str, value: &str| {
        import.push_str(if import.is_empty() { "{\"" } else { ",\"" });
        import.push_str(name);
        import.push_str("\":\"");
        import.push_str(value);
        import.push('"');
    };
    push("kty", &kty);
    let (kind, size, names): (KeyKind, usize, &[&str]) = match (kty.as_str(), crv.as_str()) {
        ("RSA", _) => (KeyKind::Rsa { bits: 0 }, 0, &["n", "e"]),
        ("EC", "P-256") => (KeyKind::Ec("P-256"), 32, &["x", "y"]),
        ("EC", "P-384") => (KeyKind::Ec("P-384"), 48, &["x", "y"]),
        ("EC", "P-521") => (KeyKind::Ec("P-521"), 66, &["x", "y"]),
        ("OKP", "Ed25519") => (KeyKind::Ed25519, 32, &["x"]),
        ("oct", _) => (KeyKind::Oct, 0, &["k"]),
        ("EC" | "OKP", _) => {
            return Err("has an unsupported curve (EC: P-256, P-384, P-521; OKP: Ed25519)")
        }
        _ => return Err("has an unsupported kty (RSA, EC, OKP and oct are)"),
    };
    if matches!(kind, KeyKind::Ec(_) | KeyKind::Ed25519) {
        push("crv", &crv);
    }
    let mut kind = kind;
    for name in names {
        let value = string(name)?.ok_or("lacks key material (n and e, x and y, x, or k)")?;
        let bytes =
            base64url::decode(&value).map_err(|_| "has key material that is not base64url")?;
        match kind {
            KeyKind::Rsa { ref mut bits } if *name == "n" => *bits = rsa_bits(&bytes),
            KeyKind::Oct if bytes.is_empty() => return Err("has an empty \"k\""),
            KeyKind::Ec(_) | KeyKind::Ed25519 if bytes.len() != size => {
                return Err("has coordinates of the wrong length for its curve")
            }
            _ => {}
        }
        push(name, &value);
    }
    import.push('}');
    let for_verify = string("use")?.is_none_or(|u| u == "sig") && key_ops_allow_verify(&members)?;
    Ok(Jwk {
        kid: string("kid")?,
        alg: string("alg")?,
        kind,
        for_verify,
        import,
    })
}

/// `key_ops` (RFC 7517 §4.3), when present, must include `verify`.
fn key_ops_allow_verify(members: &[Member<'_>]) -> Result<bool, &'static str> {
    let Some(ops) = members.iter().find(|m| m.name == "key_ops") else {
        return Ok(true);
    };
    let malformed = || "has a \"key_ops\" that is not an array of strings";
    if ops.kind != Kind::Array {
        return Err(malformed());
    }
    let mut allows = false;
    for (kind, raw) in json::parse_array(ops.raw).map_err(|_| malformed())? {
        if kind != Kind::String {
            return Err(malformed());
        }
        allows |= raw == "\"verify\"";
    }
    Ok(allows)
}

/// The size of an RSA modulus, in bits, leading zero bytes not counted.
fn rsa_bits(bytes: &[u8]) -> usize {
    let Some(first) = bytes.iter().position(|&b| b != 0) else {
        return 0;
    };
    (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize
}

/// When a remote key set is loaded again: after `max_age_ms`, and for an
/// unknown `kid` at most once per `cooldown_ms` (jose's
/// `createRemoteJWKSet` has the same two limits), so a flood of tokens
/// with made-up `kid`s costs the issuer one request per cooldown.
///
/// Past the max age the keys are refetched ahead, in the background, and
/// stay in use meanwhile; when that fails, they stay in use up to
/// `max_stale_ms` after they were fetched (Nimbus JOSE+JWT's outage-tolerant
/// cache: a time limit, not "forever"), and the next background attempt
/// waits for the [`Backoff`]. Past `max_stale_ms` they are not used: the
/// caller waits for a fetch, and its failure is the caller's.
#[derive(Debug, Clone, PartialEq)]
pub struct Refresh {
    cooldown_ms: f64,
    max_age_ms: f64,
    max_stale_ms: f64,
    /// When the keys in use were fetched.
    loaded_at_ms: Option<f64>,
    /// When the last fetch started, successful or not.
    attempted_at_ms: Option<f64>,
    /// The background refetch's failures since the keys were loaded.
    backoff: Backoff,
}

/// Default outage tolerance of a remote key set, in seconds: a day.
pub const DEFAULT_MAX_STALE_SECONDS: f64 = 86_400.0;

/// Whether a remote key set may be used at some time; see [`Refresh`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeysWindow {
    /// Younger than the max age: use the keys.
    Fresh,
    /// Past the max age, within the stale limit: use the keys, and refetch
    /// them in the background when `refetch` (no failure is waited out).
    Stale { refetch: bool },
    /// No keys, or older than the stale limit: fetch, and wait.
    Missing,
}

impl Refresh {
    /// Refetched after `max_age_ms`; usable while a refetch fails up to
    /// [`DEFAULT_MAX_STALE_SECONDS`] (or `max_age_ms`, if longer).
    pub fn new(cooldown_ms: f64, max_age_ms: f64) -> Self {
        Refresh {
            cooldown_ms,
            max_age_ms,
            max_stale_ms: max_age_ms.max(DEFAULT_MAX_STALE_SECONDS * 1000.0),
            loaded_at_ms: None,
            attempted_at_ms: None,
            backoff: Backoff::default(),
        }
    }

    /// Keys fetched more than `max_stale_ms` ago are not used (never
    /// below the max age).
    pub fn with_max_stale(mut self, max_stale_ms: f64) -> Self {
        self.max_stale_ms = max_stale_ms.max(self.max_age_ms);
        self
    }

    /// Whether the keys must be fetched: none yet, or older than the max
    /// age (or fetched in the future, by a clock that went back).
    pub fn due(&self, now_ms: f64) -> bool {
        self.loaded_at_ms
            .is_none_or(|at| now_ms - at >= self.max_age_ms || now_ms < at)
    }

    /// Whether the keys may be used at `now_ms`, and whether to refetch
    /// them in the background.
    pub fn window(&self, now_ms: f64) -> KeysWindow {
        let Some(at) = self.loaded_at_ms else {
            return KeysWindow::Missing;
        };
        let age = now_ms - at;
        if (0.0..self.max_age_ms).contains(&age) {
            KeysWindow::Fresh
        } else if age < self.max_stale_ms {
            // A clock that went back lands here too: the keys' age is
            // unknown, so they are refetched, and used meanwhile.
            KeysWindow::Stale {
                refetch: self.backoff.may_attempt(now_ms),
            }
        } else {
            KeysWindow::Missing
        }
    }

    /// Whether a token whose key is unknown may cause a fetch now.
    pub fn may_refetch(&self, now_ms: f64) -> bool {
        self.attempted_at_ms
            .is_none_or(|at| now_ms - at >= self.cooldown_ms || now_ms < at)
    }

    pub fn attempted(&mut self, now_ms: f64) {
        self.attempted_at_ms = Some(now_ms);
    }

    pub fn loaded(&mut self, now_ms: f64) {
        self.loaded_at_ms = Some(now_ms);
        self.backoff.reset();
    }

    /// Records a failed fetch at `now_ms` (`random` in `[0, 1)`) and returns
    /// the wait before the next background attempt, `None` for a failure
    /// retrying can't mend.
    pub fn failed(&mut self, failure: Failure, now_ms: f64, random: f64) -> Option<f64> {
        self.backoff.failed(failure, None, now_ms, random)
    }

    /// The background refetch's state.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }
}

#[cfg(test)]
#[path = "../tests/unit/jwk.rs"]
mod tests;
