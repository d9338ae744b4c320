//! 16-byte blocks with wasm SIMD (simd128), for the hot loops of
//! `decodeJwt`: base64url decoding, the JSON string scan and the ASCII
//! check. Measured on the seed token, these loops were most of the time
//! spent in wasm; a block at a time they cost a fraction of it.
//!
//! Compiled only for wasm32 with `simd128` (set in `.cargo/config.toml`);
//! every runtime we support has it (Node 16.4+, Deno, Bun, workerd,
//! Chrome 91+, Firefox 89+, Safari 16.4+). Elsewhere, and for the tail of
//! each input, the scalar code in [`crate::base64url`] and [`crate::json`]
//! runs, and the tests compare the two.
//!
//! The only `unsafe` of the crate is here: loading and storing a `v128`
//! through a pointer, from references that guarantee the 16 bytes, and
//! taking checked ASCII as a `str`.

use core::arch::wasm32::*;

#[inline(always)]
fn load(bytes: &[u8; 16]) -> v128 {
    // SAFETY: `bytes` is 16 readable bytes; v128.load needs no alignment.
    unsafe { v128_load(bytes.as_ptr().cast()) }
}

#[inline(always)]
fn store(out: &mut [u8; 16], v: v128) {
    // SAFETY: `out` is 16 writable bytes; v128.store needs no alignment.
    unsafe { v128_store(out.as_mut_ptr().cast(), v) }
}

/// Validity by nibbles (Muła and Lemire's method): a character is invalid
/// when the classes its low nibble rules out include its high nibble's
/// class. Classes: 0x01 none valid (high nibble 0, 1, 8-F), 0x02 `-`
/// (2), 0x04 digits (3), 0x08 `A-O`/`a-o` (4, 6), 0x10 `P-Z _` (5),
/// 0x20 `p-z` (7).
const BY_HIGH: v128 = u8x16(
    0x01, 0x01, 0x02, 0x04, 0x08, 0x10, 0x08, 0x20, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
);
/// For each low nibble, the classes in which it is not a character of the
/// alphabet.
const BY_LOW: v128 = u8x16(
    0x0B, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x03, 0x07, 0x37, 0x37, 0x35, 0x37, 0x27,
);
/// What to add to a valid character, by high nibble, to get its 6-bit
/// value (`_`, alone in its class at -32, is corrected separately).
const OFFSET: v128 = i8x16(0, 0, 17, 4, -65, -65, -71, -71, 0, 0, 0, 0, 0, 0, 0, 0);

/// Which characters of a block are outside the URL-safe alphabet: zero
/// lanes for valid ones.
#[inline(always)]
fn invalid(c: v128) -> v128 {
    let high = u8x16_shr(c, 4);
    let low = v128_and(c, u8x16_splat(0x0F));
    v128_and(i8x16_swizzle(BY_LOW, low), i8x16_swizzle(BY_HIGH, high))
}

/// Decodes 16 base64url characters into 12 bytes at `out[..12]`
/// (`out[12..]` is overwritten with zeros). Returns nonzero lanes for
/// invalid characters, to OR together and test once per segment.
#[inline(always)]
pub fn decode_block(chars: &[u8; 16], out: &mut [u8; 16]) -> v128 {
    let c = load(chars);
    let underscore = v128_and(u8x16_eq(c, u8x16_splat(b'_')), u8x16_splat(33));
    let offset = i8x16_add(i8x16_swizzle(OFFSET, u8x16_shr(c, 4)), underscore);
    let sextets = i8x16_add(c, offset);
    // Pairs of 6 bits into 12 in each 16-bit lane, then pairs of 12 into 24
    // in each 32-bit lane, then the three bytes of each lane, big-endian.
    let twelve = v128_or(
        i16x8_shl(v128_and(sextets, u16x8_splat(0x00FF)), 6),
        u16x8_shr(sextets, 8),
    );
    let twenty_four = v128_or(
        i32x4_shl(v128_and(twelve, u32x4_splat(0xFFFF)), 12),
        u32x4_shr(twelve, 16),
    );
    let bytes = i8x16_swizzle(
        twenty_four,
        i8x16(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1),
    );
    store(out, bytes);
    invalid(c)
}

/// Nonzero lanes where a block of would-be base64url has an invalid
/// character.
#[inline(always)]
pub fn invalid_block(chars: &[u8; 16]) -> v128 {
    invalid(load(chars))
}

/// Whether any lane of an OR of [`decode_block`] or [`invalid_block`]
/// results is set.
#[inline(always)]
pub fn any(v: v128) -> bool {
    v128_any_true(v)
}

/// An empty accumulator for [`any`].
#[inline(always)]
pub fn none() -> v128 {
    u8x16_splat(0)
}

/// Where the first `"`, `\` or control byte of a block is, if any: the
/// bytes a JSON string scan must stop at.
#[inline(always)]
pub fn string_stop(block: &[u8; 16]) -> Option<usize> {
    let c = load(block);
    let stop = v128_or(
        v128_or(
            u8x16_eq(c, u8x16_splat(b'"')),
            u8x16_eq(c, u8x16_splat(b'\\')),
        ),
        u8x16_lt(c, u8x16_splat(0x20)),
    );
    match u8x16_bitmask(stop) {
        0 => None,
        bits => Some(bits.trailing_zeros() as usize),
    }
}

/// Where the first `needle` of a block is, if any.
#[inline(always)]
pub fn find(block: &[u8; 16], needle: u8) -> Option<usize> {
    match u8x16_bitmask(u8x16_eq(load(block), u8x16_splat(needle))) {
        0 => None,
        bits => Some(bits.trailing_zeros() as usize),
    }
}

/// `bytes` as text if every byte is ASCII, checked 16 bytes at a time.
pub fn ascii_str(bytes: &[u8]) -> Option<&str> {
    if !is_ascii(bytes) {
        return None;
    }
    // SAFETY: ASCII is valid UTF-8.
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

fn is_ascii(bytes: &[u8]) -> bool {
    let mut blocks = bytes.chunks_exact(16);
    let mut high = u8x16_splat(0);
    for block in &mut blocks {
        if let Ok(block) = block.try_into() {
            high = v128_or(high, load(block));
        }
    }
    u8x16_bitmask(high) == 0 && blocks.remainder().is_ascii()
}
