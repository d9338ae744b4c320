//! `verifyJwt`'s and `JwksClient`'s core, for `src/js/verify.js` to drive.
//!
//! As [`crate::wasm::session`] does for token requests, this module holds the
//! validated options and decides, while JavaScript awaits: a
//! [`JwtVerifier`] checks a token's structure, header and claims in one
//! crossing; a [`KeySource`] holds a key set (fixed, or remote with its
//! discovery and refresh timing) and names the keys that may verify a
//! token, as clean JWK texts for WebCrypto to import.

use crate::backoff::Failure;
use crate::dpop;
use crate::error::{Error, ResponseHints};
use crate::json::Kind;
use crate::jwk::{Alg, KeySet, KeysWindow, Refresh, DEFAULT_MAX_STALE_SECONDS};
use crate::oauth::{check_timeout, discovery, HttpResponse};
use crate::store;
use crate::verified_cache;
use crate::verify::{Audience, Policy, Verifier, DEFAULT_CLOCK_TOLERANCE_S};
use crate::wasm::decode::{to_js, with_token};
use crate::wasm::exports::{
    check_function, on_store_error_shape, parse_url, random, store_shape, Options,
};
use crate::wasm::host;
use wasm_bindgen::prelude::*;
use web_sys::AbortSignal;

/// `verifyJwt`'s option names, for [`crate::wasm::host::options_json`].
const VERIFY_OPTIONS: &str =
    "issuer,audience,algorithms,clockToleranceSeconds,maxTokenAgeSeconds,typ,authorizedParty,tokenCache";

/// `JwksClient`'s option names.
const JWKS_OPTIONS: &str =
    "issuer,jwksUri,cooldownSeconds,maxAgeSeconds,maxStaleSeconds,timeoutMs,allowInsecureHttp,storeTimeoutMs";

/// Longest `maxStaleSeconds`: 30 days. Keys are rotated on a schedule of
/// weeks to months; keys older than that are not worth trusting blindly.
const MAX_STALE_LIMIT_SECONDS: f64 = 2_592_000.0;

/// `timeoutMs` of a key set request when the caller gives none.
const JWKS_TIMEOUT_MS: u32 = 5_000;

/// A [`Verifier`] for JavaScript.
#[wasm_bindgen(skip_typescript)]
pub struct JwtVerifier {
    inner: Verifier,
    /// The `tokenCache` option's size, 0 for none ([`verified_cache`]).
    cache_entries: u32,
}

#[wasm_bindgen]
impl JwtVerifier {
    /// Validates `verifyJwt`'s options (those the core checks; the key
    /// options are JavaScript's).
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<JwtVerifier, JsValue> {
        policy(&options)
            .map(|(policy, cache_entries)| JwtVerifier {
                inner: Verifier::new(policy),
                cache_entries,
            })
            .map_err(to_js)
    }

    /// How many verified tokens `src/js/token-cache.js` may keep for this
    /// verifier (the `tokenCache` option); 0 for no cache.
    #[wasm_bindgen(getter, js_name = cacheEntries)]
    pub fn cache_entries(&self) -> u32 {
        self.cache_entries
    }

    /// Checks `token` at `now_ms`; see [`host::checked_jwt`] for the result.
    pub fn check(&mut self, token: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
        let inner = &mut self.inner;
        with_token(&token, "verifyJwt", &mut |text| {
            let checked = inner.check(text, now_ms / 1000.0).map_err(to_js)?;
            let data = &text.as_bytes()[..checked.signing_input_end];
            // NaN when the claims failed: no span, nothing to cache.
            let span = checked.claims.as_ref().ok().copied();
            Ok(host::checked_jwt(
                checked.json,
                checked.alg.name(),
                checked.kid.as_deref(),
                data,
                checked.signature,
                checked.signature_error.map_or(JsValue::UNDEFINED, to_js),
                checked.claims.err().map_or(JsValue::UNDEFINED, to_js),
                span.map_or(f64::NAN, |v| v.from_ms),
                span.map_or(f64::NAN, |v| v.until_ms),
            ))
        })
    }

