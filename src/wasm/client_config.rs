//! The client's options (`fetchClientCredentialsToken`, `TokenClient`,
//! `introspectToken`), read and validated into a [`ClientConfig`] for a
//! [`crate::wasm::session::Session`] or an
//! [`crate::wasm::introspector::Introspector`].

use crate::error::Error;
use crate::json::Kind;
use crate::jwk::Alg;
use crate::oauth::assertion;
use crate::oauth::{discovery, BasicEncoding, ClientAuth, Credentials, TokenRequest};
use crate::secret::Secret;
use crate::wasm::exports::{parse_url, Options};
use web_sys::AbortSignal;

/// Validated options, for a [`crate::wasm::session::Session`].
pub(crate) struct ClientConfig {
    /// The token request. With `issuer`, its endpoint is the issuer until
    /// discovery names the token endpoint.
    pub request: TokenRequest,
    pub issuer: Option<String>,
    pub allow_insecure_http: bool,
    pub signal: Option<AbortSignal>,
    pub keys: KeyOptions,
}

/// The options of the key-based methods: client assertions (RFC 7523) and
/// DPoP (RFC 9449). The keys themselves stay in JavaScript
/// (`src/js/signing.js`); only what goes into headers and claims is here.
pub(crate) struct KeyOptions {
    /// `signingAlg`, checked against the method; `None` for
    /// `private_key_jwt` means "the key's usual algorithm".
    pub alg: Option<Alg>,
    /// `keyId`: the assertion's `kid`, over the JWK's own.
    pub key_id: Option<String>,
    /// `assertionAudience`: the assertion's `aud`, over the default.
    pub audience: Option<String>,
    /// Whether token requests carry a DPoP proof.
    pub dpop: bool,
}

impl KeyOptions {
    fn read(options: &Options, auth: ClientAuth) -> Result<Self, Error> {
        let only_jwt = |name: &str| {
            Error::options(format!(
                "{name} applies only to authMethod \"private_key_jwt\" or \"client_secret_jwt\""
            ))
        };
        let alg = options.string("signingAlg")?;
        let key_id = options.string("keyId")?;
        let audience = options.string("assertionAudience")?;
        if !auth.is_jwt() {
            for (name, value) in [
                ("signingAlg", &alg),
                ("keyId", &key_id),
                ("assertionAudience", &audience),
            ] {
                if value.is_some() {
                    return Err(only_jwt(name));
                }
            }
        }
        let alg = if auth.is_jwt() {
            assertion::signing_alg(alg.as_deref(), auth == ClientAuth::SecretJwt)?
        } else {
            None
        };
        if audience.as_deref() == Some("") {
            return Err(Error::options(
                "assertionAudience must be a non-empty string (the authorization server's issuer or token endpoint URL)",
            ));
        }
        let dpop = match options.get("dpop") {
            None => false,
            Some((Kind::Bool, raw)) => raw == "true",
            Some((Kind::Object, _)) => true,
            Some(_) => {
                return Err(Error::options(
                    "dpop must be true (a key pair made for the client) or { privateKey, publicKey } (a CryptoKeyPair)",
                ))
            }
        };
        Ok(KeyOptions {
            alg,
            key_id,
            audience,
            dpop,
        })
    }
}

/// Which endpoint of the authorization server a [`ClientConfig`] is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// The token endpoint (RFC 6749 §3.2): `tokenUrl`. (Unused in the
    /// `/verify` build, which introspects but requests no tokens.)
    #[cfg_attr(not(feature = "client"), allow(dead_code))]
    Token,
    /// The introspection endpoint (RFC 7662 §2): `introspectionEndpoint`.
    /// (Unused in the `/client` build, which requests tokens only.)
    #[cfg_attr(not(feature = "introspection"), allow(dead_code))]
    Introspection,
}

