//! A configured client, for the JavaScript side (`src/js/client.js`) to drive.
//!
//! The core is sans-I/O, as oauth4webapi separates building a request from
//! processing its response: a `Session` holds the validated options, the
//! endpoint discovery found and the token cache; it hands out each request
//! to send and reads each response. `src/js/http.js` does the sending.
//!
//! Why the I/O is not driven from Rust: measured, an async Rust exchange
//! (wasm-bindgen-futures, a closure per timer, one boundary crossing per
//! header and per await) cost 73 µs a request over a raw `fetch`, and its
//! state machines and JS shims were half of the wasm. Driven from
//! JavaScript, a token request crosses into wasm three times: options in,
//! request out, response in. Every decision is still made here: option
//! validation, discovery, form encoding, client authentication, response
//! parsing, redaction, and whether the cached token is fresh.

use crate::backoff::Failure;
use crate::cache::{Entry, TokenCache, Window, DEFAULT_MIN_VALIDITY_SECONDS, DEFAULT_SKEW_SECONDS};
use crate::dpop::{self, ProofRequest, PublicJwk};
use crate::error::{ClientHint, Error, ResponseHints};
use crate::json::{self, Kind};
use crate::oauth::assertion;
use crate::oauth::{
    parse_token_response, parse_token_response_with, ClientAuth, HttpResponse, Token,
};
use crate::store::{self, StoreOptions};
use crate::wasm::client_config::{ClientConfig, Purpose};
use crate::wasm::decode::to_js;
use crate::wasm::exports::{
    check_function, on_store_error_shape, random, store_shape, string_value, Options,
};
use crate::wasm::host;
use crate::wasm::server_client::{jti, response, seconds, server_client_methods, ServerClient};
use wasm_bindgen::prelude::*;

/// Every option name, for [`host::options_json`], which reads exactly these.
const OPTION_NAMES: &str = "tokenUrl,issuer,clientId,clientSecret,scope,authMethod,audience,resource,extraParams,timeoutMs,allowInsecureHttp,refreshSkewSeconds,minValiditySeconds,storeSecret,storeTimeoutMs,basicEncoding,signingAlg,keyId,assertionAudience,dpop";

thread_local! {
    /// [`OPTION_NAMES`] as a JS string, made once rather than copied out of
    /// wasm memory for every options object.
    static NAMES: JsValue = JsValue::from_str(OPTION_NAMES);
}

/// The client's options object, read in one crossing.
pub(crate) fn client_options(v: &JsValue) -> Result<Options<'_>, Error> {
    NAMES.with(|names| {
        Options::read(
            v,
            names,
            "fetchClientCredentialsToken expects an options object ({ tokenUrl, clientId, clientSecret, ... })",
        )
    })
}

/// Validated options, the discovered endpoint and the cache. See the
/// module docs.
#[wasm_bindgen(skip_typescript)]
pub struct Session {
    /// The options, the discovered token endpoint, the client assertion.
    client: ServerClient,
    cache: TokenCache,
    /// The DPoP key's proof header and the servers' latest nonces.
    dpop: Option<Dpop>,
    /// With the `store` option: its timeout and the token's identity
    /// ([`store::identity`]).
    shared: Option<(u32, String)>,
}

/// What every DPoP proof of a session shares.
struct Dpop {
    /// The proof's JWS header, with the public key.
    header: String,
    /// The authorization server's latest `DPoP-Nonce` (RFC 9449 §8).
    nonce: Option<String>,
    /// The API's latest `DPoP-Nonce` (RFC 9449 §9).
    resource_nonce: Option<String>,
}