    /// Checks the claims of an active introspection answer (the JSON
    /// object `acceptIntrospection` handed out) at `now_ms`, by the rules
    /// of a JWT's ([`Verifier::check_introspected`]); throws the claim's
    /// error.
    #[wasm_bindgen(js_name = checkIntrospected)]
    pub fn check_introspected(&self, claims: &str, now_ms: f64) -> Result<(), JsValue> {
        self.inner
            .check_introspected(claims, now_ms / 1000.0)
            .map_err(to_js)
    }
}

/// The verifier's policy and its `tokenCache` size.
fn policy(options: &JsValue) -> Result<(Policy, u32), Error> {
    let names = JsValue::from_str(VERIFY_OPTIONS);
    let o = Options::read(
        options,
        &names,
        "verifyJwt expects an options object ({ issuer, audience, jwks or key, ... })",
    )?;
    let audience = match o.get("audience") {
        Some((Kind::Bool, "false")) => Audience::Skip,
        None => Audience::OneOf(Vec::new()),
        Some(_) => Audience::OneOf(o.strings("audience")?),
    };
    let policy = Policy::new(
        o.string("issuer")?,
        audience,
        &o.strings("algorithms")?,
        o.number("clockToleranceSeconds")?,
        o.number("maxTokenAgeSeconds")?,
        o.string("typ")?,
        o.string("authorizedParty")?,
    )?;
    Ok((policy, verified_cache::max_entries(o.get("tokenCache"))?))
}

/// A key set: fixed (a JWKS or a JWK the caller passed) or remote (a
/// `JwksClient`'s, with discovery and [`Refresh`] timing).
#[wasm_bindgen(skip_typescript)]
pub struct KeySource {
    keys: KeySet,
    /// With `issuer`, until discovery names the key set's URL.
    issuer: Option<String>,
    url: Option<String>,
    allow_insecure_http: bool,
    timeout_ms: u32,
    signal: Option<AbortSignal>,
    refresh: Refresh,
    max_age_ms: f64,
    /// With the `store` option: its timeout, and what the shared key set is
    /// for ([`store::jwks_identity`]).
    shared: Option<(u32, String)>,
}

