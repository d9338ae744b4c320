//! Client authentication at the token endpoint (RFC 6749 §2.3.1), as a
//! strategy the caller picks, in the manner of oauth4webapi.

use crate::error::Error;
use crate::form;
use crate::secret::Secret;

/// How the client proves its identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(form(id) ":" form(secret))`, the method
    /// every server must support (RFC 6749 §2.3.1) and Postman's "Send as
    /// Basic Auth header".
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the form body, as the seed's curl
    /// call does. RFC 6749 says servers MAY support it; Keycloak does.
    Post,
}

impl ClientAuth {
    /// Parses the `authMethod` option, named as in OpenID Connect Dynamic
    /// Client Registration's `token_endpoint_auth_method`.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "client_secret_basic" => Ok(ClientAuth::Basic),
            "client_secret_post" => Ok(ClientAuth::Post),
            other => Err(Error::options(format!(
                "authMethod must be \"client_secret_basic\" or \"client_secret_post\", not \"{}\"",
                crate::error::excerpt(other)
            ))),
        }
    }

    /// The option value this method is selected by.
    pub fn name(self) -> &'static str {
        match self {
            ClientAuth::Basic => "client_secret_basic",
            ClientAuth::Post => "client_secret_post",
        }
    }
}

/// A confidential client's id and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
}

impl Credentials {
    pub fn new(client_id: impl Into<String>, client_secret: Secret) -> Result<Self, Error> {
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(Error::options("clientId must be a non-empty string (the client's id at the authorization server, e.g. \"archival-service\")"));
        }
        if client_secret.expose().is_empty() {
            return Err(Error::options("clientSecret must be a non-empty string (in Keycloak: the client's Credentials tab)"));
        }
        Ok(Credentials {
            client_id,
            client_secret,
        })
    }

    /// The `Authorization` header value for [`ClientAuth::Basic`]. Each part
    /// is form-encoded first (RFC 6749 §2.3.1), so a `:` in the id or a `+`
    /// in the secret survives the trip.
    pub fn basic_header(&self) -> Secret {
        let mut plain = form::encode(&self.client_id);
        plain.push(':');
        form::encode_into(self.client_secret.expose(), &mut plain);
        // The Basic scheme uses the standard alphabet with padding (RFC 7617).
        Secret::new(format!(
            "Basic {}",
            crate::base64url::encode_standard(plain.as_bytes())
        ))
    }
}
