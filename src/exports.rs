//! The JavaScript API: JS values in, Rust types, JS values out.
//!
//! Nothing here decides anything: options are read with `Reflect` (far
//! smaller in wasm than serde-wasm-bindgen, 18 KB against 45 KB gzip on a
//! prototype), validated by the core, and every [`Error`] becomes a JS
//! `Error` named `ClientCredentialsError` with its `code` and details.

use crate::error::Error;
use crate::http;
use crate::jwt;
use crate::oauth::{ClientAuth, Credentials, Endpoint, Token, TokenRequest};
use crate::secret::Secret;
use js_sys::{Array, JsString, Object, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, Url};

/// Decodes a compact JWS JWT without verifying it. Returns
/// `{ header, payload, signature }`.
#[wasm_bindgen(js_name = decodeJwt, skip_typescript)]
pub fn decode_jwt(token: JsValue) -> Result<JsValue, JsValue> {
    let Some(js) = token.dyn_ref::<JsString>() else {
        return Err(to_js(Error::jwt(format!(
            "decodeJwt expects the token as a string, got {}",
            type_name(&token)
        ))));
    };
    // Refuse an oversized token before copying it into wasm memory.
    jwt::check_length(js.length() as usize).map_err(to_js)?;
    let token = String::from(js);
    let decoded = jwt::decode(&token).map_err(to_js)?;
    JSON::parse(decoded.as_json())
        .map_err(|_| to_js(Error::jwt("the JWT's JSON could not be parsed")))
}

/// Requests an access token with the Client Credentials grant.
#[wasm_bindgen(js_name = fetchClientCredentialsToken, skip_typescript)]
pub async fn fetch_client_credentials_token(options: JsValue) -> Result<JsValue, JsValue> {
    let options = Options::new(&options).map_err(to_js)?;
    let request = token_request(&options).map_err(to_js)?;
    let signal = options.signal().map_err(to_js)?;
    let http_request = request.to_http();
    let response = http::post_form(&http_request, request.timeout_ms, signal.as_ref())
        .await
        .map_err(|f| with_cause(to_js(f.error), f.cause))?;
    let secrets = request.secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    let token = crate::oauth::parse_token_response(&response, js_sys::Date::now(), &secrets)
        .map_err(to_js)?;
    token_to_js(&token)
}

fn token_request(options: &Options) -> Result<TokenRequest, Error> {
    let endpoint = options.url("tokenUrl")?;
    let credentials = Credentials::new(
        options.required_string("clientId")?,
        Secret::new(options.required_string("clientSecret")?),
    )?;
    let auth = match options.string("authMethod")? {
        Some(name) => ClientAuth::from_name(&name)?,
        None => ClientAuth::default(),
    };
    TokenRequest::new(
        endpoint.check("tokenUrl", options.bool("allowInsecureHttp")?)?,
        credentials,
        auth,
        options.strings("scope")?,
        options.string("audience")?,
        options.strings("resource")?,
        options.params("extraParams")?,
        options.number("timeoutMs")?,
    )
}

fn token_to_js(token: &Token) -> Result<JsValue, JsValue> {
    let out = Object::new();
    let raw = JSON::parse(token.raw_json.expose())
        .map_err(|_| to_js(Error::response("the token response could not be parsed")))?;
    set(&out, "accessToken", &token.access_token.expose().into());
    set(&out, "tokenType", &token.token_type.as_str().into());
    set(&out, "expiresIn", &opt(token.expires_in.map(|s| s as f64)));
    set(&out, "expiresAt", &opt(token.expires_at_ms));
    set(
        &out,
        "scope",
        &token
            .scope
            .as_deref()
            .map_or(JsValue::UNDEFINED, JsValue::from_str),
    );
    set(&out, "raw", &raw);
    Ok(out.into())
}

fn opt(v: Option<f64>) -> JsValue {
    v.map_or(JsValue::UNDEFINED, JsValue::from_f64)
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
    let str_or_undefined =
        |v: &Option<String>| v.as_deref().map_or(JsValue::UNDEFINED, JsValue::from_str);
    match &e {
        Error::OAuth {
            status,
            error,
            description,
            uri,
            hints,
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

fn with_cause(err: JsValue, cause: Option<JsValue>) -> JsValue {
    if let Some(cause) = cause {
        set(&err, "cause", &cause);
    }
    err
}

fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        "null".into()
    } else if Array::is_array(v) {
        "an array".into()
    } else {
        v.js_typeof().as_string().unwrap_or_default()
    }
}

/// Typed reads of the options object. Each failure names the option and the
/// type it wants.
struct Options<'a>(&'a JsValue);

