//! The token response (RFC 6749 §5.1) and error response (§5.2).

use crate::error::{excerpt, redact, Error, ResponseHints};
use crate::json::{self, JsonError, Kind, Member};
use crate::secret::Secret;

/// What came back from the token endpoint, as `src/js/http.js` read it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status; 0 for a browser's opaque redirect.
    pub status: u16,
    /// True when fetch hid a redirect (`type: "opaqueredirect"`, browsers).
    pub opaque_redirect: bool,
    /// The `Location` header of a 3xx.
    pub location: Option<String>,
    pub hints: ResponseHints,
    pub body: Vec<u8>,
}

/// Hand-written so that the body, which may hold a token, is not printed.
impl core::fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("opaque_redirect", &self.opaque_redirect)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// A successful token response.
#[derive(Clone, PartialEq)]
pub struct Token {
    pub access_token: Secret,
    /// `Bearer`, however the server capitalised it (RFC 6749 §5.1 says the
    /// value is case-insensitive).
    pub token_type: String,
    /// Lifetime in seconds, if the server said.
    pub expires_in: Option<u64>,
    /// Epoch milliseconds when the token expires by the local clock:
    /// the time the response arrived plus `expires_in`.
    pub expires_at_ms: Option<f64>,
    /// The granted scope, if the server said (RFC 6749 §5.1: omitted means
    /// the requested scope).
    pub scope: Option<String>,
    /// The body as sent, for the `raw` result field. It holds the token.
    pub raw_json: Secret,
}

/// Hand-written so that neither the token nor the raw body is printed.
impl core::fmt::Debug for Token {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("expires_in", &self.expires_in)
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// Turns the token endpoint's answer into a [`Token`] or the matching
/// [`Error`]. `now_ms` is the injected clock's reading when the response
/// arrived. `secrets` are removed from any server text kept in an error.
pub fn parse_token_response(
    res: &HttpResponse,
    now_ms: f64,
    secrets: &[&str],
) -> Result<Token, Error> {
    parse_token_response_with(res, now_ms, secrets, false)
}

/// [`parse_token_response`], for a request that carried a DPoP proof when
/// `dpop` is set: then a `DPoP` token (RFC 9449 §5) is accepted as well as a
/// `Bearer` one, which a server without DPoP support answers.
pub fn parse_token_response_with(
    res: &HttpResponse,
    now_ms: f64,
    secrets: &[&str],
    dpop: bool,
) -> Result<Token, Error> {
    refusal(res, secrets, "token endpoint", "tokenUrl")?;
    let text = core::str::from_utf8(&res.body);
    let members = text.as_ref().ok().map(|t| json::parse_object(t));

    // From here the body may hold a token: never quote it in an error.
    let text = text.map_err(|_| {
        Error::response(format!(
            "the token endpoint answered HTTP {} with a body that is not UTF-8",
            res.status
        ))
    })?;
    let members = match members {
        Some(Ok(m)) => m,
        Some(Err(JsonError::DuplicateKey(k))) => {
            return Err(Error::response(format!(
                "the token response has the member \"{}\" twice, so its meaning is ambiguous",
                quote(&k, secrets)
            )))
        }
        Some(Err(JsonError::NotAnObject)) | Some(Err(_)) | None => {
            return Err(Error::response(format!(
                "the token endpoint answered HTTP {} but the body is not a JSON object; check that tokenUrl is the token endpoint",
                res.status
            )))
        }
    };

    let access_token = match find(&members, "access_token") {
        Some(m) => m.as_str().filter(|t| !t.is_empty()).ok_or_else(|| {
            Error::response("the token response's access_token is not a non-empty string")
        })?,
        None => {
            if let Some(error) = find(&members, "error").and_then(|m| m.as_str()) {
                // Some servers send error bodies with 200.
                return Err(oauth_error(res, error.as_ref(), &members, secrets));
            }
            return Err(Error::response(
                "the token response has no access_token; check that tokenUrl is the token endpoint",
            ));
        }
    };

    let token_type = match find(&members, "token_type").map(|m| m.as_str()) {
        Some(Some(t)) if t.eq_ignore_ascii_case("bearer") => "Bearer".to_owned(),
        Some(Some(t)) if dpop && t.eq_ignore_ascii_case("dpop") => "DPoP".to_owned(),
        Some(Some(t)) => {
            return Err(Error::response(format!(
                "the token response's token_type is \"{}\"; only Bearer tokens (RFC 6750) are supported",
                quote(&t, secrets)
            )))
        }
        Some(None) | None => {
            return Err(Error::response(
                "the token response has no string token_type (RFC 6749 §5.1 requires it)",
            ))
        }
    };

    let expires_in = match find(&members, "expires_in") {
        None => None,
        Some(m) if m.kind == Kind::Null => None,
        Some(m) => Some(seconds(m).ok_or_else(|| {
            Error::response(
                "the token response's expires_in is not a non-negative number of seconds",
            )
        })?),
    };

    let scope = match find(&members, "scope") {
        None => None,
        Some(m) if m.kind == Kind::Null => None,
        Some(m) => Some(
            m.as_str()
                .ok_or_else(|| Error::response("the token response's scope is not a string"))?
                .into_owned(),
        ),
    };

    Ok(Token {
        access_token: Secret::new(access_token.into_owned()),
        token_type,
        expires_in,
        expires_at_ms: expires_in.map(|s| now_ms + (s as f64) * 1000.0),
        scope,
        raw_json: Secret::new(text),
    })
}

/// The error for an answer that is not a 2xx from `endpoint` (named for
/// the message, with `option`, the option that sets its URL): a redirect,
/// which is not followed since it would carry the client credentials
/// elsewhere; an OAuth error body (RFC 6749 §5.2, RFC 7662 §2.3); or any
/// other status. `Ok` for a 2xx. Server text is quoted without `secrets`.
pub(super) fn refusal(
    res: &HttpResponse,
    secrets: &[&str],
    endpoint: &str,
    option: &str,
) -> Result<(), Error> {
    if res.opaque_redirect || (300..400).contains(&res.status) {
        let to = res
            .location
            .as_deref()
            .map(|l| format!(" to {}", quote(l, secrets)))
            .unwrap_or_default();
        return Err(Error::response(format!(
            "the {endpoint} redirected (HTTP {}){to}; redirects are not followed because they would carry the client credentials elsewhere; set {option} to the final URL",
            res.status
        )));
    }
    if (200..300).contains(&res.status) {
        return Ok(());
    }
    let members = core::str::from_utf8(&res.body)
        .ok()
        .and_then(|t| json::parse_object(t).ok());
    // A refusal may still carry tokens (a proxy rewriting the status, a
    // server answering 500 after issuing one): they are secrets too.
    let tokens = members.as_deref().map(token_values).unwrap_or_default();
    let secrets: Vec<&str> = secrets
        .iter()
        .copied()
        .chain(tokens.iter().map(|t| t.as_ref()))
        .collect();
    if let Some(members) = &members {
        if let Some(error) = find(members, "error").and_then(|m| m.as_str()) {
            return Err(oauth_error(res, error.as_ref(), members, &secrets));
        }
    }
    let body = String::from_utf8_lossy(&res.body);
    Err(Error::Http {
        status: res.status,
        body: quote(&body, &secrets),
        hints: redact_hints(&res.hints, &secrets),
    })
}

fn find<'m, 'a>(members: &'m [Member<'a>], name: &str) -> Option<&'m Member<'a>> {
    members.iter().find(|m| m.name == name)
}

