//! The OAuth 2.0 Client Credentials grant (RFC 6749 §4.4): building the token
//! request and reading the token response, with no I/O. The caller sends the
//! [`HttpRequest`] however it likes (the wasm build hands it to `src/js/http.js` through `session`) and
//! hands the answer to [`parse_token_response`], so every rule here is
//! tested natively without a server. [`introspection`] does the same for
//! RFC 7662 token introspection, with the same client authentication.

pub mod assertion;
mod client_auth;
pub mod discovery;
mod endpoint;
pub mod introspection;
mod request;
mod response;

pub use client_auth::{BasicEncoding, ClientAuth, Credentials};
pub use endpoint::Endpoint;
pub use request::check_timeout;
pub use request::{HttpRequest, TokenRequest, DEFAULT_TIMEOUT_MS};
pub use response::{parse_token_response, parse_token_response_with, HttpResponse, Token};
