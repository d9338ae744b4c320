use super::*;
use crate::oauth::{ClientAuth, Credentials, Endpoint};
use crate::secret::Secret;

const SECRET: &str = "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a";

fn request(secret: &str, scope: &str, extra: Vec<(String, String)>) -> TokenRequest {
    TokenRequest::new(
        Endpoint {
            href: "https://sso.example/realms/sivalabs/protocol/openid-connect/token".into(),
            scheme: "https".into(),
            host: "sso.example".into(),
            has_userinfo: false,
            has_fragment: false,
        },
        Credentials::new("archival-service", Secret::new(secret)).unwrap(),
        ClientAuth::Basic,
        vec![scope.into()],
        Some("api://b".into()),
        vec!["https://a.example".into()],
        extra,
        None,
    )
    .unwrap()
}

#[test]
fn identity_names_everything_but_the_secret() {
    let id = identity(&request(SECRET, "openid archive:read", vec![]), None);
    assert_eq!(
        id,
        "v=1&grant_type=client_credentials&token_endpoint=https%3A%2F%2Fsso.example%2Frealms%2Fsivalabs%2Fprotocol%2Fopenid-connect%2Ftoken&client_id=archival-service&auth_method=client_secret_basic&scope=openid+archive%3Aread&audience=api%3A%2F%2Fb&resource=https%3A%2F%2Fa.example"
    );
    assert!(!id.contains(SECRET));
    // The secret does not change the identity (rotation keeps the key; the
    // new secret just can't read the old entry, and replaces it).
    assert_eq!(
        id,
        identity(
            &request("another-secret", "openid archive:read", vec![]),
            None
        )
    );
}

#[test]
fn identity_differs_for_every_field_that_changes_the_token() {
    let base = identity(&request(SECRET, "openid", vec![]), None);
    let others = [
        identity(&request(SECRET, "openid email", vec![]), None),
        identity(
            &request(SECRET, "openid", vec![("tenant".into(), "a".into())]),
            None,
        ),
        identity(
            &request(SECRET, "openid", vec![]),
            Some("https://sso.example/realms/sivalabs"),
        ),
        {
            let mut r = request(SECRET, "openid", vec![]);
            r.auth = ClientAuth::Post;
            identity(&r, None)
        },
        {
            let mut r = request(SECRET, "openid", vec![]);
            r.credentials.client_id = "other".into();
            identity(&r, None)
        },
        {
            let mut r = request(SECRET, "openid", vec![]);
            r.audience = None;
            identity(&r, None)
        },
    ];
    for other in &others {
        assert_ne!(&base, other);
    }
}

#[test]
fn an_extra_parameter_cannot_pose_as_a_named_field() {
    // The named fields are reserved in extra params, except the identity's
    // own names, which are prefixed.
    let a = identity(
        &request(
            SECRET,
            "openid",
            vec![("token_endpoint".into(), "x".into())],
        ),
        None,
    );
    assert!(a.ends_with("&x.token_endpoint=x"), "{a}");
    let b = identity(
        &request(SECRET, "openid", vec![("a".into(), "1&x.b=2".into())]),
        None,
    );
    let c = identity(
        &request(
            SECRET,
            "openid",
            vec![("a".into(), "1".into()), ("b".into(), "2".into())],
        ),
        None,
    );
    assert_ne!(b, c);
}

#[test]
fn an_entry_round_trips() {
    let body = "{\"access_token\":\"eyJ\",\"token_type\":\"Bearer\",\"expires_in\":300}";
    let text = encode_entry("v=1&c=a", 1_764_528_000_123.0, body);
    assert_eq!(
        text,
        format!("{ENTRY_VERSION}\nv=1&c=a\n1764528000123\n{body}")
    );
    assert_eq!(
        decode_entry(&text, "v=1&c=a"),
        Some(StoredEntry {
            obtained_at_ms: 1_764_528_000_123.0,
            body
        })
    );
}

#[test]
fn a_body_with_newlines_survives() {
    let body = "{\n\"access_token\": \"a\"\n}";
    let text = encode_entry("id", 5.0, body);
    assert_eq!(decode_entry(&text, "id").unwrap().body, body);
}

