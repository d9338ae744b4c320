//! Strict base64url (RFC 4648 §5) as JWS requires (RFC 7515 §2): the URL-safe
//! alphabet, no padding, no whitespace, and no stray bits in the last
//! character, so every token has exactly one encoding.

use base64::alphabet::URL_SAFE;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

const STRICT: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(false),
);

/// Decodes `input`, appending the bytes to `out`. On failure `out` may hold
/// a partial result; callers discard it.
pub fn decode_into(input: &str, out: &mut Vec<u8>) -> Result<(), base64::DecodeError> {
    STRICT.decode_vec(input, out)
}

/// Decodes `input` into a new vector.
pub fn decode(input: &str) -> Result<Vec<u8>, base64::DecodeError> {
    STRICT.decode(input)
}

/// Encodes `bytes` without padding.
pub fn encode(bytes: &[u8]) -> String {
    STRICT.encode(bytes)
}

#[cfg(test)]
#[path = "../tests/unit/base64url.rs"]
mod tests;