#[wasm_bindgen]
impl Session {
    /// Reads and validates `options`; `cached` also reads
    /// `refreshSkewSeconds`, `minValiditySeconds`, `onRefreshError` and
    /// `waitUntil`, which only `TokenClient` takes.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, cached: bool) -> Result<Session, JsValue> {
        let reader = client_options(&options).map_err(to_js)?;
        let (skew, min_validity) = if cached {
            cache_options(&reader).map_err(to_js)?
        } else {
            (DEFAULT_SKEW_SECONDS, DEFAULT_MIN_VALIDITY_SECONDS)
        };
        let mut config = ClientConfig::read(&reader, Purpose::Token).map_err(to_js)?;
        config
            .request
            .add_parameters(
                reader.strings("scope").map_err(to_js)?,
                reader.string("audience").map_err(to_js)?,
                reader.strings("resource").map_err(to_js)?,
                reader.params("extraParams").map_err(to_js)?,
            )
            .map_err(to_js)?;
        if config.keys.dpop && !cached && reader.bool("dpop").unwrap_or(false) {
            return Err(to_js(Error::options(
                "dpop: true makes a key pair that only a TokenClient keeps, and a DPoP token is useless without it; use a TokenClient, or pass dpop: { privateKey, publicKey } and keep the pair",
            )));
        }
        let shared = if cached {
            store_options(&reader, &config).map_err(to_js)?.map(|ms| {
                (
                    ms,
                    store::identity(&config.request, config.issuer.as_deref()),
                )
            })
        } else {
            None
        };
        if shared.is_some() && config.keys.dpop {
            return Err(to_js(Error::options(
                "store can't share DPoP tokens: each is bound to its own client's key; use store or dpop, not both",
            )));
        }
        Ok(Session {
            client: ServerClient::new(config, Purpose::Token),
            cache: TokenCache::with_min_validity(skew, min_validity),
            dpop: None,
            shared,
        })
    }

    /// With the `store` option, the limit for each store call in
    /// milliseconds; `undefined` without a store.
    #[wasm_bindgen(getter, js_name = storeTimeoutMs)]
    pub fn store_timeout_ms(&self) -> Option<u32> {
        self.shared.as_ref().map(|(ms, _)| *ms)
    }

    /// With the `store` option, what the shared token is for
    /// ([`store::identity`]); its SHA-256 names the entry and it binds the
    /// entry's encryption key. Holds no secret.
    #[wasm_bindgen(getter, js_name = storeIdentity)]
    pub fn store_identity(&self) -> Option<String> {
        self.shared.as_ref().map(|(_, id)| id.clone())
    }

    /// The plaintext entry for the token just accepted from `body` (the
    /// token response) and how long the store may keep it, as
    /// `ttlSeconds \n plaintext`; `undefined` when it should not be shared
    /// (no store, no known lifetime, under a second left).
    #[wasm_bindgen(js_name = storeEntry)]
    pub fn store_entry(&self, body: &[u8], now_ms: f64) -> Option<String> {
        let (_, identity) = self.shared.as_ref()?;
        let ttl = store::ttl_seconds(self.cache.refresh_at_ms(), now_ms)?;
        let obtained_at_ms = self.cache.obtained_at_ms()?;
        let body = core::str::from_utf8(body).ok()?;
        Some(format!(
            "{ttl}\n{}",
            store::encode_entry(identity, obtained_at_ms, body)
        ))
    }

    /// Reads an entry's plaintext from the store at `now_ms`: the token,
    /// now also cached here, or `undefined` if the entry is foreign,
    /// malformed, or holds a token this client would not use any more.
    #[wasm_bindgen(js_name = acceptStored)]
    pub fn accept_stored(&mut self, plaintext: &str, now_ms: f64) -> Option<JsValue> {
        let (_, identity) = self.shared.as_ref()?;
        let entry = store::decode_entry(plaintext, identity)?;
        let response = HttpResponse {
            status: 200,
            opaque_redirect: false,
            location: None,
            hints: ResponseHints::default(),
            body: entry.body.as_bytes().to_vec(),
        };
        // Read as it was when it arrived, so `expiresAt` is the original.
        let token = parse_token_response(&response, entry.obtained_at_ms, &[]).ok()?;
        let mut cache = self.cache.clone();
        cache.store(Entry {
            obtained_at_ms: entry.obtained_at_ms,
            expires_at_ms: Some(token.expires_at_ms?),
        });
        if !cache.is_fresh(now_ms) {
            return None;
        }
        self.cache = cache;
        Some(token_to_js(&token))
    }

    /// What `src/js/signing.js` imported: the assertion key's algorithm and
    /// the JWK's `kid`, and the DPoP key's algorithm and public JWK (JSON).
    /// Builds the headers every assertion and proof of this session share.
    #[wasm_bindgen(js_name = useKeys)]
    pub fn use_keys(
        &mut self,
        assertion_alg: Option<String>,
        jwk_kid: Option<String>,
        dpop_alg: Option<String>,
        dpop_jwk: Option<String>,
    ) -> Result<(), JsValue> {
        self.client
            .use_assertion_key(assertion_alg, jwk_kid)
            .map_err(to_js)?;
        let dpop = match (dpop_alg, dpop_jwk) {
            (Some(alg), Some(jwk)) if self.client.config.keys.dpop => {
                let alg = assertion::signing_alg(Some(&alg), false)
                    .map_err(to_js)?
                    .ok_or_else(|| to_js(Error::options("the DPoP key's algorithm is missing")))?;
                let jwk = PublicJwk::from_json(&jwk).map_err(to_js)?;
                Some(Dpop {
                    header: dpop::header(alg, &jwk),
                    nonce: None,
                    resource_nonce: None,
                })
            }
            _ => None,
        };
        self.dpop = dpop;
        Ok(())
    }

    /// The token request at `now_ms` as `url \n authorization \n form \n
    /// assertion \n proof`: one string, since none of the five can hold a
    /// newline (the URL is serialized, the header is Base64, the form is
    /// percent-encoded, the last two are base64url). The authorization is
    /// empty but for `client_secret_basic`. For a JWT method, `assertion` is
    /// the signing input of a new client assertion and the form ends with
    /// `client_assertion=`, for the signed JWT ([`Session::compact`]); with
    /// DPoP, `proof` is the signing input of the `DPoP` header's proof.
    #[wasm_bindgen(js_name = tokenRequest)]
    pub fn token_request(&self, now_ms: f64) -> Result<String, JsValue> {
        let request = self.client.request().ok_or_else(|| {
            to_js(Error::options(
                "the token endpoint is not known yet; discovery has not run",
            ))
        })?;
        let http = request.to_http();
        let authorization = http.authorization.as_ref().map_or("", |a| a.expose());
        let form = http.form.as_ref().map_or("", |f| f.expose());
        let now_s = seconds(now_ms);
        let assertion = self.client.assertion_input(request, now_s).map_err(to_js)?;
        let proof = self.proof_input(
            &ProofRequest {
                method: "POST",
                url: &http.url,
                nonce: None,
                token_hash: None,
            },
            now_s,
            false,
        )?;
        Ok(format!(
            "{}\n{authorization}\n{form}\n{assertion}\n{proof}",
            http.url
        ))
    }

    /// Reads a DPoP token request's answer for what RFC 9449 §8 asks: keeps
    /// the `DPoP-Nonce` the server sent, and says whether to send the
    /// request again with it (a `use_dpop_nonce` error, once).
    #[wasm_bindgen(js_name = nonceRetry)]
    pub fn nonce_retry(&mut self, status: u16, meta: &str, body: &[u8], retried: bool) -> bool {
        let Some(dpop) = self.dpop.as_mut() else {
            return false;
        };
        let Some(nonce) = nonce_of(meta) else {
            return false;
        };
        dpop.nonce = Some(nonce.to_owned());
        !retried && status == 400 && error_code(body).as_deref() == Some("use_dpop_nonce")
    }

    /// The signing input of a DPoP proof for a request to the API at
    /// `now_ms`, with `ath` from `token_hash` (SHA-256 of the access
    /// token, RFC 9449 §7.1) and the API's latest nonce.
    #[wasm_bindgen(js_name = resourceProof)]
    pub fn resource_proof(
        &self,
        method: &str,
        url: &str,
        now_ms: f64,
        token_hash: &[u8],
    ) -> Result<String, JsValue> {
        let request = ProofRequest {
            method,
            url,
            nonce: None,
            token_hash: Some(token_hash),
        };
        self.proof_input(&request, seconds(now_ms), true)
    }

    /// Reads an API's answer to a DPoP request: keeps its `DPoP-Nonce`,
    /// and says whether to retry with it, for a 401 whose
    /// `WWW-Authenticate` says `use_dpop_nonce` (RFC 9449 §9).
    #[wasm_bindgen(js_name = resourceRetry)]
    pub fn resource_retry(&mut self, status: u16, www_authenticate: &str, nonce: &str) -> bool {
        let Some(dpop) = self.dpop.as_mut() else {
            return false;
        };
        if !dpop::valid_nonce(nonce) {
            return false;
        }
        dpop.resource_nonce = Some(nonce.to_owned());
        status == 401 && dpop::is_nonce_challenge(www_authenticate)
    }

    /// Reads the token response that arrived at `now_ms`: the result object,
    /// or the error, with every echo of the secret redacted. The token's
    /// timing goes into the cache, which only a `TokenClient` consults.
    #[wasm_bindgen(js_name = acceptToken)]
    pub fn accept_token(
        &mut self,
        status: u16,
        meta: &str,
        body: &[u8],
        now_ms: f64,
    ) -> Result<JsValue, JsValue> {
        // The secrets depend on the credentials only, not on the endpoint.
        let dpop = self.dpop.is_some();
        let auth = self.client.config.request.auth;
        let secrets = self.client.secrets();
        let token =
            parse_token_response_with(&response(status, meta, body), now_ms, &secrets, dpop)
                .map_err(|e| to_js(advise(e, auth)))?;
        self.cache.store(Entry {
            obtained_at_ms: now_ms,
            expires_at_ms: token.expires_at_ms,
        });
        Ok(token_to_js(&token))
    }

    /// Where the cached token stands at `now_ms` ([`Window`]): 0 fresh, use
    /// it; 1 advisory, use it and refresh in the background; 2 advisory,
    /// use it while a failed refresh is waited out; 3 mandatory, wait for a
    /// request.
    pub fn window(&self, now_ms: f64) -> u8 {
        match self.cache.window(now_ms) {
            Window::Fresh => 0,
            Window::Advisory { refresh: true } => 1,
            Window::Advisory { refresh: false } => 2,
            Window::Mandatory => 3,
        }
    }

    /// Records that a refresh failed at `now_ms` with the error `code`
    /// (`oauth_error`: its `error` member for `ERR_OAUTH`; `retry_after`:
    /// its `retryAfter`) and returns the wait before the next background
    /// attempt in milliseconds, or -1 when there is none: a definitive
    /// refusal ([`Failure`]) is not retried in the background.
    #[wasm_bindgen(js_name = refreshFailed)]
    pub fn refresh_failed(
        &mut self,
        now_ms: f64,
        code: &str,
        oauth_error: &str,
        retry_after: Option<String>,
    ) -> f64 {
        let failure = Failure::of(code, oauth_error);
        self.cache
            .backoff_mut()
            .failed(failure, retry_after.as_deref(), now_ms, random())
            .unwrap_or(-1.0)
    }

    /// The instant from which the cached token is fresh (its arrival); with
    /// [`Session::fresh_until`], the span [`Session::fresh`] decides, handed
    /// out once per token so `TokenClient` compares its clock against two
    /// numbers on the hot path rather than crossing into wasm.
    #[wasm_bindgen(getter, js_name = freshFrom)]
    pub fn fresh_from(&self) -> f64 {
        self.cache.fresh_span().0
    }

    /// The instant the cached token stops being fresh (exclusive).
    #[wasm_bindgen(getter, js_name = freshUntil)]
    pub fn fresh_until(&self) -> f64 {
        self.cache.fresh_span().1
    }

    /// Forgets the cached token.
    pub fn invalidate(&mut self) {
        self.cache.invalidate();
    }
}

