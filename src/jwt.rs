//! Decoding of compact JWS JWTs (RFC 7519 §7.2, RFC 7515 §7.1), without
//! verification.
//!
//! Decoding tells what a token claims, not whether the claims are true: the
//! signature is not checked. Use it to read `exp` or roles from a token you
//! obtained yourself, never to trust a token someone handed you.
//!
//! The rules follow jose's strict `decodeJwt`: exactly three segments, strict
//! base64url, strict UTF-8, and header and payload both JSON objects. A
//! five-segment token is an encrypted JWT (JWE, RFC 7516), which can't be
//! read without the key, and gets an error that says so.
//!
//! The result is one JSON text, `{"header":…,"payload":…}`, so that
//! JavaScript builds both objects with a single `JSON.parse` and one
//! crossing of the wasm boundary. The signature stays out of it: the binding
//! slices it from the token it already holds, at [`DecodedJwt::signature_start`],
//! rather than have `JSON.parse` scan a few hundred more characters.

use crate::base64url;
use crate::error::Error;
use crate::json::{self, JsonError};
use core::ops::Range;

/// Longest token accepted, in bytes (and, at the JS boundary, in UTF-16 code
/// units, checked before the token is copied into wasm). Real access tokens
/// with many roles stay under 16 KB; the cap bounds the work an attacker can
/// cause with one string.
pub const MAX_TOKEN_LENGTH: usize = 64 * 1024;

/// A decoded token: the JSON text of the result and where its parts are.
#[derive(Clone, PartialEq, Eq)]
pub struct DecodedJwt {
    json: String,
    header: Range<usize>,
    payload: Range<usize>,
    signature: String,
    signature_start: usize,
}

impl DecodedJwt {
    /// Header and payload as `{"header":…,"payload":…}`.
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// Where the signature segment starts in the token, in bytes; a decoded
    /// token is ASCII, so also in UTF-16 code units.
    pub fn signature_start(&self) -> usize {
        self.signature_start
    }

    /// The header's JSON text, exactly as encoded in the token.
    pub fn header_json(&self) -> &str {
        &self.json[self.header.clone()]
    }

    /// The payload's JSON text, exactly as encoded in the token.
    pub fn payload_json(&self) -> &str {
        &self.json[self.payload.clone()]
    }

    /// The signature segment, still base64url-encoded.
    pub fn signature(&self) -> &str {
        &self.signature
    }
}

/// The decoded claims may be an access token's; keep them out of logs.
impl core::fmt::Debug for DecodedJwt {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("DecodedJwt([redacted])")
    }
}

/// Decodes a compact JWS. See the module docs for the rules.
pub fn decode(token: &str) -> Result<DecodedJwt, Error> {
    let mut decoder = Decoder::default();
    let decoded = decoder.decode(token)?;
    Ok(DecodedJwt {
        json: decoded.json.to_owned(),
        header: decoded.header,
        payload: decoded.payload,
        signature: token[decoded.signature_start..].to_owned(),
        signature_start: decoded.signature_start,
    })
}

/// Buffers reused from one token to the next, so that decoding many tokens
/// allocates nothing once they have grown: the binding keeps one.
#[derive(Default)]
pub struct Decoder {
    scratch: Vec<u8>,
    json: String,
}

/// A token decoded by a [`Decoder`]: its JSON text lives in the decoder
/// until the next call.
pub struct Decoded<'d> {
    json: &'d str,
    header: Range<usize>,
    payload: Range<usize>,
    signature_start: usize,
}

impl<'d> Decoded<'d> {
    /// Header and payload as `{"header":…,"payload":…}`.
    pub fn as_json(&self) -> &'d str {
        self.json
    }

    /// Where the signature segment starts in the token (see
    /// [`DecodedJwt::signature_start`]).
    pub fn signature_start(&self) -> usize {
        self.signature_start
    }

    /// The header's JSON text.
    pub fn header_json(&self) -> &'d str {
        &self.json[self.header.clone()]
    }

    /// The payload's JSON text.
    pub fn payload_json(&self) -> &'d str {
        &self.json[self.payload.clone()]
    }
}

