//! The wasm-bindgen faces of the core: JS values in, Rust types, JS values
//! out. Nothing here decides anything; the rules live in the pure modules
//! beside this folder, which never import `wasm_bindgen`.
//!
//! Each package entry loads a wasm built with only the faces it exports
//! (Cargo features, one crate): `/decode` has [`decode`] alone, `/verify`
//! adds [`verifier`], `/client` adds [`session`], and `.` has them all.
//!
//! - [`decode`]: `decodeJwt`, and every error as a `ClientCredentialsError`.
//! - `host`: raw bindings to `host.js`, the host APIs batched per crossing.
//! - [`exports`]: the options reader and the errors of the JS layer's I/O,
//!   shared by `/verify` and `/client`.
//! - [`session`] and [`client_config`]: a configured client that hands each
//!   HTTP request to JavaScript (`src/js/client.js`) and reads each response
//!   (sans-I/O), and its validated options.
//! - [`server_client`]: what a session and an introspector share as clients
//!   of the authorization server (discovery, client authentication,
//!   redaction).
//! - [`introspector`]: token introspection (RFC 7662), for
//!   `src/js/introspection.js`; in `/verify` and `.` (the `introspection`
//!   feature), without the token client.
//! - [`verifier`]: `verifyJwt`'s checks and a `JwksClient`'s key set, for
//!   `src/js/verify.js`.

pub mod decode;
mod host;

#[cfg(any(feature = "verify", feature = "client"))]
pub mod exports;

#[cfg(any(feature = "client", feature = "introspection"))]
pub mod client_config;
#[cfg(any(feature = "client", feature = "introspection"))]
pub mod server_client;
#[cfg(feature = "client")]
pub mod session;

#[cfg(feature = "introspection")]
pub mod introspector;

#[cfg(feature = "verify")]
pub mod verifier;
