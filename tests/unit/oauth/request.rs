use super::*;
use crate::oauth::endpoint::tests::endpoint;
use crate::oauth::BasicEncoding;

fn request(auth: ClientAuth) -> TokenRequest {
    TokenRequest::new(
        endpoint(
            "https://sso.example/realms/sivalabs/protocol/openid-connect/token",
            "sso.example",
        ),
        Credentials::new("archival-service", Secret::new("s3cr:t+% x")).unwrap(),
        auth,
        vec!["openid".into(), "profile  email".into()],
        Some("api://b".into()),
        vec!["https://a.example".into(), "urn:b".into()],
        vec![("tenant".into(), "t 1".into())],
        None,
    )
    .unwrap()
}

#[test]
fn basic_puts_form_encoded_credentials_in_the_header() {
    let http = request(ClientAuth::Basic).to_http();
    // base64("archival-service:s3cr%3At%2B%25+x")
    assert_eq!(
        http.authorization.unwrap().expose(),
        "Basic YXJjaGl2YWwtc2VydmljZTpzM2NyJTNBdCUyQiUyNSt4"
    );
    assert_eq!(
        http.form.as_ref().unwrap().expose(),
        "grant_type=client_credentials&scope=openid+profile+email&audience=api%3A%2F%2Fb&resource=https%3A%2F%2Fa.example&resource=urn%3Ab&tenant=t+1"
    );
    assert!(!http.form.as_ref().unwrap().expose().contains("s3cr"));
}

#[test]
fn post_puts_credentials_in_the_body() {
    let http = request(ClientAuth::Post).to_http();
    assert!(http.authorization.is_none());
    assert!(http
        .form
        .as_ref()
        .unwrap()
        .expose()
        .ends_with("&client_id=archival-service&client_secret=s3cr%3At%2B%25+x"));
    assert!(http
        .form
        .as_ref()
        .unwrap()
        .expose()
        .starts_with("grant_type=client_credentials&"));
}

#[test]
fn debug_never_shows_the_secret() {
    let r = request(ClientAuth::Post);
    let shown = format!("{r:?} {:?}", r.to_http());
    assert!(!shown.contains("s3cr"), "{shown}");
    assert!(shown.contains("[redacted]"));
}

#[test]
fn secrets_cover_every_encoding_sent() {
    let s = request(ClientAuth::Basic).secrets();
    assert_eq!(s[0], "s3cr:t+% x");
    assert_eq!(s[1], "s3cr%3At%2B%25+x");
    assert_eq!(s[2], "YXJjaGl2YWwtc2VydmljZTpzM2NyJTNBdCUyQiUyNSt4");
}

#[test]
fn auth_method_names() {
    assert_eq!(
        ClientAuth::from_name("client_secret_post").unwrap(),
        ClientAuth::Post
    );
    assert_eq!(
        ClientAuth::from_name("client_secret_basic").unwrap().name(),
        "client_secret_basic"
    );
    for auth in [
        ClientAuth::Basic,
        ClientAuth::Post,
        ClientAuth::PrivateKeyJwt,
        ClientAuth::SecretJwt,
    ] {
        assert_eq!(ClientAuth::from_name(auth.name()).unwrap(), auth);
        assert_eq!(auth.is_jwt(), auth.name().ends_with("_jwt"));
    }
    assert_eq!(
        ClientAuth::from_name("tls_client_auth").unwrap_err().code(),
        "ERR_INVALID_OPTIONS"
    );
}

#[test]
fn jwt_methods_send_the_id_and_an_assertion_slot_last() {
    for auth in [ClientAuth::PrivateKeyJwt, ClientAuth::SecretJwt] {
        let http = request(auth).to_http();
        assert!(http.authorization.is_none());
        let form = http.form.unwrap();
        assert!(
            form.expose().ends_with("&client_id=archival-service&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer&client_assertion="),
            "{}",
            form.expose()
        );
        assert!(!form.expose().contains("s3cr"));
    }
}

#[test]
fn a_client_without_secret_has_nothing_to_redact() {
    let mut r = request(ClientAuth::PrivateKeyJwt);
    r.credentials = Credentials::without_secret("archival-service").unwrap();
    assert!(r.secrets().iter().all(String::is_empty));
    assert!(Credentials::without_secret("").is_err());
}

#[test]
fn credentials_must_be_present() {
    assert!(Credentials::new("", Secret::new("x")).is_err());
    assert!(Credentials::new("id", Secret::new("")).is_err());
}

