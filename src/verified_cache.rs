//! The decisions behind `verifyJwt`'s verified-token cache, as Envoy's
//! `jwt_authn` keeps one (`jwt_cache_config`): in service-to-service traffic
//! the same access token arrives again and again for minutes, and its
//! signature need not be checked each time.
//!
//! The cache itself is a JavaScript `Map` (`src/js/token-cache.js`), so that
//! a hit crosses into wasm not at all: copying a 1 KB token in costs more
//! than the rest of a hit. What it may keep and for how long is decided
//! here:
//!
//! - [`max_entries`] reads the `tokenCache` option (`{ maxEntries }` or
//!   `false`);
//! - [`Validity`] is the span over which a token's time claims (`iat`,
//!   `nbf`, `exp`, RFC 7519 §4.1.4-6) and `maxTokenAgeSeconds` hold under the
//!   policy's clock tolerance. `verify::check_claims` hands it out with a
//!   token whose claims passed; JavaScript compares the clock against its two
//!   instants on every hit, and outside them the entry is dropped and the
//!   token verified in full, so the error is the core's, claim by claim.
//!
//! The span is conservative: it is one millisecond inside the exact bounds
//! on each side, so a clock reading it contains is one the full checks
//! accept (float rounding between seconds and milliseconds can't make it
//! lenient). At the edge a hit turns into a full verification, never into
//! an acceptance the checks would refuse.

use crate::error::Error;
use crate::json::Kind;

/// Entries kept when the option is absent.
pub const DEFAULT_MAX_ENTRIES: u32 = 1000;

/// Largest `maxEntries` accepted: a bound, so a typo can't pin gigabytes.
pub const MAX_ENTRIES_LIMIT: u32 = 1_000_000;

/// The `tokenCache` option, as its JSON kind and text: absent for the
/// default, `false` for none (0), or `{ "maxEntries": n }` with `n` a whole
/// number from 1 to [`MAX_ENTRIES_LIMIT`]. `true` means the default too.
pub fn max_entries(option: Option<(Kind, &str)>) -> Result<u32, Error> {
    let wrong = || {
        Error::options(
            "tokenCache must be false or { maxEntries }, a whole number from 1 to 1000000",
        )
    };
    match option {
        None | Some((Kind::Bool, "true")) => Ok(DEFAULT_MAX_ENTRIES),
        Some((Kind::Bool, _)) => Ok(0),
        Some((Kind::Object, raw)) => {
            let members = crate::json::parse_object(raw).map_err(|_| wrong())?;
            let mut found = DEFAULT_MAX_ENTRIES;
            for m in &members {
                if m.name != "maxEntries" {
                    return Err(wrong());
                }
                if m.kind != Kind::Null {
                    found = whole_number(m.kind, m.raw)
                        .filter(|n| (1..=MAX_ENTRIES_LIMIT).contains(n))
                        .ok_or_else(wrong)?;
                }
            }
            Ok(found)
        }
        Some(_) => Err(wrong()),
    }
}

/// A JSON number written as plain decimal digits (as `JSON.stringify`
/// writes a whole number below 1e21), without a float parser.
fn whole_number(kind: Kind, raw: &str) -> Option<u32> {
    if kind != Kind::Number || raw.is_empty() || raw.len() > 9 {
        return None;
    }
    raw.bytes().try_fold(0u32, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// When a token's time claims hold, in milliseconds since the epoch:
/// from `from_ms` (inclusive) until `until_ms` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Validity {
    pub from_ms: f64,
    pub until_ms: f64,
}

impl Validity {
    /// The span for a token with these claims (seconds, as RFC 7519 §2's
    /// NumericDate) under `tolerance_s` and `max_age_s`, matching
    /// `verify::check_claims`: `iat` and `nbf` may be up to the tolerance
    /// in the future; the token holds until `exp` plus the tolerance
    /// (exclusive), and with a maximum age until `iat` plus that age plus
    /// the tolerance.
    pub fn new(
        iat: Option<f64>,
        nbf: Option<f64>,
        exp: f64,
        tolerance_s: f64,
        max_age_s: Option<f64>,
    ) -> Validity {
        let mut from_s = f64::NEG_INFINITY;
        for claim in [iat, nbf].into_iter().flatten() {
            from_s = from_s.max(claim - tolerance_s);
        }
        let mut until_s = exp + tolerance_s;
        if let (Some(iat), Some(age)) = (iat, max_age_s) {
            until_s = until_s.min(iat + age + tolerance_s);
        }
        // One millisecond inside each bound (see the module docs).
        Validity {
            from_ms: (from_s * 1000.0).ceil() + 1.0,
            until_ms: (until_s * 1000.0).floor() - 1.0,
        }
    }

    /// Whether the clock reading `now_ms` is inside the span: the same
    /// comparison `src/js/token-cache.js` makes on a hit.
    pub fn contains(&self, now_ms: f64) -> bool {
        self.from_ms <= now_ms && now_ms < self.until_ms
    }
}

#[cfg(test)]
#[path = "../tests/unit/verified_cache.rs"]
mod tests;
