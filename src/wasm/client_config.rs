//! The client's options (`fetchClientCredentialsToken`, `TokenClient`),
//! read and validated into a [`ClientConfig`] for a
//! [`crate::wasm::session::Session`].

use crate::error::Error;
use crate::json;
use crate::json::Kind;
use crate::jwk::Alg;
use crate::oauth::assertion;
use crate::oauth::{discovery, BasicEncoding, ClientAuth, Credentials, Token, TokenRequest};
use crate::secret::Secret;
use crate::wasm::exports::{parse_url, string_value, Options};
use crate::wasm::host;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

/// Every option name, for [`host::options_json`], which reads exactly these.
const OPTION_NAMES: &str = "tokenUrl,issuer,clientId,clientSecret,scope,authMethod,audience,resource,extraParams,timeoutMs,allowInsecureHttp,refreshSkewSeconds,minValiditySeconds,storeSecret,storeTimeoutMs,basicEncoding,signingAlg,keyId,assertionAudience,dpop";

thread_local! {
    /// [`OPTION_NAMES`] as a JS string, made once rather than copied out of
    /// wasm memory for every options object.
    static NAMES: JsValue = JsValue::from_str(OPTION_NAMES);
}

/// The client's options object, read in one crossing.
pub(crate) fn client_options(v: &JsValue) -> Result<Options<'_>, Error> {
    NAMES.with(|names| {
        Options::read(
            v,
            names,
            "fetchClientCredentialsToken expects an options object ({ tokenUrl, clientId, clientSecret, ... })",
        )
    })
}

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

impl ClientConfig {
    pub(crate) fn read(options: &Options) -> Result<Self, Error> {
        let allow_insecure_http = options.bool("allowInsecureHttp")?;
        let (endpoint, issuer) = match (options.string("tokenUrl")?, options.string("issuer")?) {
            (Some(_), Some(_)) => {
                return Err(Error::options("pass either tokenUrl or issuer, not both"))
            }
            (None, None) => {
                return Err(Error::options(
                    "tokenUrl is required (or issuer, to find the token endpoint by discovery)",
                ))
            }
            (Some(url), None) => (
                parse_url("tokenUrl", &url)?.check("tokenUrl", allow_insecure_http)?,
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
        let request = TokenRequest::new(
            endpoint,
            credentials,
            auth,
            options.strings("scope")?,
            options.string("audience")?,
            options.strings("resource")?,
            options.params("extraParams")?,
            options.number("timeoutMs")?,
        )?;
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

pub(crate) fn token_to_js(token: &Token) -> JsValue {
    host::token_result(
        token.access_token.expose(),
        &token.token_type,
        token.expires_in.map(|s| s as f64),
        token.expires_at_ms,
        token.scope.clone(),
        token.raw_json.expose(),
    )
}

/// The reads only the client's options need.
impl Options<'_> {
    pub(crate) fn required_string(&self, name: &str) -> Result<String, Error> {
        self.string(name)?
            .ok_or_else(|| Error::options(format!("{name} is required")))
    }

    /// A plain object of string (or number, or boolean) values, in order.
    pub(crate) fn params(&self, name: &str) -> Result<Vec<(String, String)>, Error> {
        let wrong = || Error::options(format!("{name} must be an object of string values"));
        let raw = match self.get(name) {
            None => return Ok(Vec::new()),
            Some((Kind::Object, raw)) => raw,
            Some(_) => return Err(wrong()),
        };
        json::parse_object(raw)
            .map_err(|_| wrong())?
            .into_iter()
            .map(|m| {
                let value = match m.kind {
                    Kind::String => string_value(m.raw).ok_or_else(wrong)?,
                    // JSON writes numbers and booleans as JavaScript's String() does.
                    Kind::Number | Kind::Bool => m.raw.to_owned(),
                    _ => {
                        return Err(Error::options(format!(
                            "{name}.{} must be a string, number or boolean",
                            m.name
                        )))
                    }
                };
                Ok((m.name.into_owned(), value))
            })
            .collect()
    }
}