#[wasm_bindgen]
impl KeySource {
    /// Validates `JwksClient`'s options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<KeySource, JsValue> {
        remote(&options).map_err(to_js)
    }

    /// A fixed key set from JSON text: a JWKS, or with `single` one JWK.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(text: &str, single: bool) -> Result<KeySource, JsValue> {
        let keys = if single {
            KeySet::single(text).map_err(|why| format!("key: the JWK {why}"))
        } else {
            KeySet::parse(text).map_err(|why| format!("jwks: the key set {why}"))
        }
        .map_err(|m| to_js(Error::options(m)))?;
        let mut refresh = Refresh::new(f64::INFINITY, f64::INFINITY);
        refresh.loaded(0.0);
        refresh.attempted(0.0);
        Ok(KeySource {
            keys,
            issuer: None,
            url: None,
            allow_insecure_http: false,
            timeout_ms: JWKS_TIMEOUT_MS,
            signal: None,
            refresh,
            max_age_ms: f64::INFINITY,
            shared: None,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn signal(&self) -> Option<AbortSignal> {
        self.signal.clone()
    }

    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// How long a caller waits for a key set request someone else started
    /// (discovery and the request, each within `timeoutMs`, plus a second),
    /// as `TokenClient` does, so a finished Workers request can't hang it.
    #[wasm_bindgen(getter, js_name = joinLimitMs)]
    pub fn join_limit_ms(&self) -> u32 {
        self.timeout_ms
            .saturating_mul(2)
            .saturating_add(1000)
            .min(i32::MAX as u32)
    }

    /// The key set's URL, once known.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> Option<String> {
        self.url.clone()
    }

    /// The `index`th metadata URL to try while the key set's URL is not
    /// known; `undefined` when it is.
    #[wasm_bindgen(js_name = metadataUrl)]
    pub fn metadata_url(&self, index: usize) -> Option<String> {
        if self.url.is_some() {
            return None;
        }
        discovery::metadata_urls(self.issuer.as_deref()?)
            .into_iter()
            .nth(index)
    }

    /// Reads the answer to [`KeySource::metadata_url`]`(index)`: true when
    /// it named `jwks_uri` (of the same issuer, exactly), false to try the
    /// next URL.
    pub fn discovered(&mut self, index: usize, status: u16, body: &[u8]) -> Result<bool, JsValue> {
        let issuer = self.issuer.as_deref().unwrap_or_default();
        let found =
            discovery::metadata_member(&response(status, body), issuer, "jwks_uri", "jwksUri")
                .map_err(to_js)?;
        let Some(url) = found else {
            if index + 1 < discovery::metadata_urls(issuer).len() {
                return Ok(false);
            }
            return Err(to_js(Error::Http {
                status: 404,
                body: String::new(),
                hints: ResponseHints::default(),
            }));
        };
        let url = parse_url("the metadata's jwks_uri", &url)
            .and_then(|e| e.check("the metadata's jwks_uri", self.allow_insecure_http))
            .map_err(to_js)?;
        self.url = Some(url.href);
        Ok(true)
    }

    /// Whether the keys may be used at `now_ms` ([`KeysWindow`]): 0 fresh;
    /// 1 stale, use them and refetch in the background; 2 stale, use them
    /// while a failed refetch is waited out; 3 none usable, fetch and wait.
    pub fn window(&self, now_ms: f64) -> u8 {
        match self.refresh.window(now_ms) {
            KeysWindow::Fresh => 0,
            KeysWindow::Stale { refetch: true } => 1,
            KeysWindow::Stale { refetch: false } => 2,
            KeysWindow::Missing => 3,
        }
    }

    /// Records that a fetch failed at `now_ms` with the error `code`, and
    /// returns the wait before the next background attempt in
    /// milliseconds, or -1 for none ([`Failure`]).
    pub fn failed(&mut self, now_ms: f64, code: &str) -> f64 {
        self.refresh
            .failed(Failure::of(code, ""), now_ms, random())
            .unwrap_or(-1.0)
    }

    /// Whether a token with an unknown key may cause a fetch now.
    #[wasm_bindgen(js_name = mayRefetch)]
    pub fn may_refetch(&self, now_ms: f64) -> bool {
        self.refresh.may_refetch(now_ms)
    }

    /// Records that a fetch starts at `now_ms`.
    pub fn attempted(&mut self, now_ms: f64) {
        self.refresh.attempted(now_ms);
    }

    /// Reads the key set response that arrived at `now_ms` (`meta` as
    /// `src/js/http.js` gives it); the keys replace the old ones only if it is
    /// a key set.
    pub fn accept(
        &mut self,
        status: u16,
        meta: &str,
        body: &[u8],
        now_ms: f64,
    ) -> Result<(), JsValue> {
        let url = self.url.as_deref().unwrap_or_default();
        // `meta` starts with the response type (see `src/js/http.js`).
        if meta.starts_with("opaqueredirect") || (300..400).contains(&status) {
            return Err(to_js(Error::response(format!(
                "the key set at {} answered with a redirect, which is not followed; set jwksUri to the final URL",
                crate::error::excerpt(url)
            ))));
        }
        if !(200..300).contains(&status) {
            return Err(to_js(Error::Http {
                status,
                body: crate::error::excerpt(&String::from_utf8_lossy(body)),
                hints: ResponseHints::default(),
            }));
        }
        let keys = core::str::from_utf8(body)
            .map_err(|_| "is not UTF-8".to_owned())
            .and_then(KeySet::parse)
            .map_err(|why| {
                to_js(Error::response(format!(
                    "the key set at {} {why}; check jwksUri (or issuer)",
                    crate::error::excerpt(url)
                )))
            })?;
        self.keys = keys;
        self.refresh.loaded(now_ms);
        Ok(())
    }

    /// With the `store` option, the limit for each store call in
    /// milliseconds; `undefined` without a store.
    #[wasm_bindgen(getter, js_name = storeTimeoutMs)]
    pub fn store_timeout_ms(&self) -> Option<u32> {
        self.shared.as_ref().map(|(ms, _)| *ms)
    }

    /// With the `store` option, what the shared key set is for; its
    /// SHA-256 names the entry (see [`KeySource::store_name`]).
    #[wasm_bindgen(getter, js_name = storeIdentity)]
    pub fn store_identity(&self) -> Option<String> {
        self.shared.as_ref().map(|(_, identity)| identity.clone())
    }

    /// The store key of the shared key set, from the identity's SHA-256
    /// (base64url): in a namespace of its own, apart from token entries.
    #[wasm_bindgen(js_name = storeName)]
    pub fn store_name(&self, digest: &str) -> String {
        format!("{}{digest}", store::JWKS_KEY_PREFIX)
    }

    /// Takes the keys from a shared entry read back at `now_ms`, if it is
    /// one for this key set, fresh, and holds a key set; false (and nothing
    /// changes) otherwise. The keys count as fetched when the entry's were,
    /// so they are due when it expires. No fetch is recorded: a token with
    /// an unknown key still causes one (within the cooldown).
    #[wasm_bindgen(js_name = acceptStored)]
    pub fn accept_stored(&mut self, text: &str, now_ms: f64) -> bool {
        let Some((_, identity)) = &self.shared else {
            return false;
        };
        let Some(entry) =
            store::decode_jwks_entry(text, identity, self.url.as_deref(), now_ms, self.max_age_ms)
        else {
            return false;
        };
        let Ok(keys) = KeySet::parse(entry.body) else {
            return false;
        };
        // With issuer, the URL is the one discovery found for the instance
        // that wrote the entry; it has to pass the same checks.
        if self.url.is_none() {
            match parse_url("jwksUri", entry.url)
                .and_then(|u| u.check("jwksUri", self.allow_insecure_http))
            {
                Ok(url) if url.href == entry.url => self.url = Some(url.href),
                _ => return false,
            }
        }
        self.keys = keys;
        self.refresh.loaded(entry.fetched_at_ms);
        true
    }

    /// The shared entry for a key set `body` just fetched at `now_ms`, after
    /// [`KeySource::accept`] took it: `ttlSeconds \n entry`, the TTL being
    /// `maxAgeSeconds`. `undefined` without a store or under a second.
    #[wasm_bindgen(js_name = storeEntry)]
    pub fn store_entry(&self, body: &[u8], now_ms: f64) -> Option<String> {
        let (_, identity) = self.shared.as_ref()?;
        let ttl = store::ttl_seconds(Some(now_ms + self.max_age_ms), now_ms)?;
        let body = core::str::from_utf8(body).ok()?;
        let url = self.url.as_deref()?;
        Some(format!(
            "{ttl}\n{}",
            store::encode_jwks_entry(identity, url, now_ms, body)
        ))
    }

    /// The keys that may verify a token signed with `alg` naming `kid`, as
    /// clean JWK texts joined by newlines (a JWK text has none); empty when
    /// none fits.
    pub fn select(&self, alg: &str, kid: Option<String>) -> String {
        let Some(alg) = Alg::from_name(alg) else {
            return String::new();
        };
        let mut out = String::new();
        for key in self.keys.select(alg, kid.as_deref()) {
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(key.import_json());
        }
        out
    }

    /// The `ERR_JWKS_NO_KEY` (or, for a key the caller chose, `ERR_JWT_ALG`)
    /// error for a token no key fits.
    #[wasm_bindgen(js_name = noKey)]
    pub fn no_key(&self, alg: &str, kid: Option<String>, fixed_key: bool) -> JsValue {
        let Some(alg) = Alg::from_name(alg) else {
            return to_js(Error::JwtAlg("the token's alg is not supported".into()));
        };
        if fixed_key {
            return to_js(key_misfit(alg.name()));
        }
        to_js(self.keys.no_key(alg, kid.as_deref()))
    }
}

