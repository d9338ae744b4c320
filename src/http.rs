//! The one place that talks to `fetch`.
//!
//! It binds the global `fetch`, `setTimeout` and `clearTimeout`, never
//! `window`, so the same code runs in pages, workers, Node, Deno and workerd
//! (as gloo-net does). Our own binding, rather than gloo-net's request
//! builder, keeps a rejection's `cause` (Node puts `ECONNREFUSED` there) and
//! skips building a `Request` object per call.
//!
//! Rules enforced here, because only here are they visible:
//! - redirects are never followed (`redirect: "manual"`): a redirect would
//!   carry the client credentials to another URL;
//! - one timer covers the whole exchange, body included;
//! - the body is read in chunks and refused past [`MAX_RESPONSE_BYTES`],
//!   without buffering the rest.

use crate::error::{Error, ResponseHints};
use crate::host;
use crate::oauth::{HttpRequest, HttpResponse};
use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

/// Largest response body read, in bytes. A token response is a few KB; a
/// bigger body is a misconfigured URL or an attack on memory.
pub const MAX_RESPONSE_BYTES: usize = 256 * 1024;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &web_sys::Request) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

/// A failed exchange: the error, and the JS error behind it (for `cause`).
pub struct Failure {
    pub error: Error,
    pub cause: Option<JsValue>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure { error, cause: None }
    }
}

/// Sends `request` (a form POST, or a GET without a form) and reads the
/// whole answer, within `timeout_ms`, stopping early if `signal` aborts.
pub async fn send(
    request: &HttpRequest,
    timeout_ms: u32,
    signal: Option<&AbortSignal>,
) -> Result<HttpResponse, Failure> {
    if signal.is_some_and(|s| s.aborted()) {
        return Err(Error::Aborted.into());
    }
    let exchange = host::Exchange::new(timeout_ms, signal.cloned())
        .map_err(|e| network(e, "AbortController or setTimeout is not available"))?;
    let result = run(&exchange, request).await;
    exchange.finish();
    result.map_err(|failure| match exchange.stop_reason() {
        1 => Error::Timeout { timeout_ms }.into(),
        2 => Error::Aborted.into(),
        _ => failure,
    })
}

async fn run(exchange: &host::Exchange, request: &HttpRequest) -> Result<HttpResponse, Failure> {
    let form = request.form.as_ref().map(|f| f.expose());
    let promise = exchange
        .fetch(
            &request.url,
            if form.is_some() { "POST" } else { "GET" },
            form.map(|_| "application/x-www-form-urlencoded"),
            request.authorization.as_ref().map(|a| a.expose()),
            form,
            // Credentials never follow a redirect to another URL.
            if request.has_credentials() {
                "manual"
            } else {
                "follow"
            },
        )
        .map_err(|e| network(e, "fetch failed"))?;
    let response = JsFuture::from(promise)
        .await
        .map_err(|e| network(e, "fetch failed"))?;

    let meta = host::response_meta(&response);
    let mut fields = meta.split('\n');
    let mut next = || fields.next().filter(|f| !f.is_empty()).map(str::to_owned);
    let status = next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let kind = next().unwrap_or_default();
    let mut res = HttpResponse {
        status,
        opaque_redirect: kind == "opaqueredirect",
        location: next(),
        hints: ResponseHints {
            retry_after: next(),
            www_authenticate: next(),
        },
        body: Vec::new(),
    };
    let declared = next().and_then(|l| l.trim().parse::<usize>().ok());
    let response: web_sys::Response = response.unchecked_into();
    if res.opaque_redirect || (300..400).contains(&res.status) {
        cancel(&response);
        return Ok(res);
    }
    res.body = match declared {
        Some(length) if length > MAX_RESPONSE_BYTES => {
            cancel(&response);
            return Err(too_large().into());
        }
        // A declared length within the cap, of a body that is not encoded:
        // read it in one go, which is much cheaper than a stream reader.
        // HTTP framing ends the body at the declared length, so it can't
        // grow past the cap. (An encoded body's length is not declared here:
        // a small gzip body can inflate to gigabytes.)
        Some(_) => {
            let bytes: Uint8Array = JsFuture::from(host::read_all(&response))
                .await
                .map_err(|e| network(e, "the connection failed while reading the response"))?
                .unchecked_into();
            if bytes.length() as usize > MAX_RESPONSE_BYTES {
                return Err(too_large().into());
            }
            bytes.to_vec()
        }
        None => read_stream(&response).await?,
    };
    Ok(res)
}

fn cancel(response: &web_sys::Response) {
    if let Some(body) = response.body() {
        let _ = body.cancel();
    }
}

/// Reads a body of unknown length chunk by chunk, refusing it once it
/// passes the cap, without reading the rest.
async fn read_stream(response: &web_sys::Response) -> Result<Vec<u8>, Failure> {
    let Some(stream) = response.body() else {
        return Ok(Vec::new());
    };
    let reader = stream.get_reader();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(host::read_chunk(&reader))
            .await
            .map_err(|e| network(e, "the connection failed while reading the response"))?;
        if chunk.is_undefined() {
            return Ok(body);
        }
        let Some(bytes) = chunk.dyn_ref::<Uint8Array>() else {
            return Err(Error::Network("the response body is not a byte stream".into()).into());
        };
        let len = bytes.length() as usize;
        if body.len() + len > MAX_RESPONSE_BYTES {
            let _ = reader
                .unchecked_ref::<web_sys::ReadableStreamDefaultReader>()
                .cancel();
            return Err(too_large().into());
        }
        let start = body.len();
        body.resize(start + len, 0);
        bytes.copy_to(&mut body[start..]);
    }
}