impl Session {
    /// The signing input of a DPoP proof, with the server's latest nonce;
    /// empty without DPoP.
    fn proof_input(
        &self,
        request: &ProofRequest<'_>,
        now_s: u64,
        resource: bool,
    ) -> Result<String, JsValue> {
        let Some(dpop) = &self.dpop else {
            if self.client.config.keys.dpop {
                return Err(to_js(Error::options(
                    "the DPoP key pair has not been imported",
                )));
            }
            return Ok(String::new());
        };
        let nonce = if resource {
            &dpop.resource_nonce
        } else {
            &dpop.nonce
        };
        let request = ProofRequest {
            nonce: nonce.as_deref(),
            ..*request
        };
        let claims = dpop::claims(&request, now_s, &jti());
        Ok(assertion::signing_input(&dpop.header, &claims))
    }
}

/// The `DPoP-Nonce` in a response's `meta` (its fifth line), if usable.
fn nonce_of(meta: &str) -> Option<&str> {
    meta.split('\n').nth(4).filter(|n| dpop::valid_nonce(n))
}

/// The `error` member of a JSON error body.
fn error_code(body: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(body).ok()?;
    let members = crate::json::parse_object(text).ok()?;
    let error = members.iter().find(|m| m.name == "error")?;
    error.as_str().map(|e| e.into_owned())
}