impl Purpose {
    /// The option that names the endpoint.
    pub(crate) fn option(self) -> &'static str {
        match self {
            Purpose::Token => "tokenUrl",
            Purpose::Introspection => "introspectionEndpoint",
        }
    }

    /// What to say when both the endpoint and `issuer` are given, and when
    /// neither is: fixed texts, cheaper in wasm than formatting.
    fn texts(self) -> [&'static str; 2] {
        match self {
            Purpose::Token => [
                "pass either tokenUrl or issuer, not both",
                "tokenUrl is required (or issuer, to find the token endpoint by discovery)",
            ],
            Purpose::Introspection => [
                "pass either introspectionEndpoint or issuer, not both",
                "introspectionEndpoint is required (or issuer, to find the introspection endpoint by discovery)",
            ],
        }
    }

    /// How errors name the discovered endpoint's URL.
    pub(crate) fn metadata_name(self) -> &'static str {
        match self {
            Purpose::Token => "the metadata's token_endpoint",
            Purpose::Introspection => "the metadata's introspection_endpoint",
        }
    }

    /// The endpoint's member in the server's metadata (RFC 8414 §2).
    pub(crate) fn metadata_member(self) -> &'static str {
        match self {
            Purpose::Token => "token_endpoint",
            Purpose::Introspection => "introspection_endpoint",
        }
    }
}

impl ClientConfig {
    /// Reads the options every request to the authorization server takes,
    /// for `purpose`: the endpoint (or `issuer`), the client and its
    /// authentication, the timeout. The request is [`TokenRequest::bare`];
    /// a Session adds the token request's own parameters, so a build that
    /// only introspects does not carry their validation.
    pub(crate) fn read(options: &Options, purpose: Purpose) -> Result<Self, Error> {
        let allow_insecure_http = options.bool("allowInsecureHttp")?;
        let option = purpose.option();
        let (endpoint, issuer) = match (options.string(option)?, options.string("issuer")?) {
            (Some(_), Some(_)) => return Err(Error::options(purpose.texts()[0])),
            (None, None) => return Err(Error::options(purpose.texts()[1])),
            (Some(url), None) => (
                parse_url(option, &url)?.check(option, allow_insecure_http)?,
                None,
            ),
            (None, Some(issuer)) => {
                discovery::check_issuer(&issuer)?;
                (
                    parse_url("issuer", &issuer)?.check("issuer", allow_insecure_http)?,
                    Some(issuer),
                )
            }
        };
        let auth = match options.string("authMethod")? {
            Some(name) => ClientAuth::from_name(&name)?,
            None => ClientAuth::default(),
        };
        // The key is read by src/js/signing.js, never by the core; its presence
        // with another method is a mistake worth naming.
        let private_key = options.value("privateKey");
        if auth != ClientAuth::PrivateKeyJwt
            && !private_key.is_undefined()
            && !private_key.is_null()
        {
            return Err(Error::options(
                "privateKey is used only with authMethod \"private_key_jwt\"; set authMethod, or leave privateKey out",
            ));
        }
        let credentials = match auth {
            // The key proves the client; a secret, if given, is not used.
            ClientAuth::PrivateKeyJwt => {
                Credentials::without_secret(options.required_string("clientId")?)?
            }
            _ => Credentials::new(
                options.required_string("clientId")?,
                Secret::new(options.required_string("clientSecret")?),
            )?,
        };
        let credentials = match options.string("basicEncoding")? {
            Some(_) if auth != ClientAuth::Basic => {
                return Err(Error::options(
                    "basicEncoding applies only to authMethod \"client_secret_basic\"",
                ))
            }
            Some(name) => credentials.with_basic_encoding(BasicEncoding::from_name(&name)?)?,
            None => credentials,
        };
        let request =
            TokenRequest::bare(endpoint, credentials, auth, options.number("timeoutMs")?)?;
        let keys = KeyOptions::read(options, auth)?;
        options.check_fetch()?;
        Ok(ClientConfig {
            request,
            issuer,
            allow_insecure_http,
            signal: options.signal()?,
            keys,
        })
    }
}

/// The reads only the client's options need.
impl Options<'_> {
    pub(crate) fn required_string(&self, name: &str) -> Result<String, Error> {
        self.string(name)?
            .ok_or_else(|| Error::options(format!("{name} is required")))
    }
}