fn too_large() -> Error {
    Error::response(format!(
        "the response body is larger than {MAX_RESPONSE_BYTES} bytes, far more than a token response; check that the URL is the token endpoint"
    ))
}

/// A `fetch` rejection as [`Error::Network`], with the most useful detail
/// the runtime gave: Node's `cause` (`connect ECONNREFUSED ...`) after the message.
fn network(e: JsValue, fallback: &str) -> Failure {
    let text = |v: &JsValue, key: &str| {
        Reflect::get(v, &JsValue::from_str(key))
            .ok()
            .and_then(|s| s.as_string())
            .filter(|s| !s.is_empty())
    };
    let message = text(&e, "message").unwrap_or_else(|| fallback.to_owned());
    let detail = match Reflect::get(&e, &JsValue::from_str("cause"))
        .ok()
        .filter(|c| c.is_object())
    {
        Some(cause) => match text(&cause, "message").or_else(|| text(&cause, "code")) {
            Some(detail) => format!("{message}: {detail}"),
            None => message,
        },
        None => message,
    };
    Failure {
        error: Error::Network(crate::error::excerpt(&detail)),
        cause: Some(e),
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `Request` constructor with JS arguments as given, so
    /// `client.fetch` takes exactly what `fetch` takes.
    #[wasm_bindgen(js_name = Request)]
    type RequestCtor;
    #[wasm_bindgen(catch, constructor, js_class = "Request")]
    fn construct(input: &JsValue, init: &JsValue) -> Result<RequestCtor, JsValue>;
}

/// Most redirects `client.fetch` follows within the caller's origin.
const MAX_REDIRECTS: u8 = 5;

/// `fetch(input, init)` with `Authorization: Bearer <token>` added and the
/// caller's other headers kept.
///
/// The token never goes to an origin other than the caller's: redirects are
/// handled here (`redirect: "manual"`), followed only within the same
/// origin and only for requests without a body; any other redirect is
/// returned to the caller unfollowed. (Browsers hide redirect targets, so
/// there the redirect response itself is returned.)
pub async fn authorized_fetch(
    input: &JsValue,
    init: &JsValue,
    token: &JsValue,
) -> Result<web_sys::Response, JsValue> {
    let access_token = Reflect::get(token, &JsValue::from_str("accessToken"))?
        .as_string()
        .unwrap_or_default();
    let bearer = format!("Bearer {access_token}");
    let caller = RequestCtor::construct(input, init).map_err(|e| {
        crate::exports::to_js(Error::options(format!("client.fetch: {}", js_message(&e))))
    })?;
    let caller: web_sys::Request = caller.unchecked_into();
    let origin = web_sys::Url::new(&caller.url())?.origin();
    let manual = js_sys::Object::new();
    Reflect::set(&manual, &"redirect".into(), &"manual".into())?;
    let mut request: web_sys::Request =
        RequestCtor::construct(&caller.into(), &manual)?.unchecked_into();
    for _ in 0..=MAX_REDIRECTS {
        request.headers().set("Authorization", &bearer)?;
        let response: web_sys::Response = JsFuture::from(global_fetch(&request))
            .await
            .map_err(|e| crate::exports::failure_to_js(network(e, "fetch failed")))?
            .unchecked_into();
        let location = response.headers().get("location").ok().flatten();
        let (true, Some(location)) = ((300..400).contains(&response.status()), location) else {
            return Ok(response);
        };
        let next = web_sys::Url::new_with_base(&location, &request.url())?;
        let bodiless = matches!(request.method().as_str(), "GET" | "HEAD");
        if next.origin() != origin || !bodiless {
            return Ok(response);
        }
        let init = js_sys::Object::new();
        Reflect::set(&init, &"method".into(), &request.method().into())?;
        Reflect::set(&init, &"headers".into(), &request.headers())?;
        Reflect::set(&init, &"redirect".into(), &"manual".into())?;
        Reflect::set(&init, &"signal".into(), &request.signal())?;
        request = RequestCtor::construct(&next.href().into(), &init)?.unchecked_into();
    }
    Err(crate::exports::to_js(Error::Network(format!(
        "client.fetch: more than {MAX_REDIRECTS} redirects"
    ))))
}

/// Whether `fetch(input, init)` can be sent twice: not when the body is a
/// stream, which the first attempt consumes.
pub fn replayable(input: &JsValue, init: &JsValue) -> bool {
    if let Some(request) = input.dyn_ref::<web_sys::Request>() {
        if request.body().is_some() {
            return false;
        }
    }
    let body = if init.is_object() {
        Reflect::get(init, &"body".into()).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    };
    !body.is_instance_of::<web_sys::ReadableStream>()
}

/// A promise that resolves to `value` after `ms`, and its timer.
pub fn resolve_after(ms: u32, value: &JsValue) -> (Promise, JsValue) {
    let mut timer = JsValue::UNDEFINED;
    let value = value.clone();
    let promise = Promise::new(&mut |resolve, _| {
        let value = value.clone();
        let fire = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &value);
        });
        timer = set_timeout(fire.unchecked_ref(), ms.min(i32::MAX as u32) as i32);
    });
    (promise, timer)
}

/// Cancels a timer from [`resolve_after`].
pub fn cancel_timer(timer: &JsValue) {
    clear_timeout(timer);
}

fn js_message(e: &JsValue) -> String {
    Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "invalid arguments".into())
}
