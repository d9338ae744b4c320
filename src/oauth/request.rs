//! The token request (RFC 6749 §4.4.2).

use super::client_auth::{ClientAuth, Credentials};
use super::endpoint::Endpoint;
use crate::error::Error;
use crate::form;
use crate::secret::Secret;

/// Default for `timeoutMs`: long enough for a slow server, short enough that
/// a hung one does not hold an edge request for its whole budget.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;

/// Longest accepted `timeoutMs`: the most `setTimeout` can wait (2^31 - 1).
pub const MAX_TIMEOUT_MS: u32 = i32::MAX as u32;

/// Form parameters the library sets itself; `extraParams` may not override
/// them, because an override would silently change who authenticates or
/// what is asked for. Each has its own option.
const RESERVED: &[(&str, &str)] = &[
    ("grant_type", "it is always client_credentials"),
    ("client_id", "use the clientId option"),
    ("client_secret", "use the clientSecret option"),
    (
        "client_assertion",
        "set authMethod to private_key_jwt or client_secret_jwt",
    ),
    (
        "client_assertion_type",
        "set authMethod to private_key_jwt or client_secret_jwt",
    ),
    ("scope", "use the scope option"),
    ("audience", "use the audience option"),
    ("resource", "use the resource option"),
];

/// A validated Client Credentials token request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    pub endpoint: Endpoint,
    pub credentials: Credentials,
    pub auth: ClientAuth,
    /// Space-separated scopes (RFC 6749 §3.3), if any.
    pub scope: Option<String>,
    /// `audience`, as Auth0 and RFC 8693 name it.
    pub audience: Option<String>,
    /// RFC 8707 resource indicators, each sent as its own `resource`.
    pub resources: Vec<String>,
    /// More form parameters, in the caller's order.
    pub extra: Vec<(String, String)>,
    pub timeout_ms: u32,
}

/// What to send to the authorization server: the one shape `src/js/http.js`
/// sends (a form POST, or a GET without a form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub url: String,
    /// `Authorization`, when the client authenticates with a header.
    pub authorization: Option<Secret>,
    /// The form body of a POST; `None` makes a GET. It holds the secret
    /// under `client_secret_post`.
    pub form: Option<Secret>,
}

impl TokenRequest {
    /// Validates the parts that [`Endpoint`] and [`Credentials`] don't: the
    /// scope list, resource indicators, extra parameters and timeout.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        endpoint: Endpoint,
        credentials: Credentials,
        auth: ClientAuth,
        scopes: Vec<String>,
        audience: Option<String>,
        resources: Vec<String>,
        extra: Vec<(String, String)>,
        timeout_ms: Option<f64>,
    ) -> Result<Self, Error> {
        let mut request = Self::bare(endpoint, credentials, auth, timeout_ms)?;
        request.add_parameters(scopes, audience, resources, extra)?;
        Ok(request)
    }

    /// The client and its endpoint alone, with no scope, audience,
    /// resources or extra parameters: what an introspection request
    /// ([`super::introspection::request`]) uses of a token request. Apart
    /// from [`TokenRequest::new`], so a build that only introspects does not
    /// carry the validation of parameters it never sends.
    pub fn bare(
        endpoint: Endpoint,
        credentials: Credentials,
        auth: ClientAuth,
        timeout_ms: Option<f64>,
    ) -> Result<Self, Error> {
        Ok(TokenRequest {
            endpoint,
            credentials,
            auth,
            scope: None,
            audience: None,
            resources: Vec::new(),
            extra: Vec::new(),
            timeout_ms: check_timeout(timeout_ms)?,
        })
    }

    /// Validates and sets the token request's own parameters: the scope
    /// list, audience, resource indicators and extra parameters.
    pub fn add_parameters(
        &mut self,
        scopes: Vec<String>,
        audience: Option<String>,
        resources: Vec<String>,
        extra: Vec<(String, String)>,
    ) -> Result<(), Error> {
        self.scope = join_scopes(scopes)?;
        self.audience = audience.filter(|a| !a.is_empty());
        self.resources = check_resources(resources)?;
        self.extra = check_extra(extra)?;
        Ok(())
    }

    /// Builds the HTTP request: `grant_type=client_credentials`, the scope,
    /// audience, resources and extra parameters, and the client's
    /// credentials where [`ClientAuth`] puts them. For a JWT method the form
    /// ends with `client_assertion=`, for the signed assertion.
    pub fn to_http(&self) -> HttpRequest {
        let mut pairs: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.scope {
            pairs.push(("scope", scope));
        }
        if let Some(audience) = &self.audience {
            pairs.push(("audience", audience));
        }
        for resource in &self.resources {
            pairs.push(("resource", resource));
        }
        for (name, value) in &self.extra {
            pairs.push((name, value));
        }
        let authorization = self.credentials.authenticate(self.auth, &mut pairs);
        HttpRequest {
            url: self.endpoint.href.clone(),
            authorization,
            form: Some(Secret::new(form::serialize(pairs))),
        }
    }

    /// The strings a server might echo back that must never reach an error:
    /// the secret, and the encodings of it this request sent.
    pub fn secrets(&self) -> [String; 3] {
        let secret = self.credentials.client_secret.expose();
        if secret.is_empty() {
            // private_key_jwt: no secret; the key never reaches the core.
            return Default::default();
        }
        [
            secret.to_owned(),
            form::encode(secret),
            self.credentials
                .basic_header()
                .expose()
                .trim_start_matches("Basic ")
                .to_owned(),
        ]
    }
}

