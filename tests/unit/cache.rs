use super::*;
use crate::backoff::Failure;

const T0: f64 = 1_000_000.0;

fn cache_with(expires_in_s: Option<f64>) -> TokenCache {
    let mut c = TokenCache::new(DEFAULT_SKEW_SECONDS);
    c.store(Entry {
        obtained_at_ms: T0,
        expires_at_ms: expires_in_s.map(|s| T0 + s * 1000.0),
    });
    c
}

#[test]
fn empty_cache_is_never_fresh() {
    assert!(!TokenCache::new(60).is_fresh(T0));
}

#[test]
fn reused_until_expiry_minus_skew() {
    let c = cache_with(Some(300.0));
    assert!(c.is_fresh(T0));
    assert!(c.is_fresh(T0 + 239_999.0));
    assert!(!c.is_fresh(T0 + 240_000.0));
    assert!(!c.is_fresh(T0 + 300_000.0));
    assert_eq!(c.refresh_at_ms(), Some(T0 + 240_000.0));
}

#[test]
fn short_lifetimes_get_half_their_lifetime() {
    let c = cache_with(Some(30.0));
    assert!(
        c.is_fresh(T0 + 14_999.0),
        "a 30 s token is not stale on arrival"
    );
    assert!(!c.is_fresh(T0 + 15_000.0));
    let c = cache_with(Some(0.0));
    assert!(!c.is_fresh(T0));
}

#[test]
fn skew_is_configurable() {
    let mut c = TokenCache::new(0);
    c.store(Entry {
        obtained_at_ms: T0,
        expires_at_ms: Some(T0 + 10_000.0),
    });
    assert!(c.is_fresh(T0 + 9_999.0));
    assert!(!c.is_fresh(T0 + 10_000.0));
}

#[test]
fn without_expires_in_the_token_lives_until_invalidated() {
    let mut c = cache_with(None);
    assert!(c.is_fresh(T0 + 365.0 * 86_400_000.0));
    assert_eq!(c.refresh_at_ms(), None);
    c.invalidate();
    assert!(!c.is_fresh(T0));
}

#[test]
fn a_clock_that_jumps_back_forces_a_refresh() {
    let c = cache_with(Some(300.0));
    assert!(!c.is_fresh(T0 - 1.0));
    // And one that jumps forward past expiry does too.
    assert!(!c.is_fresh(T0 + 86_400_000.0));
}

#[test]
fn generation_changes_on_store_and_invalidate() {
    let mut c = TokenCache::new(60);
    let g0 = c.generation();
    c.store(Entry {
        obtained_at_ms: T0,
        expires_at_ms: None,
    });
    let g1 = c.generation();
    c.invalidate();
    assert!(g0 < g1 && g1 < c.generation());
}

fn windows_of(skew_s: u32, min_validity_s: u32, expires_in_s: f64) -> TokenCache {
    let mut c = TokenCache::with_min_validity(skew_s, min_validity_s);
    c.store(Entry {
        obtained_at_ms: T0,
        expires_at_ms: Some(T0 + expires_in_s * 1000.0),
    });
    c
}

const REFRESH: Window = Window::Advisory { refresh: true };
const WAIT_OUT: Window = Window::Advisory { refresh: false };

#[test]
fn the_three_windows_of_a_300_s_token() {
    let c = windows_of(60, 10, 300.0);
    assert_eq!(c.window(T0), Window::Fresh);
    assert_eq!(c.window(T0 + 239_999.0), Window::Fresh);
    assert_eq!(
        c.window(T0 + 240_000.0),
        REFRESH,
        "advisory from expiry - skew"
    );
    assert_eq!(c.window(T0 + 289_999.0), REFRESH);
    assert_eq!(
        c.window(T0 + 290_000.0),
        Window::Mandatory,
        "never handed out with less than minValiditySeconds left"
    );
    assert_eq!(c.window(T0 + 300_000.0), Window::Mandatory);
    assert_eq!(c.window(T0 - 1.0), Window::Mandatory, "clock went back");
    assert!(!c.is_fresh(T0 + 240_000.0), "is_fresh is the fresh window");
}

