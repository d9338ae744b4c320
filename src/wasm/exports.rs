//! The options reader that `/verify` and `/client` share: JS values in,
//! Rust types out, and the errors `src/js/http.js` and the stores meet.
//!
//! Nothing here decides anything: options arrive as JSON text in one
//! crossing (far smaller in wasm than serde-wasm-bindgen, 18 KB against 45
//! KB gzip on a prototype) and are validated by the core.

use crate::error::Error;
use crate::json::{self, Kind};
use crate::jwt;
use crate::oauth::Endpoint;
use crate::store::StoreShape;
use crate::wasm::decode::{to_js, type_name};
use crate::wasm::host;
use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;

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
    /// Where [`text_of`] copies strings in.
    static TEXT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
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

    /// Checks the `fetch` option: absent, or a function with the global
    /// `fetch`'s signature, for a proxy (an undici dispatcher), mTLS,
    /// tracing or a test double. JavaScript reads it once the options pass.
    /// Only the transport is replaced: the core still checks every URL
    /// before a call, and `src/js/http.js` still asks for `redirect:
    /// "manual"` with credentials, times the exchange and caps the body it
    /// reads, as with jose's and oauth4webapi's `customFetch`.
    pub(crate) fn check_fetch(&self) -> Result<(), Error> {
        let v = self.value("fetch");
        if v.is_undefined() || v.is_null() || v.is_function() {
            return Ok(());
        }
        Err(Error::options(
            "fetch must be a function as the global fetch: (url, init) => Promise<Response>",
        ))
    }
}

/// A JSON string literal's value.
pub(crate) fn string_value(raw: &str) -> Option<String> {
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

/// What the `store` option is (also `JwksClient`'s).
pub(crate) fn store_shape(reader: &Options) -> StoreShape {
    let value = reader.value("store");
    if value.is_undefined() || value.is_null() {
        StoreShape::Absent
    } else if !value.is_object() {
        StoreShape::NotObject
    } else {
        let is_fn = |name: &str| {
            js_sys::Reflect::get(&value, &JsValue::from_str(name))
                .map(|f| f.is_function())
                .unwrap_or(false)
        };
        StoreShape::Object {
            get: is_fn("get"),
            set: is_fn("set"),
            delete: is_fn("delete"),
            lock: is_fn("lock"),
            unlock: is_fn("unlock"),
        }
    }
}

/// `onStoreError`: `None` absent (or null), else whether it is a function.
pub(crate) fn on_store_error_shape(reader: &Options) -> Option<bool> {
    let on_error = reader.value("onStoreError");
    (!on_error.is_undefined() && !on_error.is_null()).then(|| on_error.is_function())
}

/// An option that must be a function when given (null counts as absent).
pub(crate) fn check_function(reader: &Options, name: &str, what: &str) -> Result<(), Error> {
    let value = reader.value(name);
    if value.is_undefined() || value.is_null() || value.is_function() {
        Ok(())
    } else {
        Err(Error::options(format!("{name} must be a function: {what}")))
    }
}

/// A number in `[0, 1)` from `crypto.getRandomValues`, for the backoff's
/// jitter.
pub(crate) fn random() -> f64 {
    let mut bytes = [0; 4];
    crate::wasm::host::random_bytes(&mut bytes);
    f64::from(u32::from_le_bytes(bytes)) / 4_294_967_296.0
}

/// Errors that `src/js/http.js` meets, built here so that every message and
/// code comes from [`Error`]: `kind` 0 network (`detail` is what the
/// runtime said), 1 timeout (`limit` ms), 2 aborted, 3 a body over `limit`
/// bytes, 4 bad `client.fetch` arguments, 5 more than `limit` redirects,
/// 6 a failed token store call (`detail` says which and why), 7 a store
/// adapter given something that is not a store, 8 a key `src/js/signing.js`
/// can't use (`detail` says what it expected, uncut; it never holds key
/// material), 9 a failed key set store call (as 6, for `JwksClient`).
#[wasm_bindgen(js_name = hostError, skip_typescript)]
pub fn host_error(kind: u8, detail: &str, limit: u32) -> JsValue {
    if kind == 8 {
        return to_js(Error::options(detail));
    }
    let detail = crate::error::excerpt(detail);
    to_js(match kind {
        0 => Error::Network(detail),
        1 => Error::Timeout { timeout_ms: limit },
        2 => Error::Aborted,
        3 => Error::response(format!(
            "the response body is larger than {limit} bytes, far more than a token response; check that the URL is the token endpoint"
        )),
        4 => Error::options(format!("client.fetch: {detail}")),
        6 => Error::Store(detail),
        9 => Error::KeySetStore(detail),
        7 => Error::options(detail),
        _ => Error::Network(format!("client.fetch: more than {limit} redirects")),
    })
}
