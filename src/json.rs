//! A small, strict JSON reader (RFC 8259).
//!
//! Why not serde_json: it roughly doubles the gzipped wasm (45 KB against
//! 18 KB on a prototype) and reorders object keys. The library needs much
//! less: to know that a text is one well-formed JSON object, to reject
//! duplicate top-level names (RFC 7515 §5.2 and RFC 8259 §4 leave them
//! ambiguous, and an ambiguous claim set or token response is a security
//! risk), and to read a few top-level members. Nested values are validated
//! and skipped without allocating. Building JavaScript objects stays with
//! `JSON.parse`, which gets only text this module has accepted.

use std::borrow::Cow;

/// Deepest nesting accepted. The reader recurses, and a wasm stack is small.
pub const MAX_DEPTH: usize = 128;

/// Why a text is not acceptable JSON. The byte offset helps the caller point
/// at the problem without quoting the text, which may be secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// The grammar is broken at this byte offset.
    Syntax(usize),
    /// The top-level value is not an object.
    NotAnObject,
    /// Nesting deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A top-level member name appears twice.
    DuplicateKey(String),
}

impl core::fmt::Display for JsonError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            JsonError::Syntax(at) => write!(f, "invalid JSON at byte {at}"),
            JsonError::NotAnObject => f.write_str("the JSON value is not an object"),
            JsonError::TooDeep => write!(f, "JSON nested deeper than {MAX_DEPTH} levels"),
            JsonError::DuplicateKey(k) => write!(f, "duplicate JSON member \"{k}\""),
        }
    }
}

/// The kind of a JSON value, enough to type-check a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Object,
    Array,
    String,
    Number,
    Bool,
    Null,
}

/// A top-level member: its decoded name and its value's raw text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member<'a> {
    pub name: Cow<'a, str>,
    pub kind: Kind,
    /// The value exactly as written, quotes included for strings.
    pub raw: &'a str,
}

impl<'a> Member<'a> {
    /// The value as a string, if it is one (escapes decoded); borrowed from
    /// the parsed text when it has no escapes.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        if self.kind == Kind::String {
            unescape(&self.raw[1..self.raw.len() - 1])
        } else {
            None
        }
    }
}

/// Parses `text` as one JSON object and returns its top-level members in
/// document order. Leading and trailing whitespace is allowed, anything else
/// around the object is not.
pub fn parse_object(text: &str) -> Result<Vec<Member<'_>>, JsonError> {
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    r.ws();
    if r.peek() != Some(b'{') {
        // Distinguish "valid JSON but not an object" from garbage.
        r.value(0)?;
        r.ws();
        return Err(if r.i == r.s.len() {
            JsonError::NotAnObject
        } else {
            JsonError::Syntax(r.i)
        });
    }
    let members = r.object_members()?;
    r.ws();
    if r.i != r.s.len() {
        return Err(JsonError::Syntax(r.i));
    }
    if let Some(n) = first_duplicate(&members) {
        return Err(JsonError::DuplicateKey(
            members[n].name.clone().into_owned(),
        ));
    }
    Ok(members)
}

/// Parses `text` as one JSON array and returns each element's kind and raw
/// text, in order.
pub fn parse_array(text: &str) -> Result<Vec<(Kind, &str)>, JsonError> {
    let mut r = Reader {
        s: text.as_bytes(),
        text,
        i: 0,
    };
    r.ws();
    r.expect(b'[')?;
    let mut elements = Vec::new();
    r.ws();
    if r.peek() == Some(b']') {
        r.i += 1;
    } else {
        loop {
            r.ws();
            let start = r.i;
            let kind = r.value(1)?;
            elements.push((kind, &text[start..r.i]));
            r.ws();
            match r.peek() {
                Some(b',') => r.i += 1,
                Some(b']') => {
                    r.i += 1;
                    break;
                }
                _ => return Err(JsonError::Syntax(r.i)),
            }
        }
    }
    r.ws();
    if r.i != r.s.len() {
        return Err(JsonError::Syntax(r.i));
    }
    Ok(elements)
}

