//! The JavaScript API: JS values in, Rust types, JS values out.
//!
//! Nothing here decides anything: options are read with `Reflect` (far
//! smaller in wasm than serde-wasm-bindgen, 18 KB against 45 KB gzip on a
//! prototype), validated by the core, and every [`Error`] becomes a JS
//! `Error` named `ClientCredentialsError` with its `code` and details.

use crate::error::Error;
use crate::json::{self, Kind};
use crate::jwk::Alg;
use crate::jwt;
use crate::oauth::assertion;
use crate::oauth::{
    discovery, BasicEncoding, ClientAuth, Credentials, Endpoint, Token, TokenRequest,
};
use crate::secret::Secret;
use crate::wasm::host;
use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

/// Decodes a compact JWS JWT without verifying it. Returns
/// `{ header, payload, signature }`.
#[wasm_bindgen(js_name = decodeJwt, skip_typescript)]
pub fn decode_jwt(token: JsValue) -> Result<JsValue, JsValue> {
    with_token(&token, "decodeJwt", &mut |text| {
        DECODER.with(|decoder| {
            let mut decoder = decoder.borrow_mut();
            let decoded = decoder.decode(text).map_err(to_js)?;
            host::decoded_jwt(decoded.as_json(), &token, decoded.signature_start() as u32)
                .map_err(|_| to_js(Error::jwt("the JWT's JSON could not be parsed")))
        })
    })
}

/// Runs `f` on `token` as text, copied into a reused buffer with one
/// `encodeInto`; `function` names the caller in the error for a non-string.
/// One copy for every caller (`dyn`, not generic): it is not small.
pub(crate) fn with_token(
    token: &JsValue,
    function: &str,
    f: &mut dyn FnMut(&str) -> Result<JsValue, JsValue>,
) -> Result<JsValue, JsValue> {
    SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        if scratch.is_empty() {
            scratch.resize(jwt::MAX_TOKEN_LENGTH, 0);
        }
        let text = match host::copy_token(token, &mut scratch) {
            -1 => Err(Error::jwt(format!(
                "{function} expects the token as a string, got {}",
                type_name(token)
            ))),
            // Refused before copying: the length is all that was read.
            -2 => {
                let length = token
                    .dyn_ref::<JsString>()
                    .map_or(usize::MAX, |s| s.length() as usize);
                Err(jwt::check_length(length)
                    .err()
                    .unwrap_or_else(|| Error::jwt("the token is too long")))
            }
            // copy_token saw ASCII, but what becomes a `str` is checked
            // here rather than taken on JavaScript's word (16 bytes a step).
            n if n >= 0 => {
                jwt::utf8(&scratch[..n as usize]).ok_or_else(|| Error::jwt("the token is not text"))
            }
            // Not ASCII, so not a JWT; the general path names the problem.
            _ => Err(
                jwt::decode(&String::from(token.unchecked_ref::<JsString>()))
                    .err()
                    .unwrap_or_else(|| Error::jwt("the token is not a JWT")),
            ),
        }
        .map_err(to_js)?;
        f(text)
    })
}

/// A JS string as a Rust one, through [`host::copy_text`] into a reused
/// buffer; `None` if it is not a string.
fn text_of(v: &JsValue) -> Option<String> {
    TEXT.with(|buffer| {
        let mut buffer = buffer.borrow_mut();
        if buffer.is_empty() {
            buffer.resize(1024, 0);
        }
        let mut written = host::copy_text(v, &mut buffer);
        if written == -2 {
            let units = v.dyn_ref::<JsString>()?.length() as usize;
            buffer.resize(units.saturating_mul(3), 0);
            written = host::copy_text(v, &mut buffer);
        }
        let text = buffer
            .get(..usize::try_from(written).ok()?)
            .and_then(jwt::utf8)
            .map(str::to_owned);
        // Keep a buffer that one unusually large option grew small again.
        if buffer.len() > 64 * 1024 {
            *buffer = Vec::new();
        }
        text
    })
}

