//! When a cached token may be reused, decided against an injected clock.
//!
//! A token lives through three windows (botocore's refreshable credentials
//! have the same two refresh windows):
//!
//! - **fresh**, until `expires_at - skew`: used as it is;
//! - **advisory**, from then until `expires_at - min_validity`: still handed
//!   out at once, while one background request replaces it; if that fails,
//!   the token stays in use and the next background attempt waits for the
//!   [`Backoff`];
//! - **mandatory**, past `expires_at - min_validity`: never handed out; the
//!   caller waits for a request, and only then does a failure reach it.
//!
//! The refresh starts `skew` before expiry. The default skew is 60 s, as
//! Spring Security's `clockSkew`, so a token is never sent when it is about
//! to expire in flight. For short-lived tokens a fixed skew would make every
//! token stale on arrival (a 30 s token with a 60 s skew), so the skew is
//! capped at half the token's lifetime: a 30 s token is reused for 15 s.
//!
//! A token without `expires_in` has no known lifetime. It is reused until
//! [`TokenCache::invalidate`] (which the token client calls when an API
//! answers 401), rather than fetched anew for every call.
//!
//! `min_validity` (default 10 s) is capped at the skew as capped, so the
//! advisory window is never negative: a 2 s token refreshes after 1 s and is
//! not handed out after that either, as before there were two windows.
//!
//! Time is the caller's: every method takes `now_ms`, so tests cover skew,
//! expiry and clocks that jump, without sleeping.

use crate::backoff::Backoff;

/// Default refresh skew, in seconds.
pub const DEFAULT_SKEW_SECONDS: u32 = 60;

/// Default least validity a token is handed out with, in seconds.
pub const DEFAULT_MIN_VALIDITY_SECONDS: u32 = 10;

/// Where a cached token stands at some time; see the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Use the token; nothing to do.
    Fresh,
    /// Use the token, and replace it in the background when `refresh` (no
    /// failed attempt is being waited out).
    Advisory { refresh: bool },
    /// No token may be handed out: wait for a request.
    Mandatory,
}

/// One cached token's timing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Entry {
    /// When the token response arrived, by the injected clock.
    pub obtained_at_ms: f64,
    /// `obtained_at_ms + expires_in`, if the server sent `expires_in`.
    pub expires_at_ms: Option<f64>,
}

/// The cache's decisions. It holds timing only; the token itself stays with
/// the caller, so this type can't leak it.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenCache {
    skew_ms: f64,
    min_validity_ms: f64,
    entry: Option<Entry>,
    /// The background refresh's failures since the token was stored.
    backoff: Backoff,
    /// Bumped by every [`TokenCache::store`] and [`TokenCache::invalidate`],
    /// so a caller can tell whether the token it holds is still current.
    generation: u64,
}

impl TokenCache {
    /// A cache refreshing `skew_seconds` before expiry, with the default
    /// least validity.
    pub fn new(skew_seconds: u32) -> Self {
        TokenCache::with_min_validity(skew_seconds, DEFAULT_MIN_VALIDITY_SECONDS)
    }

    /// A cache refreshing `skew_seconds` before expiry that never hands out
    /// a token with less than `min_validity_seconds` left (capped at the
    /// skew as capped).
    pub fn with_min_validity(skew_seconds: u32, min_validity_seconds: u32) -> Self {
        TokenCache {
            skew_ms: f64::from(skew_seconds) * 1000.0,
            min_validity_ms: f64::from(min_validity_seconds) * 1000.0,
            entry: None,
            backoff: Backoff::default(),
            generation: 0,
        }
    }

    /// Where the cached token stands at `now_ms`.
    pub fn window(&self, now_ms: f64) -> Window {
        let Some(entry) = self.entry else {
            return Window::Mandatory;
        };
        if now_ms < entry.obtained_at_ms {
            return Window::Mandatory;
        }
        let Some(expires_at) = entry.expires_at_ms else {
            return Window::Fresh;
        };
        let skew = self.capped_skew(entry.obtained_at_ms, expires_at);
        if now_ms < expires_at - skew {
            Window::Fresh
        } else if now_ms < expires_at - self.min_validity_ms.min(skew) {
            Window::Advisory {
                refresh: self.backoff.may_attempt(now_ms),
            }
        } else {
            Window::Mandatory
        }
    }

    /// The background refresh's state.
    pub fn backoff(&self) -> &Backoff {
        &self.backoff
    }

    /// Where a failed refresh is recorded ([`Backoff::failed`]): the next
    /// background attempt waits for it, and a definitive failure stops
    /// them until the mandatory window.
    pub fn backoff_mut(&mut self) -> &mut Backoff {
        &mut self.backoff
    }

    /// Whether the cached token may be used at `now_ms`.
    pub fn is_fresh(&self, now_ms: f64) -> bool {
        let Some(entry) = self.entry else {
            return false;
        };
        // A clock that went backwards makes every age meaningless: refresh.
        if now_ms < entry.obtained_at_ms {
            return false;
        }
        match entry.expires_at_ms {
            None => true,
            Some(expires_at) => now_ms < self.refresh_at(entry.obtained_at_ms, expires_at),
        }
    }

    /// When a token obtained at `obtained_at` and expiring at `expires_at`
    /// should be replaced.
    fn refresh_at(&self, obtained_at: f64, expires_at: f64) -> f64 {
        expires_at - self.capped_skew(obtained_at, expires_at)
    }

    /// The skew, capped at half the token's lifetime.
    fn capped_skew(&self, obtained_at: f64, expires_at: f64) -> f64 {
        let lifetime = (expires_at - obtained_at).max(0.0);
        self.skew_ms.min(lifetime / 2.0)
    }

    /// The time the cached token stops being fresh, if it has a lifetime.
    pub fn refresh_at_ms(&self) -> Option<f64> {
        let entry = self.entry?;
        Some(self.refresh_at(entry.obtained_at_ms, entry.expires_at_ms?))
    }

    /// The span over which [`TokenCache::is_fresh`] holds, as `[from, until)`
    /// in ms: a caller may compare its clock against these two instants
    /// instead of asking again (`src/js/client.js` does, on every
    /// `getToken` and `fetch`). Empty (`[∞, ∞)`) with no token; `until` is
    /// infinite for a token without a lifetime.
    pub fn fresh_span(&self) -> (f64, f64) {
        let Some(entry) = self.entry else {
            return (f64::INFINITY, f64::INFINITY);
        };
        let until = match entry.expires_at_ms {
            None => f64::INFINITY,
            Some(expires_at) => self.refresh_at(entry.obtained_at_ms, expires_at),
        };
        (entry.obtained_at_ms, until)
    }

    /// When the cached token's response arrived.
    pub fn obtained_at_ms(&self) -> Option<f64> {
        Some(self.entry?.obtained_at_ms)
    }

    /// Records a new token; earlier failures no longer count.
    pub fn store(&mut self, entry: Entry) {
        self.entry = Some(entry);
        self.backoff.reset();
        self.generation += 1;
    }

    /// Forgets the cached token (and the failures: the next request is a
    /// caller's, in the mandatory window).
    pub fn invalidate(&mut self) {
        self.entry = None;
        self.backoff.reset();
        self.generation += 1;
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }
}

#[cfg(test)]
#[path = "../tests/unit/cache.rs"]
mod tests;