/// The index of the first member, in document order, whose name an earlier
/// member already has (or, with three or more twins, of one of them).
///
/// Names are compared by [`fingerprint`] first, and only on equal
/// fingerprints by value. Up to [`TABLE_MAX_MEMBERS`] members (a typical token
/// has 10 to 30 claims) a small hash table finds twins, with at most
/// `TABLE_MAX_MEMBERS` comparisons per member even when fingerprints are
/// crafted to collide. Beyond that the fingerprints are sorted, keeping
/// this O(n log n): comparing every pair took 12 s on a 256 KiB response of
/// 30,000 distinct short names, time in which a Worker's isolate is blocked
/// and no timeout can fire.
fn first_duplicate(members: &[Member<'_>]) -> Option<usize> {
    if members.len() <= TABLE_MAX_MEMBERS {
        // A small open-addressing table: each member is inserted in
        // document order, so the first one that meets its twin is the
        // first duplicate. Twice as many slots as members keeps probes short.
        let mut fingerprints = [0u64; 2 * TABLE_MAX_MEMBERS];
        let mut slots = [0u8; 2 * TABLE_MAX_MEMBERS]; // member index + 1; 0 is empty
        for (j, m) in members.iter().enumerate() {
            let f = fingerprint(m.name.as_bytes());
            // The top bits of a multiplicative hash: short names differ
            // mostly in their low bytes, which would crowd a few slots.
            let mut at = (f.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 58) as usize % slots.len();
            while slots[at] != 0 {
                let i = usize::from(slots[at] - 1);
                if fingerprints[at] == f && members[i].name == m.name {
                    return Some(j);
                }
                at = (at + 1) % slots.len();
            }
            fingerprints[at] = f;
            slots[at] = j as u8 + 1;
        }
        return None;
    }
    let mut order: Vec<(u64, usize)> = members
        .iter()
        .map(|m| fingerprint(m.name.as_bytes()))
        .zip(0..)
        .collect();
    // Names break fingerprint ties, so twins end up side by side even among
    // crafted collisions.
    heapsort(&mut order, |a, b| {
        a.0.cmp(&b.0)
            .then_with(|| members[a.1].name.cmp(&members[b.1].name))
            .is_lt()
    });
    order
        .windows(2)
        .filter(|w| w[0].0 == w[1].0 && members[w[0].1].name == members[w[1].1].name)
        .map(|w| w[0].1.max(w[1].1))
        .min()
}

/// Sorts in O(n log n) at worst, in place. Not the standard library's
/// sort: that one's pattern-defeating quicksort and its small-sort helpers
/// were 9 KB of wasm, for a path that only objects of more than
/// [`TABLE_MAX_MEMBERS`] members take.
fn heapsort<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    let sift_down = |v: &mut [T], mut node: usize, end: usize| loop {
        let mut child = 2 * node + 1;
        if child >= end {
            break;
        }
        if child + 1 < end && less(&v[child], &v[child + 1]) {
            child += 1;
        }
        if !less(&v[node], &v[child]) {
            break;
        }
        v.swap(node, child);
        node = child;
    };
    for node in (0..v.len() / 2).rev() {
        sift_down(v, node, v.len());
    }
    for end in (1..v.len()).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Most members checked with the small table in [`first_duplicate`]; its
/// 64 slots are the top 6 bits of a hash.
const TABLE_MAX_MEMBERS: usize = 32;

/// A cheap fingerprint of a name, from its length and its first and last
/// eight bytes: much cheaper than hashing every byte, which measured as a
/// third of the duplicate check. Names with equal fingerprints are compared
/// in full, so a collision, crafted or not, costs a comparison but can't
/// fool the check.
fn fingerprint(name: &[u8]) -> u64 {
    let word = |bytes: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(bytes);
        u64::from_le_bytes(w)
    };
    let (head, tail) = match name.len() {
        8.. => (word(&name[..8]), word(&name[name.len() - 8..])),
        _ => (name.iter().fold(0, |v, &b| v << 8 | u64::from(b)), 0),
    };
    head ^ tail.rotate_left(29) ^ (name.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Decodes the inside of a JSON string literal (already validated).
/// Returns `None` for a lone UTF-16 surrogate, which Rust strings can't hold.
pub fn unescape(inner: &str) -> Option<Cow<'_, str>> {
    if !inner.contains('\\') {
        return Some(Cow::Borrowed(inner));
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let e = chars.next()?;
        out.push(match e {
            '"' => '"',
            '\\' => '\\',
            '/' => '/',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex4(&mut chars)?;
                if (0xD800..0xDC00).contains(&hi) {
                    if chars.next()? != '\\' || chars.next()? != 'u' {
                        return None;
                    }
                    let lo = hex4(&mut chars)?;
                    if !(0xDC00..0xE000).contains(&lo) {
                        return None;
                    }
                    char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?
                } else {
                    char::from_u32(hi)?
                }
            }
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

fn hex4(chars: &mut core::str::Chars<'_>) -> Option<u32> {
    let mut v = 0;
    for _ in 0..4 {
        v = v * 16 + chars.next()?.to_digit(16)?;
    }
    Some(v)
}

/// The bytes of `word` (little-endian) that are `"`, `\\` or below 0x20,
/// as high bits. The lowest set bit is always a true match (bits above it
/// may be false positives from borrows), which is all a scan needs.
#[inline(always)]
fn attention(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    zero_bytes(word ^ (ONES * u64::from(b'"')))
        | zero_bytes(word ^ (ONES * u64::from(b'\\')))
        | (word.wrapping_sub(ONES * 0x20) & !word & HIGHS)
}

/// The reader's own failures: small and `Copy`, so that the `?` on every
/// token costs nothing; [`JsonError`] is made from it once, at the end.
#[derive(Clone, Copy)]
enum Bad {
    Syntax(usize),
    TooDeep,
}

impl From<Bad> for JsonError {
    fn from(bad: Bad) -> Self {
        match bad {
            Bad::Syntax(at) => JsonError::Syntax(at),
            Bad::TooDeep => JsonError::TooDeep,
        }
    }
}

struct Reader<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
}

impl<'a> Reader<'a> {
    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    #[inline(always)]
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    #[inline(always)]
    fn expect(&mut self, b: u8) -> Result<(), Bad> {
        if self.peek() == Some(b) {
            self.i += 1;
            Ok(())
        } else {
            Err(Bad::Syntax(self.i))
        }
    }

    /// Reads one value (after whitespace) and returns its kind.
    fn value(&mut self, depth: usize) -> Result<Kind, Bad> {
        if depth > MAX_DEPTH {
            return Err(Bad::TooDeep);
        }
        self.ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Kind::Object);
                }
                loop {
                    self.ws();
                    self.string()?;
                    self.ws();
                    self.expect(b':')?;
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Kind::Object);
                        }
                        _ => return Err(Bad::Syntax(self.i)),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Kind::Array);
                }
                loop {
                    self.value(depth + 1)?;
                    self.ws();
                    match self.peek() {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Kind::Array);
                        }
                        _ => return Err(Bad::Syntax(self.i)),
                    }
                }
            }
            Some(b'"') => self.string().map(|_| Kind::String),
            Some(b't') => self.literal(b"true", Kind::Bool),
            Some(b'f') => self.literal(b"false", Kind::Bool),
            Some(b'n') => self.literal(b"null", Kind::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(Bad::Syntax(self.i)),
        }
    }

    /// Reads the members of the object at the cursor, which is on `{`.
    fn object_members(&mut self) -> Result<Vec<Member<'a>>, Bad> {
        self.i += 1;
        // Room for a typical token's claims without growing.
        let mut members = Vec::with_capacity(TABLE_MAX_MEMBERS);
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(members);
        }
        loop {
            self.ws();
            let name_at = self.i;
            let (inner, escaped) = self.string()?;
            let name = if escaped {
                unescape(inner).ok_or(Bad::Syntax(name_at))?
            } else {
                Cow::Borrowed(inner)
            };
            self.ws();
            self.expect(b':')?;
            self.ws();
            let start = self.i;
            let kind = self.value(1)?;
            members.push(Member {
                name,
                kind,
                raw: &self.text[start..self.i],
            });
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(members);
                }
                _ => return Err(Bad::Syntax(self.i)),
            }
        }
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Kind, Bad> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(kind)
        } else {
            Err(Bad::Syntax(self.i))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Result<Kind, Bad> {
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(Bad::Syntax(self.i)),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return Err(Bad::Syntax(self.i));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if self.digits() == 0 {
                return Err(Bad::Syntax(self.i));
            }
        }
        Ok(Kind::Number)
    }

    /// Moves the cursor to the next `"`, `\\` or control byte (or the end):
    /// 16 bytes at a time with wasm SIMD, else 8 at a time. Most of a JWT
    /// payload is string content.
    #[inline(always)]
    fn skip_plain(&mut self) {
        #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
        while let Some(Ok(block)) = self.s.get(self.i..self.i + 16).map(<&[u8; 16]>::try_from) {
            if let Some(at) = crate::simd::string_stop(block) {
                self.i += at;
                return;
            }
            self.i += 16;
        }
        while let Some(Ok(word)) = self.s.get(self.i..self.i + 8).map(<[u8; 8]>::try_from) {
            let stops = attention(u64::from_le_bytes(word));
            if stops != 0 {
                self.i += (stops.trailing_zeros() / 8) as usize;
                return;
            }
            self.i += 8;
        }
        while let Some(&b) = self.s.get(self.i) {
            if b == b'"' || b == b'\\' || b < 0x20 {
                return;
            }
            self.i += 1;
        }
    }

    /// Reads a string literal at the cursor and returns its raw inside, and
    /// whether it has escapes (so a caller that wants the value knows
    /// whether it must unescape, without scanning again).
    #[inline(always)]
    fn string(&mut self) -> Result<(&'a str, bool), Bad> {
        self.expect(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            self.skip_plain();
            match self.peek() {
                Some(b'"') => {
                    let inner = &self.text[start..self.i];
                    self.i += 1;
                    return Ok((inner, escaped));
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => self.i += 1,
                        Some(b'u') => {
                            self.i += 1;
                            for _ in 0..4 {
                                if !self.peek().is_some_and(|b| b.is_ascii_hexdigit()) {
                                    return Err(Bad::Syntax(self.i));
                                }
                                self.i += 1;
                            }
                        }
                        _ => return Err(Bad::Syntax(self.i)),
                    }
                }
                _ => return Err(Bad::Syntax(self.i)),
            }
        }
    }
}

/// Writes `value` as a JSON string literal (RFC 8259 §7): quotes,
/// backslashes and control characters escaped, everything else as is. For
/// the JWTs the core builds (client assertions, DPoP proofs).
pub fn write_string(value: &str, out: &mut String) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let v = u32::from(c) as usize;
                out.push_str("\\u00");
                out.push(char::from(HEX[v >> 4]));
                out.push(char::from(HEX[v & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
#[path = "../tests/unit/json.rs"]
mod tests;