thread_local! {
    /// The decoder's buffers, reused from one `decodeJwt` to the next.
    static DECODER: std::cell::RefCell<jwt::Decoder> = std::cell::RefCell::new(jwt::Decoder::default());

    /// Where [`text_of`] copies strings in.
    static TEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };

    /// Where tokens are copied in: one buffer of [`jwt::MAX_TOKEN_LENGTH`]
    /// bytes, allocated on first use, instead of an allocation per call.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
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

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The JS `Error` for `e`: its message, `name`, `code`, and for server
/// answers the details a caller acts on.
pub(crate) fn to_js(e: Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name("ClientCredentialsError");
    set(&err, "code", &e.code().into());
    if let Some(claim) = e.claim() {
        set(&err, "claim", &claim.into());
    }
    let str_or_undefined =
        |v: &Option<String>| v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
    match &e {
        Error::OAuth {
            status,
            error,
            description,
            uri,
            hints,
            ..
        } => {
            set(&err, "error", &error.as_str().into());
            set(&err, "errorDescription", &str_or_undefined(description));
            set(&err, "errorUri", &str_or_undefined(uri));
            set(&err, "status", &(*status).into());
            set(&err, "retryAfter", &str_or_undefined(&hints.retry_after));
            set(
                &err,
                "wwwAuthenticate",
                &str_or_undefined(&hints.www_authenticate),
            );
        }
        Error::Http {
            status,
            body,
            hints,
        } => {
            set(&err, "status", &(*status).into());
            set(&err, "body", &body.as_str().into());
            set(&err, "retryAfter", &str_or_undefined(&hints.retry_after));
            set(
                &err,
                "wwwAuthenticate",
                &str_or_undefined(&hints.www_authenticate),
            );
        }
        _ => {}
    }
    err.into()
}

pub(crate) fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// Every option name, for [`host::options_json`], which reads exactly these.
const OPTION_NAMES: &str = "tokenUrl,issuer,clientId,clientSecret,scope,authMethod,audience,resource,extraParams,timeoutMs,allowInsecureHttp,refreshSkewSeconds,minValiditySeconds,storeSecret,storeTimeoutMs,basicEncoding,signingAlg,keyId,assertionAudience,dpop";

thread_local! {
    /// [`OPTION_NAMES`] as a JS string, made once rather than copied out of
    /// wasm memory for every options object.
    static NAMES: JsValue = JsValue::from_str(OPTION_NAMES);
}

/// Typed reads of the options object. The values arrive in one crossing, as
/// JSON text the host serialized, and are read with the core's JSON reader;
/// only `signal` and numbers are read from the object itself. Each failure
/// names the option and the type it wants.
pub(crate) struct Options<'a> {
    js: &'a JsValue,
    members: Vec<(String, Kind, String)>,
}

impl<'a> Options<'a> {
    pub(crate) fn new(v: &'a JsValue) -> Result<Self, Error> {
        NAMES.with(|names| {
            Self::read(
                v,
                names,
                "fetchClientCredentialsToken expects an options object ({ tokenUrl, clientId, clientSecret, ... })",
            )
        })
    }

    /// Reads the options named in `names` (a comma-separated JS string);
    /// `expects` says what the caller should pass when `v` is no object.
    pub(crate) fn read(v: &'a JsValue, names: &JsValue, expects: &str) -> Result<Self, Error> {
        if !v.is_object() || Array::is_array(v) {
            return Err(Error::options(format!("{expects}, got {}", type_name(v))));
        }
        let text = text_of(&host::options_json(v, names)).ok_or_else(|| {
            Error::options("the options could not be read; use plain strings, numbers, booleans, arrays and objects")
        })?;
        let members = json::parse_object(&text)
            .map_err(|_| Error::options("the options could not be read"))?
            .into_iter()
            .map(|m| (m.name.into_owned(), m.kind, m.raw.to_owned()))
            .collect();
        Ok(Options { js: v, members })
    }

    /// The member `name`, unless absent or null.
    #[inline(never)]
    pub(crate) fn get(&self, name: &str) -> Option<(Kind, &str)> {
        self.members
            .iter()
            .find(|(n, _, _)| n == name)
            .filter(|(_, kind, _)| *kind != Kind::Null)
            .map(|(_, kind, raw)| (*kind, raw.as_str()))
    }

    /// The member `name` read from the object itself, for values JSON can't
    /// carry (functions, a store object).
    pub(crate) fn value(&self, name: &str) -> JsValue {
        Reflect::get(self.js, &JsValue::from_str(name)).unwrap_or(JsValue::UNDEFINED)
    }

