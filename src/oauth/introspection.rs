//! Token introspection (RFC 7662): asking the authorization server whether
//! a token is active, and what it grants, for tokens a resource server
//! can't read itself (opaque tokens, Keycloak's lightweight access tokens
//! that leave the roles out) or must check for revocation.
//!
//! As for the token request, the core builds the request and reads the
//! answer; the caller sends it. The client authenticates as it does at the
//! token endpoint ([`Credentials::authenticate`]): RFC 7662 §2.1 requires
//! the protected resource to authenticate, and Keycloak and Spring's
//! `OpaqueTokenIntrospector` use the same client methods.

use super::client_auth::{ClientAuth, Credentials};
use super::endpoint::Endpoint;
use super::request::HttpRequest;
use super::response::{refusal, HttpResponse};
use crate::error::{excerpt, Error};
use crate::form;
use crate::json::{self, JsonError, Kind};
use crate::secret::Secret;
use crate::verify::numeric_date;

/// Default for `cacheSeconds`: how long an active answer stands in for
/// asking again. A revoked token is refused at most this long after its
/// revocation, the trade Spring and Envoy's token caches make too.
pub const DEFAULT_CACHE_SECONDS: u32 = 60;

/// Longest `cacheSeconds` accepted (an hour): past that, revocation means
/// little.
const MAX_CACHE_SECONDS: f64 = 3_600.0;

/// Reads `cacheSeconds`: 0 (ask every time) to an hour.
pub fn cache_seconds(value: Option<f64>) -> Result<u32, Error> {
    match value {
        None => Ok(DEFAULT_CACHE_SECONDS),
        Some(s) if (0.0..=MAX_CACHE_SECONDS).contains(&s) => Ok(s as u32),
        Some(_) => Err(Error::options(
            "introspection.cacheSeconds must be a number of seconds from 0 to 3600",
        )),
    }
}

/// The introspection request (RFC 7662 §2.1): a form POST of `token` with
/// `token_type_hint=access_token`, the client authenticated as `auth` says.
/// For a JWT method the form ends with `client_assertion=`, as the token
/// request's does.
pub fn request(
    endpoint: &Endpoint,
    credentials: &Credentials,
    auth: ClientAuth,
    token: &str,
) -> HttpRequest {
    let mut pairs = vec![("token", token), ("token_type_hint", "access_token")];
    let authorization = credentials.authenticate(auth, &mut pairs);
    HttpRequest {
        url: endpoint.href.clone(),
        authorization,
        form: Some(Secret::new(form::serialize(pairs))),
    }
}

/// What the introspection endpoint said about a token (RFC 7662 §2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Introspection {
    /// `active`: whether the token is valid now, by the server's word.
    pub active: bool,
    /// The response as sent, a JSON object, for the caller's `{ active,
    /// ...claims }`; just `{"active":false}` for an inactive token, whatever
    /// else the server added (§2.2: nothing else should be said of it).
    pub claims: String,
    /// `exp`, when the server gave it as a NumericDate.
    pub exp: Option<f64>,
}

/// Reads the introspection endpoint's answer. A refusal is the same error
/// as the token endpoint's (`ERR_OAUTH` for an RFC 7662 §2.3 error body,
/// `ERR_HTTP` else); a 2xx must be a JSON object with a boolean `active`,
/// which §2.2 requires. `secrets` (the client's, and the token asked
/// about) never reach an error.
pub fn parse_response(res: &HttpResponse, secrets: &[&str]) -> Result<Introspection, Error> {
    refusal(
        res,
        secrets,
        "introspection endpoint",
        "introspectionEndpoint",
    )?;
    let not_object = || {
        Error::response(format!(
            "the introspection endpoint answered HTTP {} but the body is not a JSON object; check that introspectionEndpoint is the introspection endpoint",
            res.status
        ))
    };
    let text = core::str::from_utf8(&res.body).map_err(|_| not_object())?;
    let members = match json::parse_object(text) {
        Ok(members) => members,
        Err(JsonError::DuplicateKey(k)) => {
            return Err(Error::response(format!(
            "the introspection response has the member \"{}\" twice, so its meaning is ambiguous",
            crate::error::redact(&excerpt(&k), secrets)
        )))
        }
        Err(_) => return Err(not_object()),
    };
    let member = |name: &str| members.iter().find(|m| m.name == name);
    let active = match member("active") {
        Some(m) if m.kind == Kind::Bool => m.raw == "true",
        _ => {
            return Err(Error::response(
                "the introspection response has no boolean active (RFC 7662 §2.2 requires it)",
            ))
        }
    };
    if !active {
        return Ok(Introspection {
            active,
            claims: "{\"active\":false}".to_owned(),
            exp: None,
        });
    }
    Ok(Introspection {
        active,
        claims: text.to_owned(),
        exp: member("exp").and_then(numeric_date),
    })
}

/// Until when (epoch milliseconds) an active answer received at `now_ms`
/// may stand in for asking again: `cache_seconds` later, but never past
/// the token's `exp`. `now_ms` itself means "don't keep it".
pub fn cached_until_ms(now_ms: f64, exp: Option<f64>, cache_seconds: u32) -> f64 {
    let until = now_ms + f64::from(cache_seconds) * 1000.0;
    match exp {
        Some(exp) => until.min(exp * 1000.0).max(now_ms),
        None => until,
    }
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/introspection.rs"]
mod tests;
