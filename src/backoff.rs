//! When to try a background refresh again after one failed: exponential
//! backoff with full jitter, the server's `Retry-After` first, and never for
//! an error that retrying can't mend.
//!
//! A token client refreshes ahead of expiry and a key set client refetches
//! past its max age, both in the background while the cached value still
//! serves callers (botocore's advisory window, Nimbus JOSE+JWT's
//! refresh-ahead cache). When that background request fails, the cached
//! value stays in use and the next attempt waits:
//!
//! - `n` failures in a row wait a random time in `[0, min(30 s, 1 s · 2^(n-1)))`
//!   ("full jitter", as AWS's backoff advice and botocore use), so a fleet of
//!   clients that saw the same outage does not come back in step;
//! - a `Retry-After` header (RFC 9110 §10.2.3) replaces that wait: the
//!   server said when it can answer;
//! - a definitive refusal ([`Failure::Definitive`]: a wrong or revoked
//!   client, options no request can satisfy) is not retried in the
//!   background at all: repeating a refused secret can lock the client out
//!   (Keycloak's brute force detection) and will not succeed.
//!
//! The random number and the clock are the caller's, so tests drive exact
//! sequences without sleeping.

/// First backoff cap, in milliseconds.
pub const FIRST_MS: f64 = 1_000.0;

/// Largest backoff cap, in milliseconds.
pub const MAX_MS: f64 = 30_000.0;

/// Longest `Retry-After` honoured, in milliseconds: a day. A server that
/// asks for more is misconfigured; its value is clamped, not ignored.
pub const MAX_RETRY_AFTER_MS: f64 = 86_400_000.0;

/// Whether a failed request may succeed if sent again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A network error, a timeout, a 5xx, a 429, an unusable answer: the
    /// server or the path to it may recover.
    Transient,
    /// The server refused the client itself (`invalid_client`,
    /// `unauthorized_client`, RFC 6749 §5.2), the options can't make a
    /// request, or the caller's signal aborted: the same request will be
    /// refused again.
    Definitive,
}

impl Failure {
    /// Classifies an error by its stable code (`ERR_OAUTH`, ...) and, for
    /// `ERR_OAUTH`, the server's `error` member.
    pub fn of(code: &str, oauth_error: &str) -> Failure {
        match code {
            "ERR_OAUTH" if matches!(oauth_error, "invalid_client" | "unauthorized_client") => {
                Failure::Definitive
            }
            "ERR_INVALID_OPTIONS" | "ERR_ABORTED" => Failure::Definitive,
            _ => Failure::Transient,
        }
    }
}

/// The cap of the wait after `failures` failures in a row: 1 s, 2 s, 4 s,
/// ... up to [`MAX_MS`].
pub fn cap_ms(failures: u32) -> f64 {
    let doublings = failures.saturating_sub(1).min(16);
    (FIRST_MS * f64::from(1u32 << doublings)).min(MAX_MS)
}

/// The wait after `failures` failures in a row, for `random` in `[0, 1)`
/// (full jitter: uniform below the cap). An out-of-range `random` is
/// clamped, so a broken source can't stop or flood the retries.
pub fn delay_ms(failures: u32, random: f64) -> f64 {
    let r = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    (r * cap_ms(failures)).floor()
}

/// A background refresh's failures and when the next attempt is allowed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Backoff {
    /// Failures in a row since the last success.
    failures: u32,
    /// No background attempt before this time.
    next_at_ms: Option<f64>,
    /// When the last failure was recorded, to notice a clock that jumped back.
    failed_at_ms: f64,
    /// A definitive failure: no background attempt until [`Backoff::reset`].
    stopped: bool,
}

impl Backoff {
    /// Records a failure at `now_ms` and returns the wait before the next
    /// background attempt, in milliseconds; `None` for a definitive one.
    /// `retry_after` is the raw header, if the response had one.
    pub fn failed(
        &mut self,
        failure: Failure,
        retry_after: Option<&str>,
        now_ms: f64,
        random: f64,
    ) -> Option<f64> {
        self.failures = self.failures.saturating_add(1);
        self.failed_at_ms = now_ms;
        if failure == Failure::Definitive {
            self.stopped = true;
            self.next_at_ms = None;
            return None;
        }
        let wait = retry_after
            .and_then(|h| retry_after_ms(h, now_ms))
            .unwrap_or_else(|| delay_ms(self.failures, random));
        self.next_at_ms = Some(now_ms + wait);
        Some(wait)
    }

    /// Whether a background attempt may start at `now_ms`. A clock that
    /// went back past the last failure makes the wait meaningless: allowed.
    pub fn may_attempt(&self, now_ms: f64) -> bool {
        if self.stopped {
            return false;
        }
        match self.next_at_ms {
            None => true,
            Some(at) => now_ms >= at || now_ms < self.failed_at_ms,
        }
    }

    /// When the next background attempt is allowed, if one is waited for.
    pub fn next_at_ms(&self) -> Option<f64> {
        self.next_at_ms
    }

    /// Failures in a row since the last success.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Whether the last failure was definitive.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Forgets the failures: a request succeeded.
    pub fn reset(&mut self) {
        *self = Backoff::default();
    }
}

/// A `Retry-After` value (RFC 9110 §10.2.3) as a wait from `now_ms`:
/// `delay-seconds`, or an IMF-fixdate (RFC 9110 §5.6.7; the obsolete date
/// formats are not read). A date in the past is no wait; an unreadable
/// value is `None`, and the backoff applies.
pub fn retry_after_ms(value: &str, now_ms: f64) -> Option<f64> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Read by hand: a float parser would add kilobytes to the wasm.
        let seconds = value.bytes().fold(0u64, |n, b| {
            n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        return Some((seconds as f64 * 1000.0).min(MAX_RETRY_AFTER_MS));
    }
    let at = imf_fixdate_ms(value)?;
    Some((at - now_ms).clamp(0.0, MAX_RETRY_AFTER_MS))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as milliseconds since the epoch.
fn imf_fixdate_ms(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
        return None;
    }
    const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
    const MONTHS: [&[u8]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    if !DAYS.contains(&&b[..3]) || b[7] != b' ' || b[11] != b' ' || b[16] != b' ' {
        return None;
    }
    let number = |range: core::ops::Range<usize>| -> Option<i64> {
        b[range].iter().try_fold(0i64, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let day = number(5..7)?;
    let month = MONTHS.iter().position(|m| *m == &b[8..11])? as i64 + 1;
    let year = number(12..16)?;
    if b[19] != b':' || b[22] != b':' {
        return None;
    }
    let (hour, minute, second) = (number(17..19)?, number(20..22)?, number(23..25)?);
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + hour * 3_600 + minute * 60 + second) * 1000) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
#[path = "../tests/unit/backoff.rs"]
mod tests;
