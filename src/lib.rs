//! OAuth 2.0 Client Credentials tokens (RFC 6749 §4.4) and JWT decoding for
//! JavaScript runtimes, compiled to WebAssembly.
//!
//! The crate is a pure Rust core that `cargo test` covers natively, plus a
//! thin wasm layer:
//!
//! - [`jwt`], [`json`], [`base64url`]: decoding compact JWTs (not verifying);
//!   `simd` (wasm with simd128 only) does their hot loops 16 bytes at a time.
//! - [`form`], [`oauth`]: building the token request with the chosen client
//!   authentication and reading the token response, with no I/O; the
//!   introspection request and response (RFC 7662) likewise.
//! - [`verify`], [`jwk`]: verifying JWTs (not the signature math, which is
//!   WebCrypto's, in `src/js/webcrypto.js`): header and claim rules, reading
//!   JWKs and key sets, choosing keys, when to refetch a remote set.
//! - [`oauth::assertion`], [`dpop`]: the header and claims of client
//!   assertions (RFC 7523) and DPoP proofs (RFC 9449); `src/js/signing.js`
//!   signs them through WebCrypto.
//! - [`error`]: the one error type, with stable codes; never holds a secret.
//! - [`cache`]: when a cached token is fresh, when to refresh it in the
//!   background and when it may no longer be handed out, against an
//!   injected clock; [`backoff`]: when to retry a failed background refresh.
//! - [`verified_cache`]: what `verifyJwt`'s cache of verified tokens may
//!   keep, and the span over which a kept token's time claims hold.
//! - [`store`]: a token shared between instances through Redis, KV or the
//!   Cache API: the entry's key derivation inputs, format and checks.
//! - `wasm` (wasm only, `src/wasm/`): the wasm-bindgen faces. `exports`
//!   (`decodeJwt` and the option reader), `session` (a configured client
//!   that hands each HTTP request to JavaScript and reads each response,
//!   sans-I/O) and `verifier` (`verifyJwt`'s checks and a `JwksClient`'s
//!   key set). Only this folder imports `wasm_bindgen`.
//!
//! The JavaScript half is in `src/js/`: `client.js`
//! (`fetchClientCredentialsToken`, `TokenClient`), `verify.js`, and
//! `http.js`, the one place that calls `fetch`; `src/entries/` has one small
//! file per runtime.
//!
//! Data flows one way: JS options → validated [`oauth::TokenRequest`] →
//! [`oauth::HttpRequest`] → fetch (JS) → [`oauth::HttpResponse`] →
//! [`oauth::Token`] → JS object.

pub mod backoff;
pub mod base64url;
pub mod cache;
pub mod dpop;
pub mod error;
pub mod form;
pub mod json;
pub mod jwk;
pub mod jwt;
pub mod oauth;
pub mod secret;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd;
pub mod store;
pub mod verified_cache;
pub mod verify;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use error::Error;