#[test]
fn min_validity_is_capped_at_the_capped_skew() {
    // A 2 s token: skew capped at 1 s, min validity too: no advisory window.
    let c = windows_of(60, 10, 2.0);
    assert_eq!(c.window(T0 + 999.0), Window::Fresh);
    assert_eq!(c.window(T0 + 1_000.0), Window::Mandatory);
    // A 20 s token with skew 10: min validity 10 leaves no advisory window,
    // 3 leaves seven seconds.
    let c = windows_of(10, 10, 20.0);
    assert_eq!(c.window(T0 + 10_000.0), Window::Mandatory);
    let c = windows_of(10, 3, 20.0);
    assert_eq!(c.window(T0 + 9_999.0), Window::Fresh);
    assert_eq!(c.window(T0 + 10_000.0), REFRESH);
    assert_eq!(c.window(T0 + 16_999.0), REFRESH);
    assert_eq!(c.window(T0 + 17_000.0), Window::Mandatory);
    // Skew 0: used until expiry, as before.
    let c = windows_of(0, 10, 20.0);
    assert_eq!(c.window(T0 + 19_999.0), Window::Fresh);
    assert_eq!(c.window(T0 + 20_000.0), Window::Mandatory);
    // Min validity 0: advisory until expiry.
    let c = windows_of(10, 0, 20.0);
    assert_eq!(c.window(T0 + 19_999.0), REFRESH);
}

#[test]
fn a_token_without_lifetime_is_always_fresh_and_none_is_mandatory() {
    assert_eq!(TokenCache::new(60).window(T0), Window::Mandatory);
    let c = cache_with(None);
    assert_eq!(c.window(T0 + 86_400_000.0), Window::Fresh);
}

#[test]
fn a_failed_background_refresh_is_waited_out_then_retried() {
    let mut c = windows_of(60, 10, 300.0);
    let t = T0 + 240_000.0;
    assert_eq!(
        c.backoff_mut().failed(Failure::Transient, None, t, 0.5),
        Some(500.0)
    );
    assert_eq!(
        c.window(t + 499.0),
        WAIT_OUT,
        "still handed out while waiting"
    );
    assert_eq!(c.window(t + 500.0), REFRESH);
    assert_eq!(
        c.backoff_mut()
            .failed(Failure::Transient, None, t + 500.0, 0.5),
        Some(1_000.0),
        "the second failure doubles the cap"
    );
    assert_eq!(c.window(t + 1_499.0), WAIT_OUT);
    // The mandatory window does not wait for the backoff: the caller asks.
    assert_eq!(c.window(T0 + 290_000.0), Window::Mandatory);
    // A new token forgets the failures.
    let g = c.generation();
    c.store(Entry {
        obtained_at_ms: t + 1_000.0,
        expires_at_ms: Some(t + 301_000.0),
    });
    assert_eq!(c.backoff().failures(), 0);
    assert!(c.generation() > g);
}

#[test]
fn a_definitive_failure_stops_background_refreshes_until_the_mandatory_window() {
    let mut c = windows_of(60, 10, 300.0);
    let t = T0 + 240_000.0;
    assert_eq!(
        c.backoff_mut()
            .failed(Failure::of("ERR_OAUTH", "invalid_client"), None, t, 0.5),
        None
    );
    assert_eq!(c.window(t + 49_999.0), WAIT_OUT, "the token is kept");
    assert_eq!(c.window(T0 + 290_000.0), Window::Mandatory);
    c.invalidate();
    assert!(!c.backoff().stopped(), "invalidate() forgets the failures");
}

/// The span handed to JavaScript says what `is_fresh` says, at every edge.
#[test]
fn the_fresh_span_agrees_with_is_fresh() {
    let inside = |c: &TokenCache, now: f64| {
        let (from, until) = c.fresh_span();
        from <= now && now < until
    };
    let empty = TokenCache::new(60);
    for now in [0.0, T0, f64::MAX] {
        assert!(!inside(&empty, now) && !empty.is_fresh(now));
    }
    for c in [
        cache_with(Some(300.0)),
        cache_with(Some(30.0)),
        cache_with(Some(0.0)),
        cache_with(None),
    ] {
        for now in [
            0.0,
            T0 - 1.0,
            T0,
            T0 + 1.0,
            T0 + 14_999.0,
            T0 + 15_000.0,
            T0 + 239_999.0,
            T0 + 240_000.0,
            T0 + 1e12,
        ] {
            assert_eq!(inside(&c, now), c.is_fresh(now), "{now}");
        }
    }
    let mut c = cache_with(Some(300.0));
    c.invalidate();
    assert!(!inside(&c, T0));
}
