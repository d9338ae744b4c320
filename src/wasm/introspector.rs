//! `introspectToken` and `authorizeRequest`'s `introspection` option, for
//! `src/js/introspection.js` to drive: token introspection (RFC 7662) as a
//! sans-I/O client of the introspection endpoint, the way a
//! [`crate::wasm::session::Session`] is one of the token endpoint. Both
//! forward to [`ServerClient`], so discovery, client authentication and
//! redaction have one copy; what is its own is the request (the token and
//! its hint) and the answer (active or not, and for how long it may stand).
//!
//! In the `/verify` entry's wasm (the `introspection` feature) without the
//! token client: a resource server introspects, it does not request tokens.

use crate::error::Error;
use crate::oauth::introspection;
use crate::wasm::client_config::{ClientConfig, Purpose};
use crate::wasm::decode::to_js;
use crate::wasm::exports::Options;
use crate::wasm::server_client::{response, seconds, server_client_methods, ServerClient};
use wasm_bindgen::prelude::*;

/// `introspectToken`'s option names (and the token request's, to name them
/// when misplaced), for [`crate::wasm::host::options_json`].
const OPTION_NAMES: &str = "introspectionEndpoint,issuer,clientId,clientSecret,authMethod,timeoutMs,allowInsecureHttp,basicEncoding,signingAlg,keyId,assertionAudience,cacheSeconds,always,tokenUrl,scope,audience,resource,extraParams,dpop,refreshSkewSeconds";

/// Options of a token request that an introspection request has no use
/// for: passing one is a mistake worth naming.
const NOT_FOR_INTROSPECTION: [&str; 7] = [
    "tokenUrl",
    "scope",
    "audience",
    "resource",
    "extraParams",
    "dpop",
    "refreshSkewSeconds",
];

/// A client of the introspection endpoint. See the module docs.
#[wasm_bindgen(skip_typescript)]
pub struct Introspector {
    client: ServerClient,
    /// `cacheSeconds`: how long an active answer stands.
    cache_seconds: u32,
    /// `always`: introspect every token, a JWT too.
    always: bool,
}

#[wasm_bindgen]
impl Introspector {
    /// Reads `introspectToken`'s options: `introspectionEndpoint` or
    /// `issuer`, `clientId` and the client's credentials as for a token
    /// request, and for `authorizeRequest` `cacheSeconds` and `always`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Introspector, JsValue> {
        Self::read(&options).map_err(to_js)
    }

    /// Whether every token is introspected (`always`), not only those that
    /// are not JWTs.
    #[wasm_bindgen(getter)]
    pub fn always(&self) -> bool {
        self.always
    }

    /// What `src/js/signing.js` imported (the DPoP arguments are unused).
    #[wasm_bindgen(js_name = useKeys)]
    pub fn use_keys(
        &mut self,
        assertion_alg: Option<String>,
        jwk_kid: Option<String>,
        _dpop_alg: Option<String>,
        _dpop_jwk: Option<String>,
    ) -> Result<(), JsValue> {
        self.client
            .use_assertion_key(assertion_alg, jwk_kid)
            .map_err(to_js)
    }

    /// The introspection request for `token` at `now_ms` (RFC 7662 §2.1)
    /// as `url \n authorization \n form \n assertion`: the token request's
    /// shape (see `Session.tokenRequest`), without a DPoP proof.
    #[wasm_bindgen(js_name = introspectionRequest)]
    pub fn introspection_request(&self, token: JsValue, now_ms: f64) -> Result<String, JsValue> {
        let token = token.as_string().filter(|t| !t.is_empty()).ok_or_else(|| {
            to_js(Error::options(
                "introspectToken expects the token as a non-empty string",
            ))
        })?;
        let request = self.client.request().ok_or_else(|| {
            to_js(Error::options(
                "the introspection endpoint is not known yet; discovery has not run",
            ))
        })?;
        let http = introspection::request(
            &request.endpoint,
            &request.credentials,
            request.auth,
            &token,
        );
        let authorization = http.authorization.as_ref().map_or("", |a| a.expose());
        let form = http.form.as_ref().map_or("", |f| f.expose());
        let assertion = self
            .client
            .assertion_input(request, seconds(now_ms))
            .map_err(to_js)?;
        Ok(format!(
            "{}\n{authorization}\n{form}\n{assertion}",
            http.url
        ))
    }

    /// Reads the introspection endpoint's answer about `token`, received at
    /// `now_ms`: `until \n claims`, where `claims` is the response's JSON
    /// object and `until` the epoch milliseconds up to which an active
    /// answer may be reused ([`introspection::cached_until_ms`]), empty for
    /// an inactive token. A refusal is the error, without the client's
    /// secrets or the token.
    #[wasm_bindgen(js_name = acceptIntrospection)]
    pub fn accept_introspection(
        &mut self,
        status: u16,
        meta: &str,
        body: &[u8],
        token: &str,
        now_ms: f64,
    ) -> Result<String, JsValue> {
        let cache_seconds = self.cache_seconds;
        let mut secrets = self.client.secrets();
        secrets.push(token);
        let found = introspection::parse_response(&response(status, meta, body), &secrets)
            .map_err(to_js)?;
        if !found.active {
            return Ok(format!("\n{}", found.claims));
        }
        // Whole milliseconds: formatting an f64 would pull core's float
        // printing into the wasm (about 10 KB gzip).
        let until =
            introspection::cached_until_ms(now_ms, found.exp, cache_seconds).max(0.0) as u64;
        Ok(format!("{until}\n{}", found.claims))
    }
}

server_client_methods!(Introspector);

impl Introspector {
    fn read(options: &JsValue) -> Result<Introspector, Error> {
        let reader = Options::read(
            options,
            &JsValue::from_str(OPTION_NAMES),
            "introspection expects an options object ({ issuer or introspectionEndpoint, clientId, clientSecret, ... })",
        )?;
        if let Some(name) = NOT_FOR_INTROSPECTION
            .iter()
            .find(|name| reader.get(name).is_some())
        {
            return Err(Error::options(format!(
                "{name} does not apply to token introspection; pass introspectionEndpoint or issuer, clientId and the client's credentials"
            )));
        }
        let config = ClientConfig::read(&reader, Purpose::Introspection)?;
        Ok(Introspector {
            cache_seconds: introspection::cache_seconds(reader.number("cacheSeconds")?)?,
            always: reader.bool("always")?,
            client: ServerClient::new(config, Purpose::Introspection),
        })
    }
}