/// An `invalid_client` refusal of a signed assertion, with advice that
/// fits: the local clock when the server's reason is a time claim (it
/// compared `iat` or `exp` with its own clock), else the key.
fn advise(mut e: Error, auth: ClientAuth) -> Error {
    if let Error::OAuth {
        error,
        description,
        client_hint: client_hint @ None,
        ..
    } = &mut e
    {
        if error == "invalid_client" && auth.is_jwt() {
            let clock = description
                .as_deref()
                .is_some_and(assertion::is_clock_refusal);
            *client_hint = Some(match (clock, auth) {
                (true, _) => ClientHint::Clock,
                (false, ClientAuth::SecretJwt) => ClientHint::SecretJwt,
                (false, _) => ClientHint::PrivateKey,
            });
        }
    }
    e
}

/// The store options, read as the core needs them: what `store` and
/// `onStoreError` are, not what they hold.
fn store_options(reader: &Options, config: &ClientConfig) -> Result<Option<u32>, Error> {
    store::check_options(&StoreOptions {
        store: store_shape(reader),
        on_error_is_function: on_store_error_shape(reader),
        store_secret_chars: reader.string("storeSecret")?.map(|s| s.chars().count()),
        has_client_secret: !config.request.credentials.client_secret.expose().is_empty(),
        timeout_ms: reader.number("storeTimeoutMs")?,
    })
}

