//! Raw bindings to `src/host.js`: the host's JavaScript APIs (URL, fetch,
//! AbortController, timers, result objects), batched so that each use
//! crosses the wasm boundary once. Kept apart from the safe API, as
//! workers-rs keeps `worker-sys` apart from `worker`; callers are
//! [`crate::http`] and [`crate::exports`].

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

#[wasm_bindgen(module = "/src/host.js")]
extern "C" {
    /// Copies a string token into `dst`: its length, or -1 (not a string),
    /// -2 (longer than `dst`), -3 (not ASCII).
    pub fn copy_token(token: &JsValue, dst: &mut [u8]) -> i32;

    /// The options named in `names` (comma-separated) as JSON text.
    pub fn options_json(options: &JsValue, names: &str) -> Option<String>;

    /// `protocol \n hostname \n userinfo(0|1) \n fragment(0|1) \n href`.
    pub fn parse_url(text: &str) -> Option<String>;

    pub type Exchange;

    #[wasm_bindgen(constructor, catch)]
    pub fn new(timeout_ms: u32, caller: Option<AbortSignal>) -> Result<Exchange, JsValue>;

    #[wasm_bindgen(method, catch)]
    pub fn fetch(
        this: &Exchange,
        url: &str,
        method: &str,
        content_type: Option<&str>,
        authorization: Option<&str>,
        body: Option<&str>,
        redirect: &str,
    ) -> Result<Promise, JsValue>;

    /// 1: the timer fired; 2: the caller's signal aborted; 0: neither.
    #[wasm_bindgen(method)]
    pub fn stop_reason(this: &Exchange) -> u8;

    #[wasm_bindgen(method)]
    pub fn finish(this: &Exchange);

    /// `status \n type \n location \n retry-after \n www-authenticate \n
    /// content-length`, the length empty when the body is encoded.
    pub fn response_meta(response: &JsValue) -> String;

    /// Resolves to the whole body as a `Uint8Array`.
    pub fn read_all(response: &JsValue) -> Promise;

    /// Resolves to the next chunk (`Uint8Array`) of a stream reader, or
    /// `undefined` at the end.
    pub fn read_chunk(reader: &JsValue) -> Promise;

    /// `{ accessToken, tokenType, expiresIn, expiresAt, scope, raw }`, with
    /// `raw` parsed from JSON text the core has validated.
    pub fn token_result(
        access_token: &str,
        token_type: &str,
        expires_in: Option<f64>,
        expires_at: Option<f64>,
        scope: Option<String>,
        raw: &str,
    ) -> JsValue;
}
