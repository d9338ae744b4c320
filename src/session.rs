//! A configured client, for the JavaScript side (`src/client.js`) to drive.
//!
//! The core is sans-I/O, as oauth4webapi separates building a request from
//! processing its response: a `Session` holds the validated options, the
//! endpoint discovery found and the token cache; it hands out each request
//! to send and reads each response. `src/http.js` does the sending.
//!
//! Why the I/O is not driven from Rust: measured, an async Rust exchange
//! (wasm-bindgen-futures, a closure per timer, one boundary crossing per
//! header and per await) cost 73 µs a request over a raw `fetch`, and its
//! state machines and JS shims were half of the wasm. Driven from
//! JavaScript, a token request crosses into wasm three times: options in,
//! request out, response in. Every decision is still made here: option
//! validation, discovery, form encoding, client authentication, response
//! parsing, redaction, and whether the cached token is fresh.

use crate::cache::{Entry, TokenCache, DEFAULT_SKEW_SECONDS};
use crate::error::{Error, ResponseHints};
use crate::exports::{to_js, token_to_js, ClientConfig, Options};
use crate::oauth::{discovery, parse_token_response, HttpResponse, TokenRequest};
use crate::store::{self, StoreOptions, StoreShape};
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

/// Validated options, the discovered endpoint and the cache. See the
/// module docs.
#[wasm_bindgen(skip_typescript)]
pub struct Session {
    config: ClientConfig,
    /// With `issuer`, the token request once discovery found its endpoint
    /// (see [`Session::request`]). A failed discovery leaves it unknown, so
    /// the next request tries again.
    discovered: Option<TokenRequest>,
    /// What a response must not echo ([`TokenRequest::secrets`]), made
    /// once for the session's first response, not again for each.
    secrets: Option<[String; 3]>,
    cache: TokenCache,
    /// With the `store` option: its timeout and the token's identity
    /// ([`store::identity`]).
    shared: Option<(u32, String)>,
}

