//! Raw bindings to `src/wasm/host.js`: the host's JavaScript APIs (`URL`,
//! `TextEncoder`, `JSON`, result objects), batched so that each use crosses
//! the wasm boundary once. Kept apart from the safe API, as workers-rs keeps
//! `worker-sys` apart from `worker`; the caller is [`crate::wasm::exports`].

use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/host.js")]
extern "C" {
    /// Copies a string token into `dst`: its length, or -1 (not a string),
    /// -2 (longer than `dst`), -3 (not ASCII).
    pub fn copy_token(token: &JsValue, dst: &mut [u8]) -> i32;

    /// Copies a string into `dst` as UTF-8 with one `encodeInto`: the bytes
    /// written, or -1 (not a string), or -2 (`dst` may be too small: it
    /// needs three bytes per UTF-16 unit). wasm-bindgen's own conversion
    /// walks an ASCII string a character at a time in JavaScript, which
    /// measured as an eighth of building a token request.
    pub fn copy_text(text: &JsValue, dst: &mut [u8]) -> i32;

    /// The options named in `names` (a comma-separated JS string) as JSON
    /// text (a JS string), or undefined.
    pub fn options_json(options: &JsValue, names: &JsValue) -> JsValue;

    /// `{ header, payload, signature }`: `json` (`{"header":…,"payload":…}`,
    /// validated by the core) parsed, and the signature sliced from `token`
    /// at `signature_start`.
    #[wasm_bindgen(catch)]
    pub fn decoded_jwt(
        json: &str,
        token: &JsValue,
        signature_start: u32,
    ) -> Result<JsValue, JsValue>;

    /// `protocol \n hostname \n userinfo(0|1) \n fragment(0|1) \n href`
    /// (a JS string), or undefined.
    pub fn parse_url(text: &str) -> JsValue;

    /// A `ClientCredentialsError` (the class every entry shares) with
    /// `message`; its `code` and details are set by the caller.
    pub fn new_error(message: &str) -> js_sys::Error;

    /// Fills `dst` from `crypto.getRandomValues`.
    pub fn random_bytes(dst: &mut [u8]);

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

    /// `{ json, alg, kid, data, signature, signatureError, claimsError, validFrom, validUntil }`
    /// for `verifyJwt`: `json` (`{"header":…,"payload":…}`, validated by the
    /// core) left as text, for `src/js/verify.js` to parse while WebCrypto
    /// checks the signature; the signing input and the signature copied out
    /// of wasm memory (both are views, valid only during the call); the
    /// two verdicts the core holds back; and, when the claims passed, the
    /// span over which they hold (`crate::verified_cache::Validity`), NaN
    /// otherwise.
    pub fn checked_jwt(
        json: &str,
        alg: &str,
        kid: Option<&str>,
        data: &[u8],
        signature: &[u8],
        signature_error: JsValue,
        claims_error: JsValue,
        valid_from_ms: f64,
        valid_until_ms: f64,
    ) -> JsValue;
}