#[test]
fn foreign_old_truncated_and_malformed_entries_are_ignored() {
    let text = encode_entry("id", 1000.0, "{}");
    assert_eq!(decode_entry(&text, "other"), None, "foreign");
    assert_eq!(
        decode_entry(&text.replace("/store/1", "/store/0"), "id"),
        None,
        "another version"
    );
    for cut in 0..text.len() - 1 {
        assert_eq!(decode_entry(&text[..cut], "id"), None, "truncated at {cut}");
    }
    for bad in [
        "",
        "\n\n\n",
        &format!("{ENTRY_VERSION}\nid\n\n{{}}"),
        &format!("{ENTRY_VERSION}\nid\n-5\n{{}}"),
        &format!("{ENTRY_VERSION}\nid\n1.5\n{{}}"),
        &format!("{ENTRY_VERSION}\nid\n99999999999999999999\n{{}}"),
        &format!("{ENTRY_VERSION}\nid\n12\n"),
    ] {
        assert_eq!(decode_entry(bad, "id"), None, "{bad:?}");
    }
}

#[test]
fn the_entry_lives_until_the_token_must_be_refreshed() {
    assert_eq!(ttl_seconds(Some(241_000.0), 1_000.0), Some(240));
    assert_eq!(ttl_seconds(Some(241_999.0), 1_000.0), Some(240));
    assert_eq!(ttl_seconds(Some(1_999.0), 1_000.0), None);
    assert_eq!(ttl_seconds(Some(500.0), 1_000.0), None);
    assert_eq!(ttl_seconds(None, 1_000.0), None);
}

fn with(store: StoreShape) -> StoreOptions {
    StoreOptions {
        store,
        on_error_is_function: None,
        store_secret_chars: None,
        has_client_secret: true,
        timeout_ms: None,
    }
}

const FULL: StoreShape = StoreShape::Object {
    get: true,
    set: true,
    delete: true,
    lock: true,
    unlock: true,
};

#[test]
fn the_messages_quote_the_limits() {
    let message = |o: StoreOptions| check_options(&o).unwrap_err().to_string();
    assert!(message(StoreOptions {
        store_secret_chars: Some(1),
        ..with(FULL)
    })
    .contains(&format!("at least {MIN_STORE_SECRET_CHARS} characters")));
    assert!(message(StoreOptions {
        timeout_ms: Some(0.0),
        ..with(FULL)
    })
    .contains(&format!("from 1 to {MAX_STORE_TIMEOUT_MS}")));
}

#[test]
fn store_options() {
    assert_eq!(check_options(&with(StoreShape::Absent)), Ok(None));
    assert_eq!(check_options(&with(FULL)), Ok(Some(1000)));
    let no_lock = StoreShape::Object {
        get: true,
        set: true,
        delete: true,
        lock: false,
        unlock: false,
    };
    assert_eq!(check_options(&with(no_lock)), Ok(Some(1000)));
    let timeout = |ms| {
        check_options(&StoreOptions {
            timeout_ms: Some(ms),
            ..with(FULL)
        })
    };
    assert_eq!(timeout(250.0), Ok(Some(250)));
    for bad in [0.0, -1.0, 60_001.0] {
        assert_eq!(timeout(bad).unwrap_err().code(), "ERR_INVALID_OPTIONS");
    }
}

#[test]
fn bad_store_options_say_what_to_fix() {
    let message = |o: StoreOptions| check_options(&o).unwrap_err().to_string();
    assert!(message(with(StoreShape::NotObject)).contains("redisStore"));
    assert!(message(with(StoreShape::Object {
        get: true,
        set: false,
        delete: true,
        lock: false,
        unlock: false
    }))
    .contains("get(key), set(key, value, { ttlSeconds }) and delete(key)"));
    assert!(message(with(StoreShape::Object {
        get: true,
        set: true,
        delete: true,
        lock: true,
        unlock: false
    }))
    .contains("lock and store.unlock"));
    assert!(message(StoreOptions {
        on_error_is_function: Some(false),
        ..with(FULL)
    })
    .contains("onStoreError"));
    assert!(message(StoreOptions {
        store_secret_chars: Some(8),
        ..with(FULL)
    })
    .contains("at least 16"));
    assert!(message(StoreOptions {
        has_client_secret: false,
        ..with(FULL)
    })
    .contains("storeSecret is required"));
    assert_eq!(
        check_options(&StoreOptions {
            has_client_secret: false,
            store_secret_chars: Some(32),
            ..with(FULL)
        }),
        Ok(Some(1000))
    );
    // Store options without a store are a mistake, not silently ignored.
    for o in [
        StoreOptions {
            store_secret_chars: Some(32),
            ..with(StoreShape::Absent)
        },
        StoreOptions {
            on_error_is_function: Some(true),
            ..with(StoreShape::Absent)
        },
        StoreOptions {
            timeout_ms: Some(5.0),
            ..with(StoreShape::Absent)
        },
    ] {
        assert!(message(o).contains("only apply with the store option"));
    }
}

const JWKS_URL: &str = "https://sso.example/realms/sivalabs/protocol/openid-connect/certs";
const JWKS_BODY: &str = "{\"keys\":[]}\n";

