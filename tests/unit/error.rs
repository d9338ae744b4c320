use super::*;

#[test]
fn codes_are_stable() {
    let cases = [
        (
            Error::OAuth {
                client_hint: None,
                status: 401,
                error: "invalid_client".into(),
                description: None,
                uri: None,
                hints: ResponseHints::default(),
            },
            "ERR_OAUTH",
        ),
        (
            Error::Http {
                status: 500,
                body: String::new(),
                hints: ResponseHints::default(),
            },
            "ERR_HTTP",
        ),
        (Error::Network("x".into()), "ERR_NETWORK"),
        (Error::Timeout { timeout_ms: 5 }, "ERR_TIMEOUT"),
        (Error::Aborted, "ERR_ABORTED"),
        (Error::response("x"), "ERR_INVALID_RESPONSE"),
        (Error::options("x"), "ERR_INVALID_OPTIONS"),
        (Error::jwt("x"), "ERR_INVALID_JWT"),
        (Error::JwtAlg("x".into()), "ERR_JWT_ALG"),
        (Error::JwtSignature("x".into()), "ERR_JWT_SIGNATURE"),
        (
            Error::JwtExpired {
                claim: "exp",
                message: "x".into(),
            },
            "ERR_JWT_EXPIRED",
        ),
        (
            Error::JwtNotYetValid {
                claim: "nbf",
                message: "x".into(),
            },
            "ERR_JWT_NOT_YET_VALID",
        ),
        (
            Error::JwtClaim {
                claim: "iss",
                message: "x".into(),
            },
            "ERR_JWT_CLAIM",
        ),
        (Error::JwksNoKey("x".into()), "ERR_JWKS_NO_KEY"),
        (Error::Store("x".into()), "ERR_STORE"),
        (Error::KeySetStore("x".into()), "ERR_STORE"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code);
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn invalid_client_message_says_what_to_check() {
    let e = Error::OAuth {
        client_hint: None,
        status: 401,
        error: "invalid_client".into(),
        description: Some("Invalid client credentials".into()),
        uri: None,
        hints: ResponseHints::default(),
    };
    let m = e.to_string();
    assert!(m.contains("invalid_client"), "{m}");
    assert!(m.contains("Invalid client credentials"), "{m}");
    assert!(m.contains("clientSecret"), "{m}");
    assert!(m.contains("401"), "{m}");
}

#[test]
fn redact_removes_every_occurrence() {
    assert_eq!(
        redact("a s3cret b s3cret", &["s3cret", ""]),
        "a [redacted] b [redacted]"
    );
    assert_eq!(redact("nothing here", &["s3cret"]), "nothing here");
}

#[test]
fn excerpt_caps_and_flattens() {
    let long = "x".repeat(1000);
    let e = excerpt(&long);
    assert_eq!(e.chars().count(), BODY_EXCERPT_CHARS + 1);
    assert!(e.ends_with('…'));
    assert_eq!(
        excerpt("<h1>\nBad\r\nGateway</h1>\n"),
        "<h1> Bad  Gateway</h1>"
    );
    assert_eq!(excerpt("ένα"), "ένα");
}