fn oauth_error(res: &HttpResponse, error: &str, members: &[Member<'_>], secrets: &[&str]) -> Error {
    let text = |name| {
        find(members, name)
            .and_then(|m| m.as_str())
            .map(|s| quote(&s, secrets))
    };
    Error::OAuth {
        client_hint: None,
        status: res.status,
        error: quote(error, secrets),
        description: text("error_description"),
        uri: text("error_uri"),
        hints: redact_hints(&res.hints, secrets),
    }
}

/// Server text fit for an error: excerpted, without the secrets. Redacted
/// before excerpting, so that a secret cut by the length limit is still
/// found, and after, because folding control characters to spaces can turn
/// `S3CRET\x14canary` back into a secret that has a space.
fn quote(text: &str, secrets: &[&str]) -> String {
    redact(&excerpt(&redact(text, secrets)), secrets)
}

/// Members of a token response that hold a credential (RFC 6749 §5.1,
/// OpenID Connect Core §3.1.3.3).
const TOKEN_MEMBERS: [&str; 3] = ["access_token", "refresh_token", "id_token"];

/// Shortest member value treated as a credential when redacting a refusal:
/// a shorter one is no credential, and replacing it everywhere would garble
/// the message.
const MIN_TOKEN_CHARS: usize = 8;

/// The credential values in `members`, as decoded and as written (they
/// differ when the server escaped characters), for [`redact`].
fn token_values<'a>(members: &'a [Member<'a>]) -> Vec<std::borrow::Cow<'a, str>> {
    let mut out = Vec::new();
    for m in members
        .iter()
        .filter(|m| TOKEN_MEMBERS.contains(&m.name.as_ref()))
    {
        if let Some(value) = m.as_str() {
            let written = &m.raw[1..m.raw.len() - 1];
            if written != value {
                out.push(std::borrow::Cow::Borrowed(written));
            }
            out.push(value);
        }
    }
    out.retain(|t| t.chars().count() >= MIN_TOKEN_CHARS);
    out
}

/// The response headers kept on an error, with the secrets removed: a
/// careless server may echo the request into them as into a body.
fn redact_hints(hints: &ResponseHints, secrets: &[&str]) -> ResponseHints {
    let clean = |v: &Option<String>| v.as_deref().map(|v| redact(v, secrets));
    ResponseHints {
        retry_after: clean(&hints.retry_after),
        www_authenticate: clean(&hints.www_authenticate),
    }
}

/// Reads `expires_in` as a number, or a numeric string as some servers send
/// it. A fraction is dropped: a token is never kept longer than it lives.
fn seconds(member: &Member<'_>) -> Option<u64> {
    let text = match member.kind {
        Kind::Number => member.raw.to_owned(),
        Kind::String => member.as_str()?.trim().to_owned(),
        _ => return None,
    };
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, "0"));
    if whole.is_empty()
        || whole.len() > 15
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.is_empty()
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    whole.parse().ok()
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/response.rs"]
mod tests;
