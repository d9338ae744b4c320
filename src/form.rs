//! `application/x-www-form-urlencoded` serialization, as the WHATWG URL
//! standard defines it and RFC 6749 uses it twice: for the token request body
//! (§4.4.2, Appendix B) and for the client id and secret before they go into
//! a Basic header (§2.3.1).

/// Appends `value`, form-encoded, to `out`: ASCII alphanumerics and `*-._`
/// stay, a space becomes `+`, every other byte of the UTF-8 becomes `%XX`.
/// Runs of bytes that stay are copied whole.
pub fn encode_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut plain = 0;
    for (i, &b) in value.as_bytes().iter().enumerate() {
        if matches!(b, b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_') {
            continue;
        }
        // `i` is at an ASCII byte or a UTF-8 lead or continuation byte; a
        // run of ASCII bytes ends at a char boundary either way.
        out.push_str(value.get(plain..i).unwrap_or_default());
        plain = i + 1;
        if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out.push_str(value.get(plain..).unwrap_or_default());
}

/// `value`, form-encoded.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    encode_into(value, &mut out);
    out
}

/// Serializes `pairs` as a form body, in order, repeating names as given
/// (RFC 8707 sends `resource` once per value).
pub fn serialize<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        encode_into(name, &mut out);
        out.push('=');
        encode_into(value, &mut out);
    }
    out
}

#[cfg(test)]
#[path = "../tests/unit/form.rs"]
mod tests;