#[test]
fn jwks_identity_names_the_issuer_or_the_url_apart_from_tokens() {
    let by_url = jwks_identity(None, Some(JWKS_URL));
    let by_issuer = jwks_identity(Some("https://sso.example/realms/sivalabs"), None);
    assert_eq!(
        by_url,
        "v=1&jwks_uri=https%3A%2F%2Fsso.example%2Frealms%2Fsivalabs%2Fprotocol%2Fopenid-connect%2Fcerts"
    );
    assert!(by_issuer.starts_with("v=1&issuer="));
    assert_ne!(by_url, by_issuer);
    assert_ne!(JWKS_ENTRY_VERSION, ENTRY_VERSION);
    assert_eq!(JWKS_KEY_PREFIX, "jwks:");
}

#[test]
fn jwks_entries_round_trip_and_refuse_anything_else() {
    let identity = jwks_identity(None, Some(JWKS_URL));
    let text = encode_jwks_entry(&identity, JWKS_URL, 1_000_000.0, JWKS_BODY);
    fn read_at<'a>(
        text: &'a str,
        identity: &str,
        url: Option<&str>,
        now: f64,
    ) -> Option<StoredKeySet<'a>> {
        decode_jwks_entry(text, identity, url, now, 600_000.0)
    }
    let read = |text: &str, url: Option<&str>, now: f64| {
        read_at(text, &identity, url, now)
            .map(|e| (e.url.to_owned(), e.fetched_at_ms, e.body.to_owned()))
    };
    assert_eq!(
        read(&text, Some(JWKS_URL), 1_000_500.0),
        Some((JWKS_URL.to_owned(), 1_000_000.0, JWKS_BODY.to_owned()))
    );
    // With issuer, the URL is not known yet and comes from the entry.
    assert_eq!(
        read(&text, None, 1_000_500.0).map(|e| e.0),
        Some(JWKS_URL.to_owned())
    );
    // Expired at the max age; from the future beyond a second of skew.
    assert!(read(&text, Some(JWKS_URL), 1_599_999.0).is_some());
    assert_eq!(read(&text, Some(JWKS_URL), 1_600_000.0), None);
    assert!(read(&text, Some(JWKS_URL), 999_000.0).is_some());
    assert_eq!(read(&text, Some(JWKS_URL), 998_999.0), None);
    // Foreign: another URL, another identity, another version.
    assert_eq!(
        read(&text, Some("https://other.example/certs"), 1_000_500.0),
        None
    );
    let other = jwks_identity(None, Some("https://other.example/certs"));
    assert_eq!(
        decode_jwks_entry(&text, &other, None, 1_000_500.0, 600_000.0),
        None
    );
    assert_eq!(
        read(&text.replacen("jwks/1", "jwks/2", 1), None, 1_000_500.0),
        None
    );
    // Truncated or malformed anywhere.
    for end in 0..text.len() - JWKS_BODY.len() {
        assert_eq!(read(&text[..end], None, 1_000_500.0), None, "cut at {end}");
    }
    for bad in ["x1000000", "", "-1", "12345678901234567"] {
        let t = encode_jwks_entry(&identity, JWKS_URL, 0.0, JWKS_BODY).replacen(
            "\n0\n",
            &format!("\n{bad}\n"),
            1,
        );
        assert_eq!(read(&t, None, 1_000_500.0), None, "{bad}");
    }
    assert_eq!(
        read(
            &encode_jwks_entry(&identity, "", 1_000_000.0, JWKS_BODY),
            None,
            1_000_500.0
        ),
        None
    );
}

#[test]
fn jwks_options_need_a_store_and_no_secret() {
    let store = FULL;
    assert_eq!(check_jwks_options(StoreShape::Absent, None, None), Ok(None));
    assert_eq!(
        check_jwks_options(store, None, None),
        Ok(Some(DEFAULT_STORE_TIMEOUT_MS))
    );
    assert_eq!(
        check_jwks_options(store, Some(true), Some(50.0)),
        Ok(Some(50))
    );
    let message = |r: Result<Option<u32>, Error>| r.unwrap_err().to_string();
    assert!(
        message(check_jwks_options(StoreShape::Absent, Some(true), None))
            .contains("only apply with the store option")
    );
    assert!(
        message(check_jwks_options(StoreShape::Absent, None, Some(5.0)))
            .contains("only apply with the store option")
    );
    assert!(
        message(check_jwks_options(StoreShape::NotObject, None, None))
            .starts_with("store must be an object")
    );
    assert!(message(check_jwks_options(store, Some(false), None))
        .contains("onStoreError must be a function"));
    assert!(message(check_jwks_options(store, None, Some(0.0))).contains("storeTimeoutMs"));
}
