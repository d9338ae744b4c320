//! OAuth 2.0 Client Credentials tokens (RFC 6749 §4.4) and JWT decoding for
//! JavaScript runtimes, compiled to WebAssembly.
//!
//! The crate is a pure Rust core that `cargo test` covers natively, plus a
//! thin wasm layer:
//!
//! - [`jwt`], [`json`], [`base64url`]: decoding compact JWTs (not verifying);
//!   `simd` (wasm with simd128 only) does their hot loops 16 bytes at a time.
//! - [`form`], [`oauth`]: building the token request with the chosen client
//!   authentication and reading the token response, with no I/O.
//! - [`verify`], [`jwk`]: verifying JWTs (not the signature math, which is
//!   WebCrypto's, in `src/webcrypto.js`): header and claim rules, reading
//!   JWKs and key sets, choosing keys, when to refetch a remote set.
//! - [`oauth::assertion`], [`dpop`]: the header and claims of client
//!   assertions (RFC 7523) and DPoP proofs (RFC 9449); `src/signing.js`
//!   signs them through WebCrypto.
//! - [`error`]: the one error type, with stable codes; never holds a secret.
//! - [`cache`]: when a cached token is fresh, against an injected clock.
//! - [`store`]: a token shared between instances through Redis, KV or the
//!   Cache API: the entry's key derivation inputs, format and checks.
//! - `exports` (wasm only): `decodeJwt` and the option reader. JS values
//!   in, Rust types, JS values out.
//! - `session` (wasm only): a configured client that hands each HTTP
//!   request to JavaScript and reads each response (sans-I/O). The JS side
//!   is `src/client.js` (`fetchClientCredentialsToken`, `TokenClient`) and
//!   `src/http.js`, the one place that calls `fetch`.
//! - `verifier` (wasm only): `verifyJwt`'s checks and a `JwksClient`'s key
//!   set for `src/verify.js`, which fetches through `src/http.js` and
//!   verifies signatures through `src/webcrypto.js`.
//!
//! Data flows one way: JS options → validated [`oauth::TokenRequest`] →
//! [`oauth::HttpRequest`] → fetch (JS) → [`oauth::HttpResponse`] →
//! [`oauth::Token`] → JS object.

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
pub mod verify;

#[cfg(target_arch = "wasm32")]
pub mod exports;
#[cfg(target_arch = "wasm32")]
mod host;
#[cfg(target_arch = "wasm32")]
pub mod session;
#[cfg(target_arch = "wasm32")]
pub mod verifier;

pub use error::Error;
