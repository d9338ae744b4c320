use super::*;

/// An endpoint as the binding would parse `url`, for tests here and of
/// the request.
pub(crate) fn endpoint(url: &str, host: &str) -> Endpoint {
    Endpoint {
        href: url.into(),
        scheme: url.split(':').next().unwrap().into(),
        host: host.into(),
        has_userinfo: false,
        has_fragment: false,
    }
}

#[test]
fn endpoint_rules() {
    let ok = |url: &str, host: &str| endpoint(url, host).check("tokenUrl", false);
    assert!(ok("https://sso.example/t", "sso.example").is_ok());
    for host in [
        "localhost",
        "127.0.0.1",
        "127.1.2.3",
        "[::1]",
        "app.localhost",
    ] {
        assert!(ok("http://x/t", host).is_ok(), "{host}");
    }
    for host in [
        "example.com",
        "128.0.0.1",
        "127.0.0.1.nip.io",
        "localhost.example",
        "[::2]",
        "10.0.0.1",
    ] {
        let e = ok("http://x/t", host).unwrap_err();
        assert!(e.to_string().contains("allowInsecureHttp"), "{host}: {e}");
    }
    assert!(endpoint("http://x/t", "example.com")
        .check("tokenUrl", true)
        .is_ok());
    assert!(ok("ftp://x/t", "x").is_err());
    let mut frag = endpoint("https://x/t#f", "x");
    frag.has_fragment = true;
    assert!(frag.check("tokenUrl", false).is_err());
    let mut userinfo = endpoint("https://u:p@x/t", "x");
    userinfo.has_userinfo = true;
    assert!(userinfo.check("tokenUrl", false).is_err());
}