server_client_methods!(Session);

/// `TokenClient`'s cache options: `refreshSkewSeconds` and
/// `minValiditySeconds`, each 0 to a day, and `onRefreshError` and
/// `waitUntil`, each a function if given.
fn cache_options(reader: &Options) -> Result<(u32, u32), Error> {
    let seconds = |name: &str, default: u32| match reader.number(name)? {
        None => Ok(default),
        Some(s) if (0.0..=86_400.0).contains(&s) => Ok(s as u32),
        Some(_) => Err(Error::options(format!(
            "{name} must be a number of seconds from 0 to 86400"
        ))),
    };
    let skew = seconds("refreshSkewSeconds", DEFAULT_SKEW_SECONDS)?;
    let min_validity = seconds("minValiditySeconds", DEFAULT_MIN_VALIDITY_SECONDS)?;
    check_function(
        reader,
        "onRefreshError",
        "(error) => void, called with each failed background refresh",
    )?;
    check_function(
        reader,
        "waitUntil",
        "the Workers ctx.waitUntil, bound: ctx.waitUntil.bind(ctx)",
    )?;
    Ok((skew, min_validity))
}

/// A token as the JS result object.
pub(crate) fn token_to_js(token: &Token) -> JsValue {
    host::token_result(
        token.access_token.expose(),
        &token.token_type,
        token.expires_in.map(|s| s as f64),
        token.expires_at_ms,
        token.scope.clone(),
        token.raw_json.expose(),
    )
}

/// The read only the token request's options need: `extraParams`.
impl Options<'_> {
    /// A plain object of string (or number, or boolean) values, in order.
    pub(crate) fn params(&self, name: &str) -> Result<Vec<(String, String)>, Error> {
        let wrong = || Error::options(format!("{name} must be an object of string values"));
        let raw = match self.get(name) {
            None => return Ok(Vec::new()),
            Some((Kind::Object, raw)) => raw,
            Some(_) => return Err(wrong()),
        };
        json::parse_object(raw)
            .map_err(|_| wrong())?
            .into_iter()
            .map(|m| {
                let value = match m.kind {
                    Kind::String => string_value(m.raw).ok_or_else(wrong)?,
                    // JSON writes numbers and booleans as JavaScript's String() does.
                    Kind::Number | Kind::Bool => m.raw.to_owned(),
                    _ => {
                        return Err(Error::options(format!(
                            "{name}.{} must be a string, number or boolean",
                            m.name
                        )))
                    }
                };
                Ok((m.name.into_owned(), value))
            })
            .collect()
    }
}