impl Decoder {
    /// Decodes a compact JWS with this decoder's buffers. See the module
    /// docs for the rules.
    pub fn decode(&mut self, token: &str) -> Result<Decoded<'_>, Error> {
        if token.is_empty() {
            return Err(Error::jwt(
                "the token is empty; pass a JWT such as the access token from the token response",
            ));
        }
        if token.len() > MAX_TOKEN_LENGTH {
            return Err(too_long(token.len()));
        }
        // Find the two dots; count further ones only when there are any, to
        // name a JWE (five segments) in the error.
        let first = find_dot(token, 0);
        let second = first.and_then(|f| find_dot(token, f + 1));
        let (Some(first), Some(second)) = (first, second) else {
            return Err(segments(token.matches('.').count()));
        };
        if find_dot(token, second + 1).is_some() {
            let count = token.matches('.').count();
            if count == 4 {
                return Err(Error::jwt("this is an encrypted JWT (JWE, five segments); it can't be decoded without the decryption key, and decodeJwt reads signed JWTs (JWS) only"));
            }
            return Err(segments(count));
        }
        let dots = [first, second];
        let header = &token[..dots[0]];
        let payload = &token[dots[0] + 1..dots[1]];
        let signature_text = &token[dots[1] + 1..];

        // Each segment is decoded into `scratch`, checked, then appended to the
        // result as text, so no byte is checked for UTF-8 twice.
        let (scratch, json) = (&mut self.scratch, &mut self.json);
        json.clear();
        json.push_str("{\"header\":");
        let header = segment(header, "header", scratch, json)?;
        json.push_str(",\"payload\":");
        let payload = segment(payload, "payload", scratch, json)?;
        // The signature is not verified, but it must still be strict base64url.
        if !base64url::is_valid(signature_text) {
            return Err(Error::jwt("the JWT signature segment is not valid base64url (RFC 7515 §2: URL-safe alphabet, no padding)"));
        }
        json.push('}');
        Ok(Decoded {
            json,
            header,
            payload,
            signature_start: dots[1] + 1,
        })
    }
}

fn segments(dots: usize) -> Error {
    Error::jwt(format!(
        "a JWT has three dot-separated segments (header.payload.signature); this input has {}",
        dots + 1
    ))
}

fn too_long(len: usize) -> Error {
    Error::jwt(format!(
        "the token is {len} long, over the limit of {MAX_TOKEN_LENGTH}; this is not a JWT an authorization server would issue"
    ))
}

/// The length check for callers that know the length before they have the
/// bytes, such as the JS binding, which must refuse before copying.
pub fn check_length(len: usize) -> Result<(), Error> {
    if len > MAX_TOKEN_LENGTH {
        Err(too_long(len))
    } else {
        Ok(())
    }
}

/// Decodes one base64url segment (through `scratch`), checks that it is
/// UTF-8 and one JSON object, appends it to `out` and returns where it landed.
fn segment(
    encoded: &str,
    part: &str,
    scratch: &mut Vec<u8>,
    out: &mut String,
) -> Result<Range<usize>, Error> {
    if encoded.is_empty() {
        return Err(Error::jwt(format!("the JWT {part} segment is empty")));
    }
    scratch.clear();
    base64url::decode_into(encoded, scratch).map_err(|_| {
        Error::jwt(format!(
            "the JWT {part} is not valid base64url (RFC 7515 §2: URL-safe alphabet, no padding, no whitespace)"
        ))
    })?;
    let text =
        utf8(scratch).ok_or_else(|| Error::jwt(format!("the JWT {part} is not valid UTF-8")))?;
    json::parse_object(text).map_err(|e| match e {
        JsonError::NotAnObject => Error::jwt(format!("the JWT {part} is JSON but not an object")),
        // The name comes from the token: excerpt it, as any outside text.
        JsonError::DuplicateKey(name) => Error::jwt(format!(
            "the JWT {part} has the member \"{}\" twice, so its meaning is ambiguous",
            crate::error::excerpt(&name)
        )),
        other => Error::jwt(format!(
            "the JWT {part} is not a valid JSON object: {other}"
        )),
    })?;
    let start = out.len();
    out.push_str(text);
    Ok(start..out.len())
}

/// The first `.` of `token` at or after `from`, 16 bytes at a time with
/// wasm SIMD.
fn find_dot(token: &str, from: usize) -> Option<usize> {
    let bytes = token.as_bytes();
    #[allow(unused_mut)]
    let mut from = from;
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    while let Some(Ok(block)) = bytes.get(from..from + 16).map(<&[u8; 16]>::try_from) {
        if let Some(at) = crate::simd::find(block, b'.') {
            return Some(from + at);
        }
        from += 16;
    }
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == b'.')
        .map(|at| from + at)
}

/// `bytes` as text, if it is UTF-8. With wasm SIMD an ASCII text, which
/// most tokens are, is recognised 16 bytes at a time.
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    if let Some(text) = crate::simd::ascii_str(bytes) {
        return Some(text);
    }
    core::str::from_utf8(bytes).ok()
}

#[cfg(test)]
#[path = "../tests/unit/jwt.rs"]
mod tests;
