//! The wasm-bindgen faces of the core: JS values in, Rust types, JS values
//! out. Nothing here decides anything; the rules live in the pure modules
//! beside this folder, which never import `wasm_bindgen`.
//!
//! - [`exports`]: `decodeJwt` and the option reader.
//! - `host`: raw bindings to `host.js`, the host APIs batched per crossing.
//! - [`session`]: a configured client that hands each HTTP request to
//!   JavaScript (`src/js/client.js`) and reads each response (sans-I/O).
//! - [`verifier`]: `verifyJwt`'s checks and a `JwksClient`'s key set, for
//!   `src/js/verify.js`.

pub mod exports;
mod host;
pub mod session;
pub mod verifier;
