//! Which token endpoint URLs the library will send a secret to.

use crate::error::Error;

/// A token endpoint URL, already parsed by the host's WHATWG `URL` parser
/// (the binding does that, so hosts are normalised: `127.1` is `127.0.0.1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The serialized URL, what gets fetched.
    pub href: String,
    /// The scheme without the colon, lower case.
    pub scheme: String,
    /// The host name (IPv6 in brackets), lower case.
    pub host: String,
    /// Whether the URL carries `user:password@`.
    pub has_userinfo: bool,
    /// Whether the URL has a `#fragment`.
    pub has_fragment: bool,
}

impl Endpoint {
    /// Checks that a client secret may be sent to this URL.
    ///
    /// - https always; http only to a loopback host, unless the caller passes
    ///   `allow_insecure_http`, so a secret never crosses a network in clear
    ///   text by accident (RFC 6749 §2.3.1 requires TLS).
    /// - No fragment: RFC 6749 §3.2 forbids one on the token endpoint.
    /// - No `user:password@`: credentials go where `authMethod` says, never
    ///   also in the URL, where logs would keep them.
    pub fn check(self, option: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        match self.scheme.as_str() {
            "https" => {}
            "http" if allow_insecure_http || is_loopback(&self.host) => {}
            "http" => {
                return Err(Error::options(format!(
                    "{option} uses plain http to {}, which would send the client secret unencrypted; use https, or pass allowInsecureHttp: true for a trusted network",
                    self.host
                )))
            }
            other => {
                return Err(Error::options(format!(
                    "{option} must be an https URL (http only for loopback), not {other}:"
                )))
            }
        }
        if self.has_fragment {
            return Err(Error::options(format!(
                "{option} must not have a #fragment (RFC 6749 §3.2)"
            )));
        }
        if self.has_userinfo {
            return Err(Error::options(format!(
                "{option} must not contain user:password@; pass clientId and clientSecret instead"
            )));
        }
        Ok(self)
    }
}

/// Loopback hosts, where plain http never leaves the machine: `localhost`
/// and its subdomains (RFC 6761 §6.3), 127.0.0.0/8 and `[::1]`.
pub fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let mut parts = host.split('.');
    parts.next() == Some("127")
        && parts.clone().count() == 3
        && parts.all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/endpoint.rs"]
pub(crate) mod tests;
