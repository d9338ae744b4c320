use super::*;

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
