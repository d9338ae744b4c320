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
//! - [`verifier`]: `verifyJwt`'s checks and a `JwksClient`'s key set, for
//!   `src/js/verify.js`.

pub mod decode;
mod host;

#[cfg(any(feature = "verify", feature = "client"))]
pub mod exports;

#[cfg(feature = "client")]
pub mod client_config;
#[cfg(feature = "client")]
pub mod session;

#[cfg(feature = "verify")]
pub mod verifier;
