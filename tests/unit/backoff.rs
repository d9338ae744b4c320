use super::*;

const T0: f64 = 1_000_000.0;

/// A fixed sequence of "random" numbers, standing in for the host's.
struct Source(Vec<f64>);

impl Source {
    fn next(&mut self) -> f64 {
        self.0.remove(0)
    }
}

#[test]
fn the_caps_double_from_one_second_to_thirty() {
    let caps: Vec<f64> = (1..=8).map(cap_ms).collect();
    assert_eq!(
        caps,
        [1e3, 2e3, 4e3, 8e3, 16e3, 30e3, 30e3, 30e3],
        "1 s doubling, capped at 30 s"
    );
    assert_eq!(cap_ms(u32::MAX), MAX_MS, "no overflow after many failures");
    assert_eq!(cap_ms(0), FIRST_MS);
}

#[test]
fn full_jitter_is_uniform_below_the_cap() {
    assert_eq!(delay_ms(1, 0.0), 0.0);
    assert_eq!(delay_ms(1, 0.5), 500.0);
    assert_eq!(delay_ms(3, 0.25), 1_000.0);
    assert_eq!(delay_ms(9, 0.999_999), 29_999.0);
    // A broken source can neither stop the retries nor flood them.
    assert_eq!(delay_ms(2, 7.0), 2_000.0);
    assert_eq!(delay_ms(2, -1.0), 0.0);
    assert_eq!(delay_ms(2, f64::NAN), 1_000.0);
}

#[test]
fn the_sequence_of_waits_follows_the_injected_source() {
    let mut random = Source(vec![0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1]);
    let mut b = Backoff::default();
    let mut now = T0;
    let mut waits = Vec::new();
    for _ in 0..8 {
        let wait = b
            .failed(Failure::Transient, None, now, random.next())
            .unwrap();
        assert!(
            !b.may_attempt(now + wait - 1.0),
            "no attempt before the wait"
        );
        assert!(b.may_attempt(now + wait), "an attempt once it is over");
        waits.push(wait);
        now += wait + 1_000.0;
    }
    assert_eq!(
        waits,
        [500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 15_000.0, 15_000.0, 3_000.0]
    );
    assert_eq!(b.failures(), 8);
    b.reset();
    assert_eq!(b.failures(), 0);
    assert!(b.may_attempt(now));
}

#[test]
fn retry_after_wins_over_the_backoff() {
    let mut b = Backoff::default();
    assert_eq!(
        b.failed(Failure::Transient, Some("120"), T0, 0.5),
        Some(120_000.0)
    );
    assert!(!b.may_attempt(T0 + 119_999.0));
    assert!(b.may_attempt(T0 + 120_000.0));
    // Shorter than the backoff wins too.
    for _ in 0..5 {
        b.failed(Failure::Transient, None, T0, 0.5);
    }
    assert_eq!(b.failed(Failure::Transient, Some("0"), T0, 0.5), Some(0.0));
    // Unreadable: the backoff applies.
    assert_eq!(
        b.failed(Failure::Transient, Some("soon"), T0, 0.5),
        Some(15_000.0)
    );
}

#[test]
fn retry_after_reads_seconds_and_imf_fixdates() {
    assert_eq!(retry_after_ms(" 30 ", 0.0), Some(30_000.0));
    assert_eq!(retry_after_ms("99999999", 0.0), Some(MAX_RETRY_AFTER_MS));
    let now = 784_111_777_000.0; // Sun, 06 Nov 1994 08:49:37 GMT
    assert_eq!(
        retry_after_ms("Sun, 06 Nov 1994 08:50:07 GMT", now),
        Some(30_000.0)
    );
    assert_eq!(
        retry_after_ms("Sun, 06 Nov 1994 08:49:00 GMT", now),
        Some(0.0),
        "a date in the past is no wait"
    );
    assert_eq!(
        retry_after_ms("Thu, 01 Jan 1970 00:00:00 GMT", 0.0),
        Some(0.0)
    );
    assert_eq!(
        retry_after_ms("Tue, 29 Feb 2028 12:00:00 GMT", 0.0),
        Some(MAX_RETRY_AFTER_MS),
        "clamped to a day"
    );
    for bad in [
        "",
        "-5",
        "1.5",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
    ] {
        assert_eq!(retry_after_ms(bad, 0.0), None, "{bad:?}");
    }
}

#[test]
fn days_from_civil_matches_known_dates() {
    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(1969, 12, 31), -1);
}

#[test]
fn definitive_failures_stop_the_background_attempts() {
    assert_eq!(
        Failure::of("ERR_OAUTH", "invalid_client"),
        Failure::Definitive
    );
    assert_eq!(
        Failure::of("ERR_OAUTH", "unauthorized_client"),
        Failure::Definitive
    );
    assert_eq!(Failure::of("ERR_INVALID_OPTIONS", ""), Failure::Definitive);
    assert_eq!(Failure::of("ERR_ABORTED", ""), Failure::Definitive);
    for (code, error) in [
        ("ERR_OAUTH", "temporarily_unavailable"),
        ("ERR_OAUTH", "server_error"),
        ("ERR_HTTP", "invalid_client"),
        ("ERR_NETWORK", ""),
        ("ERR_TIMEOUT", ""),
        ("ERR_INVALID_RESPONSE", ""),
    ] {
        assert_eq!(
            Failure::of(code, error),
            Failure::Transient,
            "{code} {error}"
        );
    }
    let mut b = Backoff::default();
    assert_eq!(b.failed(Failure::Definitive, Some("1"), T0, 0.5), None);
    assert!(b.stopped());
    assert!(!b.may_attempt(T0 + 86_400_000.0), "never, until reset");
    b.reset();
    assert!(b.may_attempt(T0));
}

#[test]
fn a_clock_that_jumps_back_allows_an_attempt() {
    let mut b = Backoff::default();
    b.failed(Failure::Transient, Some("60"), T0, 0.5);
    assert!(!b.may_attempt(T0 + 1.0));
    assert!(b.may_attempt(T0 - 1.0));
    assert_eq!(b.next_at_ms(), Some(T0 + 60_000.0));
}
