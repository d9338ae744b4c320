//! The one error type of the crate.
//!
//! Every failure, from bad options to a refusing authorization server, is an
//! [`Error`]. Each variant has a stable [`Error::code`] that JavaScript callers
//! can branch on (`err.code === "ERR_OAUTH"`), in the manner of jose's error
//! codes. Messages say what to fix.
//!
//! Secrets never reach this type: variants carry server-supplied text only
//! after [`redact`] has removed the client secret from it, and no variant
//! holds the secret or an access token. `Display` and `Debug` are therefore
//! safe to log.

use core::fmt;

/// Longest excerpt of an error body kept in [`Error::Http`], in characters.
/// Enough to recognise a proxy's error page, too short to carry a payload.
pub const BODY_EXCERPT_CHARS: usize = 200;

/// Everything that can go wrong. New variants may be added, hence
/// `#[non_exhaustive]`; the codes of existing ones never change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// `ERR_OAUTH`: the server answered with an RFC 6749 §5.2 error body.
    OAuth {
        /// HTTP status of the response.
        status: u16,
        /// The `error` code, such as `invalid_client`.
        error: String,
        /// The optional `error_description`.
        description: Option<String>,
        /// The optional `error_uri`.
        uri: Option<String>,
        /// Headers that tell the caller what to do next.
        hints: ResponseHints,
        /// For `invalid_client`, what to check, when the client
        /// authentication method knows better than the default advice.
        client_hint: Option<ClientHint>,
    },
    /// `ERR_HTTP`: a non-2xx status without an OAuth error body.
    Http {
        /// HTTP status of the response.
        status: u16,
        /// A short excerpt of the body, capped at [`BODY_EXCERPT_CHARS`].
        body: String,
        /// Headers that tell the caller what to do next.
        hints: ResponseHints,
    },
    /// `ERR_NETWORK`: the request could not be made (refused, DNS, CORS, a
    /// reset connection).
    Network(String),
    /// `ERR_TIMEOUT`: the whole exchange took longer than `timeoutMs`.
    Timeout {
        /// The limit that elapsed.
        timeout_ms: u32,
    },
    /// `ERR_ABORTED`: the caller's `AbortSignal` fired.
    Aborted,
    /// `ERR_INVALID_RESPONSE`: a 2xx that is not a usable token response, a
    /// redirect, or a body over the size limit.
    InvalidResponse(String),
    /// `ERR_INVALID_OPTIONS`: an option is missing, ill-typed or unsafe.
    InvalidOptions(String),
    /// `ERR_INVALID_JWT`: `decodeJwt` or `verifyJwt` could not decode the
    /// input as a compact JWS JWT.
    InvalidJwt(String),
    /// `ERR_JWT_ALG`: the header's `alg` is missing, `none`, not among the
    /// allowed algorithms, or does not fit the key (RFC 8725 §3.1).
    JwtAlg(String),
    /// `ERR_JWT_SIGNATURE`: no candidate key verifies the signature.
    JwtSignature(String),
    /// `ERR_JWT_EXPIRED`: `exp` has passed, or `iat` is older than
    /// `maxTokenAgeSeconds`.
    JwtExpired {
        /// `exp` or `iat`.
        claim: &'static str,
        /// What to check.
        message: String,
    },
    /// `ERR_JWT_NOT_YET_VALID`: `nbf`, or `iat`, is in the future.
    JwtNotYetValid {
        /// `nbf` or `iat`.
        claim: &'static str,
        /// What to check.
        message: String,
    },
    /// `ERR_JWT_CLAIM`: a claim (or the header's `typ`) is missing or
    /// wrong.
    JwtClaim {
        /// The claim's name: `iss`, `aud`, `azp`, `typ`, `exp`, `iat`, `nbf`.
        claim: &'static str,
        /// What is wrong and what was expected.
        message: String,
    },
    /// `ERR_JWKS_NO_KEY`: no key of the key set fits the token's `kid` and
    /// `alg`, after a refetch when one was allowed.
    JwksNoKey(String),
    /// `ERR_DPOP_PROOF`: `authorizeRequest` refused a DPoP proof (RFC 9449
    /// §4.3): absent or repeated, malformed, a wrong `typ`, `alg`, `jwk`,
    /// `htm`, `htu`, `iat` or `ath`, a bad signature, or a key other than
    /// the token's `cnf.jkt`, a missing or stale `nonce`. The message is a
    /// fixed text, safe to send back as `error_description`.
    DpopProof {
        /// Which check failed: `proof` (absent, repeated, malformed), `typ`,
        /// `alg`, `jwk`, `signature`, `jti`, `htm`, `htu`, `iat`, `ath`,
        /// `jkt` or `nonce`.
        claim: &'static str,
        message: &'static str,
    },
    /// `ERR_STORE`: a shared token store (the `store` option) failed, was
    /// slower than `storeTimeoutMs`, or answered something unusable. Only
    /// `onStoreError` sees it: the token then comes from the authorization
    /// server, so `getToken()` never fails for it.
    Store(String),
    /// `ERR_STORE` too: `JwksClient`'s shared key set store failed, was
    /// slower than `storeTimeoutMs`, or answered something unusable. Only
    /// `onStoreError` sees it: the keys then come from the issuer.
    KeySetStore(String),
}

/// What to check when the server refused the client (`invalid_client`), by
/// how it authenticated: the default advice is about secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientHint {
    /// `private_key_jwt`: the key and its registration.
    PrivateKey,
    /// `client_secret_jwt`: the secret and the HMAC algorithm.
    SecretJwt,
    /// A signed assertion refused for its time claims: the local clock.
    Clock,
}

