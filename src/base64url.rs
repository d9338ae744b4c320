//! Strict base64url (RFC 4648 §5) as JWS requires (RFC 7515 §2): the URL-safe
//! alphabet, no padding, no whitespace, and no stray bits in the last
//! character, so every token has exactly one encoding. Also the padded
//! standard alphabet (§4), which the Basic header uses (RFC 7617).
//!
//! Our own rather than the `base64` crate's engine: decoding is most of
//! `decodeJwt`'s work in wasm, and a table lookup per character with one
//! validity check per segment measured faster; the crate's general engine
//! (configurable alphabets and padding modes) was also 5.5 KB of wasm.

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
use core::arch::wasm32::v128_or;

const INVALID: u8 = 0xFF;

/// The URL-safe alphabet.
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// The standard alphabet.
const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Each byte's 6-bit value in the URL-safe alphabet, or [`INVALID`]. Valid
/// values are below 64, so OR-ing looked-up values and testing the top two
/// bits finds any invalid character at the end of a run.
static DECODE: [u8; 256] = {
    let mut table = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        table[URL_SAFE[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Why a text is not strict base64url.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError;

/// Decodes `input`, appending the bytes to `out`. On failure `out` may hold
/// a partial result; callers discard it.
pub fn decode_into(input: &str, out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let input = input.as_bytes();
    let (whole, tail) = input.split_at(input.len() / 4 * 4);
    let tail_bytes = match tail.len() {
        0 => 0,
        2 => 1,
        3 => 2,
        _ => return Err(DecodeError),
    };
    let start = out.len();
    out.resize(start + whole.len() / 4 * 3 + tail_bytes, 0);
    let (body, end) = out[start..].split_at_mut(whole.len() / 4 * 3);
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let (whole, body) = {
        // 16 characters make 12 bytes, but a block store writes 16: stop
        // while 16 bytes of room remain, and let the scalar loop finish.
        let (mut i, mut o, mut bad) = (0, 0, crate::simd::none());
        while let (Some(Ok(chars)), Some(Ok(bytes))) = (
            whole.get(i..i + 16).map(<&[u8; 16]>::try_from),
            body.get_mut(o..o + 16).map(<&mut [u8; 16]>::try_from),
        ) {
            bad = v128_or(bad, crate::simd::decode_block(chars, bytes));
            i += 16;
            o += 12;
        }
        if crate::simd::any(bad) {
            return Err(DecodeError);
        }
        (&whole[i..], &mut body[o..])
    };
    let mut seen = 0u8;
    for (chars, bytes) in whole.chunks_exact(4).zip(body.chunks_exact_mut(3)) {
        let [a, b, c, d] = [chars[0], chars[1], chars[2], chars[3]].map(|x| DECODE[x as usize]);
        seen |= a | b | c | d;
        let v = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        bytes.copy_from_slice(&v.to_be_bytes()[1..]);
    }
    if !tail.is_empty() {
        let mut v = 0u32;
        for &x in tail {
            let d = DECODE[x as usize];
            seen |= d;
            v = v << 6 | u32::from(d & 63);
        }
        // The bits past the last whole byte must be zero (RFC 4648 §3.5).
        let spare = tail.len() * 6 - tail_bytes * 8;
        if v & ((1 << spare) - 1) != 0 {
            return Err(DecodeError);
        }
        v >>= spare;
        for (i, byte) in end.iter_mut().enumerate() {
            *byte = (v >> (8 * (tail_bytes - 1 - i))) as u8;
        }
    }
    if seen & 0xC0 != 0 {
        return Err(DecodeError);
    }
    Ok(())
}

/// Decodes `input` into a new vector.
pub fn decode(input: &str) -> Result<Vec<u8>, DecodeError> {
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 2);
    decode_into(input, &mut out)?;
    Ok(out)
}

/// Whether `input` is strict base64url, without decoding it: for a
/// signature that is checked but not verified.
pub fn is_valid(input: &str) -> bool {
    let input = input.as_bytes();
    let spare_mask = match input.len() % 4 {
        0 => 0,
        2 => 0b1111,
        3 => 0b11,
        _ => return false,
    };
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    let (blocks, input) = {
        let blocks = input.chunks_exact(16);
        let rest = blocks.remainder();
        let bad = blocks
            .filter_map(|b| <&[u8; 16]>::try_from(b).ok())
            .fold(crate::simd::none(), |bad, b| {
                v128_or(bad, crate::simd::invalid_block(b))
            });
        (bad, rest)
    };
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if crate::simd::any(blocks) {
        return false;
    }
    let seen = input.iter().fold(0u8, |seen, &x| seen | DECODE[x as usize]);
    let last = input.last().map_or(0, |&x| DECODE[x as usize]);
    seen & 0xC0 == 0 && last & spare_mask == 0
}

/// Encodes `bytes` in the URL-safe alphabet without padding.
pub fn encode(bytes: &[u8]) -> String {
    encode_with(bytes, URL_SAFE, false)
}

/// Encodes `bytes` in the standard alphabet with padding, as the Basic
/// header wants.
pub fn encode_standard(bytes: &[u8]) -> String {
    encode_with(bytes, STANDARD, true)
}

fn encode_with(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for group in bytes.chunks(3) {
        let v = group
            .iter()
            .enumerate()
            .fold(0u32, |v, (i, &b)| v | u32::from(b) << (16 - 8 * i));
        let chars = group.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(alphabet[(v >> (18 - 6 * i) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "../tests/unit/base64url.rs"]
mod tests;
