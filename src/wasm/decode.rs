//! `decodeJwt`, and every [`Error`] as a JS `ClientCredentialsError`: the
//! part of the wasm faces that every entry has, `/decode` alone included.

use crate::error::Error;
use crate::jwt;
use crate::wasm::host;
use js_sys::{Array, JsString, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

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

thread_local! {
    /// The decoder's buffers, reused from one `decodeJwt` to the next.
    static DECODER: std::cell::RefCell<jwt::Decoder> = std::cell::RefCell::new(jwt::Decoder::default());

    /// Where tokens are copied in: one buffer of [`jwt::MAX_TOKEN_LENGTH`]
    /// bytes, allocated on first use, instead of an allocation per call.
    static SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// The JS `Error` for `e`: its message, `name`, `code`, and for server
/// answers the details a caller acts on.
pub(crate) fn to_js(e: Error) -> JsValue {
    let err = host::new_error(&e.to_string());
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