impl<'a> Options<'a> {
    fn new(v: &'a JsValue) -> Result<Self, Error> {
        if !v.is_object() || Array::is_array(v) {
            return Err(Error::options(format!(
                "fetchClientCredentialsToken expects an options object ({{ tokenUrl, clientId, clientSecret, ... }}), got {}",
                type_name(v)
            )));
        }
        Ok(Options(v))
    }

    fn get(&self, name: &str) -> Result<Option<JsValue>, Error> {
        let v = Reflect::get(self.0, &JsValue::from_str(name))
            .map_err(|_| Error::options(format!("the option {name} could not be read")))?;
        Ok(if v.is_undefined() || v.is_null() {
            None
        } else {
            Some(v)
        })
    }

    fn string(&self, name: &str) -> Result<Option<String>, Error> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v.as_string().map(Some).ok_or_else(|| {
                Error::options(format!("{name} must be a string, got {}", type_name(&v)))
            }),
        }
    }

    fn required_string(&self, name: &str) -> Result<String, Error> {
        self.string(name)?
            .ok_or_else(|| Error::options(format!("{name} is required")))
    }

    /// A string or an array of strings.
    fn strings(&self, name: &str) -> Result<Vec<String>, Error> {
        let Some(v) = self.get(name)? else {
            return Ok(Vec::new());
        };
        if let Some(s) = v.as_string() {
            return Ok(vec![s]);
        }
        let wrong = || Error::options(format!("{name} must be a string or an array of strings"));
        if !Array::is_array(&v) {
            return Err(wrong());
        }
        Array::from(&v)
            .iter()
            .map(|item| item.as_string().ok_or_else(wrong))
            .collect()
    }

    fn bool(&self, name: &str) -> Result<bool, Error> {
        match self.get(name)? {
            None => Ok(false),
            Some(v) => v
                .as_bool()
                .ok_or_else(|| Error::options(format!("{name} must be true or false"))),
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, Error> {
        match self.get(name)? {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .map(Some)
                .ok_or_else(|| Error::options(format!("{name} must be a number"))),
        }
    }

    /// A plain object of string (or number, or boolean) values, in order.
    fn params(&self, name: &str) -> Result<Vec<(String, String)>, Error> {
        let Some(v) = self.get(name)? else {
            return Ok(Vec::new());
        };
        if !v.is_object() || Array::is_array(&v) {
            return Err(Error::options(format!(
                "{name} must be an object of string values"
            )));
        }
        Object::entries(v.unchecked_ref())
            .iter()
            .map(|entry| {
                let entry = Array::from(&entry);
                let key = entry.get(0).as_string().unwrap_or_default();
                let value = entry.get(1);
                let value = if let Some(s) = value.as_string() {
                    s
                } else if let Some(b) = value.as_bool() {
                    if b { "true" } else { "false" }.to_owned()
                } else if value.as_f64().is_some() {
                    js_sys::Number::from(value)
                        .to_string_with_radix(10)
                        .map(String::from)
                        .unwrap_or_default()
                } else {
                    return Err(Error::options(format!(
                        "{name}.{key} must be a string, number or boolean"
                    )));
                };
                Ok((key, value))
            })
            .collect()
    }

    fn signal(&self) -> Result<Option<AbortSignal>, Error> {
        match self.get("signal")? {
            None => Ok(None),
            Some(v) => v
                .dyn_into::<AbortSignal>()
                .map(Some)
                .map_err(|_| Error::options("signal must be an AbortSignal")),
        }
    }

    /// A URL option, parsed by the host's WHATWG `URL`.
    fn url(&self, name: &str) -> Result<Endpoint, Error> {
        let text = self.required_string(name)?;
        let url = Url::new(&text).map_err(|_| {
            Error::options(format!(
                "{name} is not an absolute URL: \"{}\"",
                crate::error::excerpt(&text)
            ))
        })?;
        Ok(Endpoint {
            href: url.href(),
            scheme: url.protocol().trim_end_matches(':').to_owned(),
            host: url.hostname(),
            has_userinfo: !url.username().is_empty() || !url.password().is_empty(),
            has_fragment: !url.hash().is_empty(),
        })
    }
}