fn remote(options: &JsValue) -> Result<KeySource, Error> {
    let names = JsValue::from_str(JWKS_OPTIONS);
    let o = Options::read(
        options,
        &names,
        "JwksClient expects an options object ({ issuer } or { jwksUri }, ...)",
    )?;
    let allow_insecure_http = o.bool("allowInsecureHttp")?;
    let (issuer, url) = match (o.string("issuer")?, o.string("jwksUri")?) {
        (Some(_), Some(_)) => {
            return Err(Error::options("pass either jwksUri or issuer, not both"))
        }
        (None, None) => {
            return Err(Error::options(
                "jwksUri is required (or issuer, to find it by discovery)",
            ))
        }
        (Some(issuer), None) => {
            discovery::check_issuer(&issuer)?;
            parse_url("issuer", &issuer)?.check("issuer", allow_insecure_http)?;
            (Some(issuer), None)
        }
        (None, Some(url)) => (
            None,
            Some(
                parse_url("jwksUri", &url)?
                    .check("jwksUri", allow_insecure_http)?
                    .href,
            ),
        ),
    };
    let seconds = |name: &str, default: f64| match o.number(name)? {
        None => Ok(default),
        Some(s) if (0.0..=86_400.0).contains(&s) => Ok(s),
        Some(_) => Err(Error::options(format!(
            "{name} must be a number of seconds from 0 to 86400"
        ))),
    };
    let cooldown = seconds("cooldownSeconds", 30.0)?;
    let max_age = seconds("maxAgeSeconds", 600.0)?;
    let max_stale = match o.number("maxStaleSeconds")? {
        None => DEFAULT_MAX_STALE_SECONDS.max(max_age),
        Some(s) if (max_age..=MAX_STALE_LIMIT_SECONDS).contains(&s) => s,
        Some(_) => return Err(Error::options(
            "maxStaleSeconds must be a number of seconds from maxAgeSeconds to 2592000 (30 days)",
        )),
    };
    check_function(
        &o,
        "onRefreshError",
        "(error) => void, called with each failed background refetch",
    )?;
    check_function(
        &o,
        "waitUntil",
        "the Workers ctx.waitUntil, bound: ctx.waitUntil.bind(ctx)",
    )?;
    let timeout_ms = match o.number("timeoutMs")? {
        None => JWKS_TIMEOUT_MS,
        some => check_timeout(some)?,
    };
    let shared = store::check_jwks_options(
        store_shape(&o),
        on_store_error_shape(&o),
        o.number("storeTimeoutMs")?,
    )?
    .map(|ms| (ms, store::jwks_identity(issuer.as_deref(), url.as_deref())));
    o.check_fetch()?;
    Ok(KeySource {
        keys: KeySet::default(),
        issuer,
        url,
        allow_insecure_http,
        timeout_ms,
        signal: o.signal()?,
        refresh: Refresh::new(cooldown * 1000.0, max_age * 1000.0)
            .with_max_stale(max_stale * 1000.0),
        max_age_ms: max_age * 1000.0,
        shared,
    })
}