impl ClientHint {
    fn text(self) -> &'static str {
        match self {
            ClientHint::Clock => "the server judged the assertion's iat or exp by its own clock: check that this machine's clock is right (synchronised with NTP)",
            ClientHint::SecretJwt => "check clientId, clientSecret and signingAlg, and that the client is registered for client_secret_jwt (Keycloak: \"Signed JWT with client secret\")",
            ClientHint::PrivateKey => "check clientId, privateKey, keyId and signingAlg, that the server has the matching public key (Keycloak: the client's Keys tab or JWKS URL), and that the client is registered for private_key_jwt (Keycloak: \"Signed JWT\")",
        }
    }
}

/// Response headers worth surfacing on an error: when to retry (RFC 9110
/// §10.2.3) and how to authenticate (RFC 9110 §11.6.1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResponseHints {
    /// The raw `Retry-After` header (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// The raw `WWW-Authenticate` header.
    pub www_authenticate: Option<String>,
}

impl Error {
    /// The stable code that JavaScript sees as `err.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::OAuth { .. } => "ERR_OAUTH",
            Error::Http { .. } => "ERR_HTTP",
            Error::Network(_) => "ERR_NETWORK",
            Error::Timeout { .. } => "ERR_TIMEOUT",
            Error::Aborted => "ERR_ABORTED",
            Error::InvalidResponse(_) => "ERR_INVALID_RESPONSE",
            Error::InvalidOptions(_) => "ERR_INVALID_OPTIONS",
            Error::InvalidJwt(_) => "ERR_INVALID_JWT",
            Error::Store(_) | Error::KeySetStore(_) => "ERR_STORE",
            Error::JwtAlg(_) => "ERR_JWT_ALG",
            Error::JwtSignature(_) => "ERR_JWT_SIGNATURE",
            Error::JwtExpired { .. } => "ERR_JWT_EXPIRED",
            Error::JwtNotYetValid { .. } => "ERR_JWT_NOT_YET_VALID",
            Error::JwtClaim { .. } => "ERR_JWT_CLAIM",
            Error::JwksNoKey(_) => "ERR_JWKS_NO_KEY",
            Error::DpopProof { .. } => "ERR_DPOP_PROOF",
        }
    }

    /// The claim a verification failure is about, for `err.claim`.
    pub fn claim(&self) -> Option<&'static str> {
        match self {
            Error::JwtExpired { claim, .. }
            | Error::JwtNotYetValid { claim, .. }
            | Error::JwtClaim { claim, .. }
            | Error::DpopProof { claim, .. } => Some(claim),
            _ => None,
        }
    }

    pub(crate) fn options(message: impl Into<String>) -> Self {
        Error::InvalidOptions(message.into())
    }

    pub(crate) fn response(message: impl Into<String>) -> Self {
        Error::InvalidResponse(message.into())
    }

    pub(crate) fn jwt(message: impl Into<String>) -> Self {
        Error::InvalidJwt(message.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::OAuth {
                status,
                error,
                description,
                client_hint,
                ..
            } => {
                write!(f, "the authorization server refused the request: {error}")?;
                if let Some(description) = description {
                    write!(f, " ({description})")?;
                }
                write!(f, ", HTTP {status}")?;
                if error == "invalid_client" {
                    f.write_str("; ")?;
                    f.write_str(client_hint.map_or("check clientId, clientSecret and authMethod (client_secret_basic or client_secret_post, whichever the client is registered for)", ClientHint::text))?;
                }
                Ok(())
            }
            Error::Http { status, body, .. } => {
                write!(f, "the server answered HTTP {status} without an OAuth error body; check tokenUrl (or introspectionEndpoint, or issuer)")?;
                if !body.is_empty() {
                    write!(f, " (body starts: {body})")?;
                }
                Ok(())
            }
            Error::Network(detail) => write!(
                f,
                "the request could not be made ({detail}); check that the URL is reachable, and in a browser that the server allows this page's origin (CORS; in Keycloak: the client's Web origins)"
            ),
            Error::Timeout { timeout_ms } => write!(
                f,
                "no complete response within timeoutMs ({timeout_ms} ms); raise timeoutMs or check the server"
            ),
            Error::Aborted => f.write_str("the request was aborted by the caller's signal"),
            Error::DpopProof { message, .. } => f.write_str(message),
            Error::Store(detail) => write!(
                f,
                "the token store failed ({detail}); the token came from the authorization server instead"
            ),
            Error::KeySetStore(detail) => write!(
                f,
                "the key set store failed ({detail}); the keys came from the issuer instead"
            ),
            Error::InvalidResponse(m)
            | Error::InvalidOptions(m)
            | Error::InvalidJwt(m)
            | Error::JwtAlg(m)
            | Error::JwtSignature(m)
            | Error::JwksNoKey(m)
            | Error::JwtExpired { message: m, .. }
            | Error::JwtNotYetValid { message: m, .. }
            | Error::JwtClaim { message: m, .. } => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// Replaces every occurrence of each non-empty `secret` in `text` with
/// `[redacted]`. Used on anything a server sends back before it enters an
/// [`Error`], because a misbehaving server or proxy may echo the request.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(secret) {
            out = out.replace(secret, "[redacted]");
        }
    }
    out
}

/// The first [`BODY_EXCERPT_CHARS`] characters of `body`, with control
/// characters folded to spaces so the excerpt stays on one log line.
pub fn excerpt(body: &str) -> String {
    let mut out: String = body
        .chars()
        .take(BODY_EXCERPT_CHARS)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if body.chars().nth(BODY_EXCERPT_CHARS).is_some() {
        out.push('…');
    }
    out.trim().to_owned()
}

#[cfg(test)]
#[path = "../tests/unit/error.rs"]
mod tests;