    #[inline(never)]
    pub(crate) fn string(&self, name: &str) -> Result<Option<String>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some((Kind::String, raw)) => Ok(Some(string_value(raw).ok_or_else(|| {
                Error::options(format!("{name} contains an unpaired UTF-16 surrogate"))
            })?)),
            Some((kind, _)) => Err(Error::options(format!(
                "{name} must be a string, got {}",
                kind_name(kind)
            ))),
        }
    }

    pub(crate) fn required_string(&self, name: &str) -> Result<String, Error> {
        self.string(name)?
            .ok_or_else(|| Error::options(format!("{name} is required")))
    }

    /// A string or an array of strings.
    #[inline(never)]
    pub(crate) fn strings(&self, name: &str) -> Result<Vec<String>, Error> {
        let wrong = || Error::options(format!("{name} must be a string or an array of strings"));
        match self.get(name) {
            None => Ok(Vec::new()),
            Some((Kind::String, _)) => Ok(self.string(name)?.into_iter().collect()),
            Some((Kind::Array, raw)) => json::parse_array(raw)
                .map_err(|_| wrong())?
                .into_iter()
                .map(|(kind, raw)| match kind {
                    Kind::String => string_value(raw).ok_or_else(wrong),
                    _ => Err(wrong()),
                })
                .collect(),
            Some(_) => Err(wrong()),
        }
    }

    #[inline(never)]
    pub(crate) fn bool(&self, name: &str) -> Result<bool, Error> {
        match self.get(name) {
            None => Ok(false),
            Some((Kind::Bool, raw)) => Ok(raw == "true"),
            Some(_) => Err(Error::options(format!("{name} must be true or false"))),
        }
    }

    /// A finite number. Read from the object itself, so the core needs no
    /// float parser.
    #[inline(never)]
    pub(crate) fn number(&self, name: &str) -> Result<Option<f64>, Error> {
        match self.get(name) {
            None => Ok(None),
            Some((Kind::Number, _)) => Reflect::get(self.js, &JsValue::from_str(name))
                .ok()
                .and_then(|v| v.as_f64())
                .map(Some)
                .ok_or_else(|| Error::options(format!("{name} could not be read"))),
            Some(_) => Err(Error::options(format!("{name} must be a finite number"))),
        }
    }

    /// A plain object of string (or number, or boolean) values, in order.
    fn params(&self, name: &str) -> Result<Vec<(String, String)>, Error> {
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

    #[inline(never)]
    pub(crate) fn signal(&self) -> Result<Option<AbortSignal>, Error> {
        let v = Reflect::get(self.js, &JsValue::from_str("signal")).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() || v.is_null() {
            return Ok(None);
        }
        v.dyn_into::<AbortSignal>()
            .map(Some)
            .map_err(|_| Error::options("signal must be an AbortSignal"))
    }
}

/// A JSON string literal's value.
fn string_value(raw: &str) -> Option<String> {
    json::unescape(&raw[1..raw.len() - 1]).map(|s| s.into_owned())
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Object => "an object",
        Kind::Array => "an array",
        Kind::String => "a string",
        Kind::Number => "a number",
        Kind::Bool => "a boolean",
        Kind::Null => "null",
    }
}

/// A URL, parsed by the host's WHATWG `URL`, as the core's [`Endpoint`].
#[inline(never)]
pub(crate) fn parse_url(name: &str, text: &str) -> Result<Endpoint, Error> {
    let invalid = || {
        Error::options(format!(
            "{name} is not an absolute URL: \"{}\"",
            crate::error::excerpt(text)
        ))
    };
    let parts = text_of(&host::parse_url(text)).ok_or_else(invalid)?;
    let mut parts = parts.splitn(5, '\n');
    let mut next = || parts.next().ok_or_else(invalid);
    let scheme = next()?.trim_end_matches(':').to_owned();
    let host = next()?.to_owned();
    let has_userinfo = next()? == "1";
    let has_fragment = next()? == "1";
    let href = next()?.to_owned();
    Ok(Endpoint {
        href,
        scheme,
        host,
        has_userinfo,
        has_fragment,
    })
}
