//! Diagnostic, not a target: a fixed amount of work for callgrind to count,
//! so that changes to the JSON reader and base64url can be compared by
//! instructions, which this noisy machine does not disturb:
//!
//!   cargo build --release --example json-instructions
//!   valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/json-instructions json     # or b64, decode
//!
//! Divide the "I refs" it prints by 10,000 for one call on the seed token's
//! payload (a little start-up is included).
use client_credentials::{base64url, json, jwt};

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "decode".into());
    let token = std::fs::read_to_string("tests/fixtures/seed-token.txt")
        .expect("run from the repository root");
    let token = token.trim();
    let payload_b64 = token.split('.').nth(1).expect("a JWT");
    let payload =
        String::from_utf8(base64url::decode(payload_b64).expect("base64url")).expect("UTF-8");
    for _ in 0..10_000 {
        match which.as_str() {
            "json" => drop(std::hint::black_box(json::parse_object(
                std::hint::black_box(&payload),
            ))),
            "b64" => drop(std::hint::black_box(base64url::decode(
                std::hint::black_box(payload_b64),
            ))),
            _ => drop(std::hint::black_box(jwt::decode(std::hint::black_box(
                token,
            )))),
        }
    }
}
