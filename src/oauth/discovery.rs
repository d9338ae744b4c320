//! Authorization server metadata: OpenID Connect Discovery 1.0 §4 first,
//! then RFC 8414 §3, so an `issuer` is enough to find the token endpoint.

use super::response::HttpResponse;
use crate::error::{excerpt, Error};
use crate::json;

/// The metadata URLs to try for `issuer`, in order:
/// `{issuer}/.well-known/openid-configuration` (OIDC appends), then
/// `{origin}/.well-known/oauth-authorization-server{path}` (RFC 8414 §3.1
/// inserts the well-known segment before the issuer's path).
pub fn metadata_urls(issuer: &str) -> [String; 2] {
    let trimmed = issuer.trim_end_matches('/');
    let path_start = trimmed
        .find("://")
        .and_then(|scheme_end| {
            trimmed[scheme_end + 3..]
                .find('/')
                .map(|p| p + scheme_end + 3)
        })
        .unwrap_or(trimmed.len());
    let (origin, path) = trimmed.split_at(path_start);
    [
        format!("{trimmed}/.well-known/openid-configuration"),
        format!("{origin}/.well-known/oauth-authorization-server{path}"),
    ]
}

/// Checks an issuer option: RFC 8414 §2 says an issuer has no query or
/// fragment.
pub fn check_issuer(issuer: &str) -> Result<(), Error> {
    if issuer.contains('?') || issuer.contains('#') {
        return Err(Error::options(
            "issuer must not have a query or fragment (RFC 8414 §2); pass the issuer URL exactly as the server's metadata names it",
        ));
    }
    Ok(())
}

/// Reads `token_endpoint` from a metadata response, after checking that
/// the document names `expected_issuer` exactly (RFC 8414 §3.3, OIDC
/// Discovery §4.3): metadata for another issuer could send the secret to an
/// attacker's token endpoint.
///
/// `Ok(None)` means "not found here, try the next URL".
pub fn parse_metadata(res: &HttpResponse, expected_issuer: &str) -> Result<Option<String>, Error> {
    metadata_member(res, expected_issuer, "token_endpoint", "tokenUrl")
}

/// Reads the URL `name` (such as `jwks_uri`) from a metadata response, with
/// the same issuer check as [`parse_metadata`]; `instead` is the option to
/// pass when the metadata lacks it.
pub fn metadata_member(
    res: &HttpResponse,
    expected_issuer: &str,
    name: &str,
    instead: &str,
) -> Result<Option<String>, Error> {
    if res.status == 404 || res.status == 410 {
        return Ok(None);
    }
    if !(200..300).contains(&res.status) {
        return Err(Error::Http {
            status: res.status,
            body: excerpt(&String::from_utf8_lossy(&res.body)),
            hints: res.hints.clone(),
        });
    }
    let not_metadata =
        || Error::response("the issuer's metadata is not a JSON object; check the issuer URL");
    let text = core::str::from_utf8(&res.body).map_err(|_| not_metadata())?;
    let members = json::parse_object(text).map_err(|_| not_metadata())?;
    let string = |name: &str| {
        members
            .iter()
            .find(|m| m.name == name)
            .and_then(|m| m.as_str())
            .map(|s| s.into_owned())
    };
    let issuer =
        string("issuer").ok_or_else(|| Error::response("the issuer's metadata has no issuer"))?;
    if issuer != expected_issuer {
        return Err(Error::response(format!(
            "the metadata names the issuer \"{}\", not the configured \"{}\"; set issuer to exactly the server's issuer",
            excerpt(&issuer),
            excerpt(expected_issuer)
        )));
    }
    string(name).map(Some).ok_or_else(|| {
        Error::response(format!(
            "the issuer's metadata has no {name}; pass {instead} instead"
        ))
    })
}

#[cfg(test)]
#[path = "../../tests/unit/oauth/discovery.rs"]
mod tests;
