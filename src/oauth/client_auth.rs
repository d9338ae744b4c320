//! Client authentication at the token endpoint (RFC 6749 §2.3.1), as a
//! strategy the caller picks, in the manner of oauth4webapi.

use super::assertion;
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
    /// A JWT signed with the client's private key (RFC 7523 §2.2, OpenID
    /// Connect Core §9); the server holds the public key. Keycloak: "Signed
    /// JWT".
    PrivateKeyJwt,
    /// A JWT signed with HMAC keyed by the client secret, which itself never
    /// crosses the network. Keycloak: "Signed JWT with client secret".
    SecretJwt,
}

impl ClientAuth {
    /// Parses the `authMethod` option, named as in OpenID Connect Dynamic
    /// Client Registration's `token_endpoint_auth_method`.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "client_secret_basic" => Ok(ClientAuth::Basic),
            "client_secret_post" => Ok(ClientAuth::Post),
            "private_key_jwt" => Ok(ClientAuth::PrivateKeyJwt),
            "client_secret_jwt" => Ok(ClientAuth::SecretJwt),
            other => Err(Error::options(format!(
                "authMethod must be \"client_secret_basic\", \"client_secret_post\", \"private_key_jwt\" or \"client_secret_jwt\", not \"{}\"",
                crate::error::excerpt(other)
            ))),
        }
    }

    /// The option value this method is selected by.
    pub fn name(self) -> &'static str {
        match self {
            ClientAuth::Basic => "client_secret_basic",
            ClientAuth::Post => "client_secret_post",
            ClientAuth::PrivateKeyJwt => "private_key_jwt",
            ClientAuth::SecretJwt => "client_secret_jwt",
        }
    }

    /// Whether the client authenticates with a signed JWT (RFC 7523).
    pub fn is_jwt(self) -> bool {
        matches!(self, ClientAuth::PrivateKeyJwt | ClientAuth::SecretJwt)
    }
}

/// How the id and secret are written inside the Basic header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BasicEncoding {
    /// Each part form-encoded first, as RFC 6749 §2.3.1 requires, so a `:`
    /// in the id or a `+` in the secret survives the trip.
    #[default]
    Form,
    /// The parts as they are (RFC 7617), for servers that don't form-decode
    /// them, such as Glewlwyd. The id then can't hold a `:`.
    Raw,
}

impl BasicEncoding {
    /// Parses the `basicEncoding` option.
    pub fn from_name(name: &str) -> Result<Self, Error> {
        match name {
            "form" => Ok(BasicEncoding::Form),
            "raw" => Ok(BasicEncoding::Raw),
            other => Err(Error::options(format!(
                "basicEncoding must be \"form\" (RFC 6749 §2.3.1, the default) or \"raw\" (for servers that don't URL-decode Basic credentials), not \"{}\"",
                crate::error::excerpt(other)
            ))),
        }
    }
}

/// A confidential client's id and secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: Secret,
    /// How [`Credentials::basic_header`] writes them.
    pub basic_encoding: BasicEncoding,
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
            basic_encoding: BasicEncoding::Form,
        })
    }

    /// A client that proves itself with a private key (`private_key_jwt`)
    /// and has no secret: the key stays in JavaScript, as a `CryptoKey`.
    pub fn without_secret(client_id: impl Into<String>) -> Result<Self, Error> {
        let client_id = client_id.into();
        if client_id.is_empty() {
            return Err(Error::options("clientId must be a non-empty string (the client's id at the authorization server, e.g. \"archival-service\")"));
        }
        Ok(Credentials {
            client_id,
            client_secret: Secret::new(String::new()),
            basic_encoding: BasicEncoding::Form,
        })
    }

    /// The same credentials with the Basic header written as `encoding`
    /// says. A raw id can't hold the `:` that separates it from the secret
    /// (RFC 7617 §2).
    pub fn with_basic_encoding(self, encoding: BasicEncoding) -> Result<Self, Error> {
        if encoding == BasicEncoding::Raw && self.client_id.contains(':') {
            return Err(Error::options(
                "basicEncoding \"raw\" can't send a clientId that contains \":\" (RFC 7617 §2); use the default \"form\" encoding",
            ));
        }
        Ok(Credentials {
            basic_encoding: encoding,
            ..self
        })
    }

    /// Puts the client's authentication where `auth` says, for any request
    /// to the authorization server (the token endpoint, RFC 6749 §2.3.1;
    /// the introspection endpoint, RFC 7662 §2.1): returns the
    /// `Authorization` header for Basic, else adds form parameters to
    /// `pairs`. For a JWT method the form ends with an empty
    /// `client_assertion` (RFC 7523 §2.2 puts it last), to which the caller
    /// appends the signed JWT, which needs no form encoding (base64url and
    /// dots); `client_id` too, which RFC 7521 §4.2 allows and Keycloak uses
    /// to find the client before reading the JWT.
    pub fn authenticate<'a>(
        &'a self,
        auth: ClientAuth,
        pairs: &mut Vec<(&'a str, &'a str)>,
    ) -> Option<Secret> {
        match auth {
            ClientAuth::Basic => Some(self.basic_header()),
            ClientAuth::Post => {
                pairs.push(("client_id", &self.client_id));
                pairs.push(("client_secret", self.client_secret.expose()));
                None
            }
            ClientAuth::PrivateKeyJwt | ClientAuth::SecretJwt => {
                pairs.push(("client_id", &self.client_id));
                pairs.push(("client_assertion_type", assertion::ASSERTION_TYPE));
                pairs.push(("client_assertion", ""));
                None
            }
        }
    }

    /// The `Authorization` header value for [`ClientAuth::Basic`], each part
    /// written as [`BasicEncoding`] says.
    pub fn basic_header(&self) -> Secret {
        let mut plain = String::new();
        match self.basic_encoding {
            BasicEncoding::Form => {
                form::encode_into(&self.client_id, &mut plain);
                plain.push(':');
                form::encode_into(self.client_secret.expose(), &mut plain);
            }
            BasicEncoding::Raw => {
                plain.push_str(&self.client_id);
                plain.push(':');
                plain.push_str(self.client_secret.expose());
            }
        }
        // The Basic scheme uses the standard alphabet with padding (RFC 7617).
        Secret::new(format!(
            "Basic {}",
            crate::base64url::encode_standard(plain.as_bytes())
        ))
    }
}