/// Joins scopes with spaces (RFC 6749 §3.3). Each scope token is a run of
/// printable ASCII other than space, `"` and `\`.
fn join_scopes(scopes: Vec<String>) -> Result<Option<String>, Error> {
    let mut out = String::new();
    for scope in scopes
        .iter()
        .flat_map(|s| s.split(' '))
        .filter(|s| !s.is_empty())
    {
        if let Some(bad) = scope
            .chars()
            .find(|&c| !(c == '!' || ('#'..='[').contains(&c) || (']'..='~').contains(&c)))
        {
            return Err(Error::options(format!(
                "scope contains the character U+{:04X}, which RFC 6749 §3.3 does not allow in a scope; separate scopes with spaces",
                u32::from(bad)
            )));
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(scope);
    }
    Ok(if out.is_empty() { None } else { Some(out) })
}

/// RFC 8707 §2: each resource is an absolute URI without a fragment.
fn check_resources(resources: Vec<String>) -> Result<Vec<String>, Error> {
    for r in &resources {
        let scheme_ok = r.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        if !scheme_ok || r.contains('#') {
            return Err(Error::options(format!(
                "resource must be an absolute URI without a fragment (RFC 8707 §2), such as \"https://api.example\"; got \"{}\"",
                crate::error::excerpt(r)
            )));
        }
    }
    Ok(resources)
}

fn check_extra(extra: Vec<(String, String)>) -> Result<Vec<(String, String)>, Error> {
    for (name, _) in &extra {
        if name.is_empty() {
            return Err(Error::options("extraParams has an empty parameter name"));
        }
        if let Some((_, why)) = RESERVED.iter().find(|(reserved, _)| reserved == name) {
            return Err(Error::options(format!(
                "extraParams may not set \"{name}\": {why}"
            )));
        }
    }
    Ok(extra)
}

/// `timeoutMs`: the default when absent, else a whole number of
/// milliseconds in range (shared by token requests and key set fetches).
pub fn check_timeout(timeout_ms: Option<f64>) -> Result<u32, Error> {
    match timeout_ms {
        None => Ok(DEFAULT_TIMEOUT_MS),
        Some(ms) if ms.is_finite() && ms > 0.0 && ms <= f64::from(MAX_TIMEOUT_MS) => {
            Ok(ms.ceil() as u32)
        }
        Some(_) => Err(Error::options(format!(
            "timeoutMs must be a positive number of milliseconds up to {MAX_TIMEOUT_MS}"
        ))),
    }
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/request.rs"]
mod tests;