fn response(status: u16, body: &[u8]) -> HttpResponse {
    HttpResponse {
        status,
        body: body.to_vec(),
        ..Default::default()
    }
}

/// Errors that `src/js/verify.js` meets, built here so that codes and
/// messages have one source: `kind` 0, no candidate key verified the
/// signature; 1, a bad option JavaScript reads (`detail` says which); 2,
/// the caller's key does not fit the token's alg (`detail`).
#[wasm_bindgen(js_name = verifyError, skip_typescript)]
pub fn verify_error(kind: u8, detail: &str) -> JsValue {
    to_js(match kind {
        0 => Error::JwtSignature(
            "the signature does not verify with the issuer's key; the token was altered, or signed by another key".into(),
        ),
        1 => Error::options(detail),
        _ => key_misfit(detail),
    })
}

fn key_misfit(alg: &str) -> Error {
    Error::JwtAlg(format!(
        "the token's alg {alg} does not fit the key (its type, curve or size, RSA ≥ 2048 bits; or its alg, use or key_ops)"
    ))
}

/// A DPoP proof whose header and claims hold ([`dpop::check_proof`]), for
/// `src/js/verify.js` to check its signature and key binding through WebCrypto.
#[wasm_bindgen(skip_typescript)]
pub struct DpopProof {
    inner: dpop::CheckedProof,
    /// `header.payload` of the proof: the signing input.
    data: Vec<u8>,
    now_s: f64,
}