fn with(
    scopes: Vec<String>,
    resources: Vec<String>,
    extra: Vec<(String, String)>,
    timeout: Option<f64>,
) -> Result<TokenRequest, Error> {
    TokenRequest::new(
        endpoint("https://x.example/t", "x.example"),
        Credentials::new("id", Secret::new("s")).unwrap(),
        ClientAuth::Basic,
        scopes,
        None,
        resources,
        extra,
        timeout,
    )
}

#[test]
fn validates_scopes_resources_extras_and_timeout() {
    assert_eq!(with(vec![], vec![], vec![], None).unwrap().scope, None);
    assert_eq!(
        with(vec!["  ".into()], vec![], vec![], None).unwrap().scope,
        None
    );
    assert!(with(vec!["a\"b".into()], vec![], vec![], None).is_err());
    assert!(with(vec!["é".into()], vec![], vec![], None).is_err());
    assert!(with(vec![], vec!["not a uri".into()], vec![], None).is_err());
    assert!(with(vec![], vec!["https://a.example#frag".into()], vec![], None).is_err());
    for reserved in [
        "grant_type",
        "client_secret",
        "client_id",
        "scope",
        "resource",
        "audience",
    ] {
        let e = with(vec![], vec![], vec![(reserved.into(), "x".into())], None).unwrap_err();
        assert!(e.to_string().contains(reserved), "{e}");
    }
    assert!(with(vec![], vec![], vec![("".into(), "x".into())], None).is_err());
    assert_eq!(
        with(vec![], vec![], vec![], None).unwrap().timeout_ms,
        DEFAULT_TIMEOUT_MS
    );
    assert_eq!(
        with(vec![], vec![], vec![], Some(1.5)).unwrap().timeout_ms,
        2
    );
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 3e9] {
        assert_eq!(
            with(vec![], vec![], vec![], Some(bad)).unwrap_err().code(),
            "ERR_INVALID_OPTIONS"
        );
    }
}

#[test]
fn basic_raw_encoding_sends_the_parts_as_they_are() {
    let mut r = request(ClientAuth::Basic);
    r.credentials = r
        .credentials
        .with_basic_encoding(BasicEncoding::Raw)
        .unwrap();
    // base64("archival-service:s3cr:t+% x")
    assert_eq!(
        r.to_http().authorization.unwrap().expose(),
        "Basic YXJjaGl2YWwtc2VydmljZTpzM2NyOnQrJSB4"
    );
    // What the server might echo is the raw header now.
    assert_eq!(r.secrets()[2], "YXJjaGl2YWwtc2VydmljZTpzM2NyOnQrJSB4");
}

#[test]
fn basic_encoding_names_and_limits() {
    assert_eq!(
        BasicEncoding::from_name("form").unwrap(),
        BasicEncoding::Form
    );
    assert_eq!(BasicEncoding::from_name("raw").unwrap(), BasicEncoding::Raw);
    assert_eq!(BasicEncoding::default(), BasicEncoding::Form);
    let e = BasicEncoding::from_name("utf8").unwrap_err();
    assert_eq!(e.code(), "ERR_INVALID_OPTIONS");
    assert!(e.to_string().contains("\"raw\""), "{e}");
    // RFC 7617 §2: a raw user-id can't hold the separator.
    let colon = Credentials::new("a:b", Secret::new("s")).unwrap();
    let e = colon.with_basic_encoding(BasicEncoding::Raw).unwrap_err();
    assert!(e.to_string().contains("\":\""), "{e}");
    let colon = Credentials::new("a:b", Secret::new("s")).unwrap();
    assert!(colon.with_basic_encoding(BasicEncoding::Form).is_ok());
}

#[test]
fn a_bare_request_is_the_client_and_its_endpoint_alone() {
    let bare = TokenRequest::bare(
        endpoint("https://sso.example/introspect", "sso.example"),
        Credentials::new("archive-api", Secret::new("s")).unwrap(),
        ClientAuth::Post,
        Some(2500.0),
    )
    .unwrap();
    assert_eq!(
        (
            bare.scope,
            bare.audience,
            bare.resources.len(),
            bare.extra.len()
        ),
        (None, None, 0, 0)
    );
    assert_eq!(bare.timeout_ms, 2500);
    let err = TokenRequest::bare(
        endpoint("https://sso.example/introspect", "sso.example"),
        Credentials::new("archive-api", Secret::new("s")).unwrap(),
        ClientAuth::Post,
        Some(-1.0),
    )
    .unwrap_err();
    assert_eq!(err.code(), "ERR_INVALID_OPTIONS");
}