#[wasm_bindgen]
impl Session {
    /// Reads and validates `options`; `cached` also reads
    /// `refreshSkewSeconds`, which only `TokenClient` takes.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, cached: bool) -> Result<Session, JsValue> {
        let reader = Options::new(&options).map_err(to_js)?;
        let skew = if cached {
            skew_seconds(reader.number("refreshSkewSeconds").map_err(to_js)?).map_err(to_js)?
        } else {
            DEFAULT_SKEW_SECONDS
        };
        let config = ClientConfig::read(&reader).map_err(to_js)?;
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
        Ok(Session {
            config,
            discovered: None,
            secrets: None,
            cache: TokenCache::new(skew),
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

    /// The caller's `AbortSignal`, if any.
    #[wasm_bindgen(getter)]
    pub fn signal(&self) -> Option<AbortSignal> {
        self.config.signal.clone()
    }

    /// The limit for each HTTP exchange, in milliseconds.
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> u32 {
        self.config.request.timeout_ms
    }

    /// How long a caller waits for a token request someone else started
    /// before it makes its own: discovery and the token request, each
    /// within `timeoutMs`, plus a second. Past that, the request belongs to
    /// a context that is gone, such as a finished Workers request, whose
    /// promises never settle for anyone else (jose #355).
    #[wasm_bindgen(getter, js_name = joinLimitMs)]
    pub fn join_limit_ms(&self) -> u32 {
        let limit = self
            .config
            .request
            .timeout_ms
            .saturating_mul(2)
            .saturating_add(1000);
        limit.min(i32::MAX as u32)
    }

    /// The `index`th metadata URL to try, while the token endpoint is not
    /// known; `undefined` when it is.
    #[wasm_bindgen(js_name = metadataUrl)]
    pub fn metadata_url(&self, index: usize) -> Option<String> {
        if self.request().is_some() {
            return None;
        }
        let issuer = self.config.issuer.as_deref()?;
        discovery::metadata_urls(issuer).into_iter().nth(index)
    }

    /// Reads the answer to [`Session::metadata_url`]`(index)`: true when it
    /// named the token endpoint, false to try the next URL. Past the last
    /// URL, "not found" is an `ERR_HTTP` 404.
    pub fn discovered(
        &mut self,
        index: usize,
        status: u16,
        meta: &str,
        body: &[u8],
    ) -> Result<bool, JsValue> {
        let issuer = self.config.issuer.as_deref().unwrap_or_default();
        let response = response(status, meta, body);
        let found = discovery::parse_metadata(&response, issuer).map_err(to_js)?;
        let Some(token_endpoint) = found else {
            if index + 1 < discovery::metadata_urls(issuer).len() {
                return Ok(false);
            }
            return Err(to_js(Error::Http {
                status: 404,
                body: String::new(),
                hints: Default::default(),
            }));
        };
        let endpoint = crate::exports::parse_url("the metadata's token_endpoint", &token_endpoint)
            .and_then(|e| {
                e.check(
                    "the metadata's token_endpoint",
                    self.config.allow_insecure_http,
                )
            })
            .map_err(to_js)?;
        self.discovered = Some(TokenRequest {
            endpoint,
            ..self.config.request.clone()
        });
        Ok(true)
    }

    /// The token request as `url \n authorization \n form`: one string,
    /// since none of the three can hold a newline (the URL is serialized,
    /// the header is Base64, the form is percent-encoded). The
    /// authorization is empty for `client_secret_post`.
    #[wasm_bindgen(js_name = tokenRequest)]
    pub fn token_request(&self) -> Result<String, JsValue> {
        let request = self.request().ok_or_else(|| {
            to_js(Error::options(
                "the token endpoint is not known yet; discovery has not run",
            ))
        })?;
        let http = request.to_http();
        let authorization = http.authorization.as_ref().map_or("", |a| a.expose());
        let form = http.form.as_ref().map_or("", |f| f.expose());
        Ok(format!("{}\n{authorization}\n{form}", http.url))
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
        let config = &self.config;
        let secrets = self.secrets.get_or_insert_with(|| config.request.secrets());
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let token =
            parse_token_response(&response(status, meta, body), now_ms, &secrets).map_err(to_js)?;
        self.cache.store(Entry {
            obtained_at_ms: now_ms,
            expires_at_ms: token.expires_at_ms,
        });
        Ok(token_to_js(&token))
    }

    /// Whether the cached token may be used at `now_ms`.
    pub fn fresh(&self, now_ms: f64) -> bool {
        self.cache.is_fresh(now_ms)
    }

    /// Forgets the cached token.
    pub fn invalidate(&mut self) {
        self.cache.invalidate();
    }
}

impl Session {
    /// The token request, once its endpoint is known: the configured one
    /// for `tokenUrl`, the discovered one for `issuer`.
    fn request(&self) -> Option<&TokenRequest> {
        match self.config.issuer {
            None => Some(&self.config.request),
            Some(_) => self.discovered.as_ref(),
        }
    }
}

/// The store options, read as the core needs them: what `store` and
/// `onStoreError` are, not what they hold.
fn store_options(reader: &Options, config: &ClientConfig) -> Result<Option<u32>, Error> {
    let value = reader.value("store");
    let shape = if value.is_undefined() || value.is_null() {
        StoreShape::Absent
    } else if !value.is_object() {
        StoreShape::NotObject
    } else {
        let is_fn = |name: &str| {
            js_sys::Reflect::get(&value, &JsValue::from_str(name))
                .map(|f| f.is_function())
                .unwrap_or(false)
        };
        StoreShape::Object {
            get: is_fn("get"),
            set: is_fn("set"),
            delete: is_fn("delete"),
            lock: is_fn("lock"),
            unlock: is_fn("unlock"),
        }
    };
    let on_error = reader.value("onStoreError");
    store::check_options(&StoreOptions {
        store: shape,
        on_error_is_function: (!on_error.is_undefined() && !on_error.is_null())
            .then(|| on_error.is_function()),
        store_secret_chars: reader.string("storeSecret")?.map(|s| s.chars().count()),
        has_client_secret: !config.request.credentials.client_secret.expose().is_empty(),
        timeout_ms: reader.number("storeTimeoutMs")?,
    })
}

/// `refreshSkewSeconds`: 0 to a day.
fn skew_seconds(value: Option<f64>) -> Result<u32, Error> {
    match value {
        None => Ok(DEFAULT_SKEW_SECONDS),
        Some(s) if (0.0..=86_400.0).contains(&s) => Ok(s as u32),
        Some(_) => Err(Error::options(
            "refreshSkewSeconds must be a number of seconds from 0 to 86400",
        )),
    }
}

/// A response as `src/http.js` read it: the status, `meta` as
/// `type \n location \n retry-after \n www-authenticate` (header values
/// have no newline; empty for a 2xx, where none of them matters), and the
/// body, empty for a redirect.
fn response(status: u16, meta: &str, body: &[u8]) -> HttpResponse {
    let mut fields = meta.split('\n');
    let mut next = || fields.next().filter(|f| !f.is_empty()).map(str::to_owned);
    let opaque_redirect = next().as_deref() == Some("opaqueredirect");
    HttpResponse {
        status,
        opaque_redirect,
        location: next(),
        hints: ResponseHints {
            retry_after: next(),
            www_authenticate: next(),
        },
        body: body.to_vec(),
    }
}

/// Errors that `src/http.js` meets, built here so that every message and
/// code comes from [`Error`]: `kind` 0 network (`detail` is what the
/// runtime said), 1 timeout (`limit` ms), 2 aborted, 3 a body over `limit`
/// bytes, 4 bad `client.fetch` arguments, 5 more than `limit` redirects,
/// 6 a failed token store call (`detail` says which and why), 7 a store
/// adapter given something that is not a store.
#[wasm_bindgen(js_name = hostError, skip_typescript)]
pub fn host_error(kind: u8, detail: &str, limit: u32) -> JsValue {
    let detail = crate::error::excerpt(detail);
    to_js(match kind {
        0 => Error::Network(detail),
        1 => Error::Timeout { timeout_ms: limit },
        2 => Error::Aborted,
        3 => Error::response(format!(
            "the response body is larger than {limit} bytes, far more than a token response; check that the URL is the token endpoint"
        )),
        4 => Error::options(format!("client.fetch: {detail}")),
        6 => Error::Store(detail),
        7 => Error::options(detail),
        _ => Error::Network(format!("client.fetch: more than {limit} redirects")),
    })
}