#[wasm_bindgen]
impl DpopProof {
    /// Checks `proof` (the `DPoP` header, or undefined) against the request
    /// and the token's SHA-256, at `now_ms`; throws `ERR_DPOP_PROOF`.
    #[wasm_bindgen(constructor)]
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        proof: Option<String>,
        method: &str,
        url: &str,
        token_hash: &[u8],
        now_ms: f64,
        max_age_s: Option<f64>,
        clock_tolerance_s: Option<f64>,
        nonce: Option<String>,
    ) -> Result<DpopProof, JsValue> {
        let expect = dpop::ProofCheck {
            method,
            url,
            token_hash,
            now_s: now_ms / 1000.0,
            max_age_s: max_age_s.unwrap_or(dpop::DEFAULT_PROOF_MAX_AGE_S),
            clock_tolerance_s: clock_tolerance_s.unwrap_or(DEFAULT_CLOCK_TOLERANCE_S),
            nonce: nonce.as_deref(),
        };
        let inner = dpop::check_proof(proof.as_deref(), &expect).map_err(to_js)?;
        let data = proof
            .as_deref()
            .and_then(|p| p.get(..inner.signing_input_end))
            .unwrap_or_default()
            .as_bytes()
            .to_vec();
        Ok(DpopProof {
            inner,
            data,
            now_s: expect.now_s,
        })
    }

    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.inner.alg.name().to_owned()
    }

    /// The proof's `jwk`, as clean JWK text for `importKey`.
    #[wasm_bindgen(getter)]
    pub fn key(&self) -> String {
        self.inner.key.clone()
    }

    #[wasm_bindgen(getter, js_name = thumbprintInput)]
    pub fn thumbprint_input(&self) -> String {
        self.inner.thumbprint.thumbprint_input().to_owned()
    }

    #[wasm_bindgen(getter)]
    pub fn data(&self) -> Vec<u8> {
        self.data.clone()
    }

    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> Vec<u8> {
        self.inner.signature.clone()
    }

    /// See [`dpop::check_binding`], then the replay check of `replay`;
    /// throws `ERR_DPOP_PROOF`.
    pub fn bound(
        &self,
        signature_ok: bool,
        thumbprint_hash: &[u8],
        jkt: &str,
        replay: &mut DpopReplay,
    ) -> Result<(), JsValue> {
        dpop::check_binding(signature_ok, thumbprint_hash, jkt)
            .and_then(|()| replay.inner.check(&self.inner, self.now_s))
            .map_err(to_js)
    }
}

/// The proofs `authorizeRequest` accepted lately ([`dpop::ReplayCache`]).
#[wasm_bindgen(skip_typescript)]
#[derive(Default)]
pub struct DpopReplay {
    inner: dpop::ReplayCache,
}

#[wasm_bindgen]
impl DpopReplay {
    #[wasm_bindgen(constructor)]
    pub fn new() -> DpopReplay {
        DpopReplay::default()
    }
}

/// Validates `authorizeRequest`'s `dpop` option: `maxAgeSeconds`, 1 to
/// 3600 seconds when given; `nonce`, a `DPoP-Nonce` value (RFC 9449 §8.1:
/// printable ASCII but space, `"` and `\`) when given.
#[wasm_bindgen(js_name = checkDpopOptions, skip_typescript)]
pub fn check_dpop_options(max_age_s: Option<f64>, nonce: Option<String>) -> Result<(), JsValue> {
    if max_age_s.is_some_and(|s| !(1.0..=3600.0).contains(&s)) {
        return Err(to_js(Error::options(
            "dpop.maxAgeSeconds must be a number of seconds from 1 to 3600",
        )));
    }
    if nonce.is_some_and(|n| !dpop::valid_nonce(&n)) {
        return Err(to_js(Error::options(
            "dpop.nonce must be a non-empty string of printable ASCII without spaces, quotes or backslashes (RFC 9449 §8.1)",
        )));
    }
    Ok(())
}
