//! A token shared between instances through a store (Redis, Cloudflare KV,
//! the Cache API): what names an entry, what it holds, and when one read
//! back may be used.
//!
//! Fifty pods or a hundred Worker isolates each holding their own
//! `TokenClient` would each ask the authorization server for a token every
//! lifetime. With a store they share one. The JavaScript side
//! (`src/js/store.js`) hashes the identity into the store key and encrypts
//! the entry with WebCrypto; everything it hashes, encrypts or accepts is
//! decided here:
//!
//! - [`identity`]: the canonical text of what the token was issued for:
//!   the token endpoint (or the issuer), the client id, the authentication
//!   method, scope, audience, resources and extra parameters. Never the
//!   secret. Two clients share an entry exactly when their identities are
//!   equal; the store key is its SHA-256, and the entry's AES-256-GCM key is
//!   derived (HKDF-SHA-256) from the client secret with the identity as
//!   `info`, so an entry is only readable by someone who holds the secret.
//! - [`encode_entry`] / [`decode_entry`]: the plaintext that is encrypted.
//!   A version line, the identity again (a foreign entry is refused even if
//!   it decrypts), the time the token response arrived, and the response
//!   body as the server sent it, so a token read back is the same object
//!   the instance that requested it got.
//! - [`ttl_seconds`]: an entry lives until the token must be refreshed
//!   (`expires_at` − skew), so the store never serves a token a client
//!   would not use itself.
//! - [`check_options`]: `store`, `storeSecret`, `onStoreError` and
//!   `storeTimeoutMs`.
//!
//! Anything read back that is not a well-formed entry of this version for
//! this identity is ignored, never an error: the store is a cache, and the
//! authorization server is always there behind it.

use crate::error::Error;
use crate::form;
use crate::oauth::TokenRequest;

/// The first line of every entry; a format change bumps it, and entries of
/// another version are ignored (and replaced).
pub const ENTRY_VERSION: &str = "client-credentials/store/1";

/// Default for `storeTimeoutMs`: a store slower than this counts as down,
/// and the token comes from the authorization server instead.
pub const DEFAULT_STORE_TIMEOUT_MS: u32 = 1000;

/// Longest accepted `storeTimeoutMs`.
pub const MAX_STORE_TIMEOUT_MS: u32 = 60_000;

/// Shortest accepted `storeSecret`, in characters: it is the only thing
/// between someone who can read the store and the token.
pub const MIN_STORE_SECRET_CHARS: usize = 16;

/// The canonical identity of the token `request` asks for, as one line of
/// form-encoded pairs. `issuer`, when the endpoint comes from discovery,
/// stands in for the endpoint: it is known before discovery runs, and it
/// names the same server. Form encoding escapes `&`, `=` and newlines, so
/// the text is unambiguous; each extra parameter is prefixed with `x.`, so
/// it can't pose as one of the named fields.
pub fn identity(request: &TokenRequest, issuer: Option<&str>) -> String {
    let mut pairs: Vec<(&str, &str)> = vec![("v", "1"), ("grant_type", "client_credentials")];
    match issuer {
        Some(issuer) => pairs.push(("issuer", issuer)),
        None => pairs.push(("token_endpoint", &request.endpoint.href)),
    }
    pairs.push(("client_id", &request.credentials.client_id));
    pairs.push(("auth_method", request.auth.name()));
    if let Some(scope) = &request.scope {
        pairs.push(("scope", scope));
    }
    if let Some(audience) = &request.audience {
        pairs.push(("audience", audience));
    }
    for resource in &request.resources {
        pairs.push(("resource", resource));
    }
    let extra: Vec<(String, &str)> = request
        .extra
        .iter()
        .map(|(name, value)| (format!("x.{name}"), value.as_str()))
        .collect();
    pairs.extend(extra.iter().map(|(name, value)| (name.as_str(), *value)));
    form::serialize(pairs)
}

/// The plaintext of an entry: the version, the identity, when the token
/// response arrived (epoch ms), and the response body, one per line (the
/// body last, since only it may hold newlines).
pub fn encode_entry(identity: &str, obtained_at_ms: f64, body: &str) -> String {
    let obtained = obtained_at_ms.max(0.0) as u64;
    format!("{ENTRY_VERSION}\n{identity}\n{obtained}\n{body}")
}

/// A stored entry, read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredEntry<'a> {
    /// When the instance that requested the token received it.
    pub obtained_at_ms: f64,
    /// The token response body, to be read as the response itself.
    pub body: &'a str,
}

/// Reads an entry's plaintext: `None` if it is of another version, for
/// another identity, truncated or malformed. Whether the token in it is
/// still fresh is the cache's decision, once the body is read.
pub fn decode_entry<'a>(text: &'a str, identity: &str) -> Option<StoredEntry<'a>> {
    let mut lines = text.splitn(4, '\n');
    if lines.next()? != ENTRY_VERSION || lines.next()? != identity {
        return None;
    }
    let obtained = lines.next()?;
    if obtained.is_empty() || obtained.len() > 16 || !obtained.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let obtained_at_ms = obtained.parse::<u64>().ok()? as f64;
    let body = lines.next()?;
    if body.is_empty() {
        return None;
    }
    Some(StoredEntry {
        obtained_at_ms,
        body,
    })
}

/// How long the store keeps an entry written at `now_ms` for a token to be
/// refreshed at `refresh_at_ms`: whole seconds, rounded down, so the entry
/// is gone before any client would refuse the token in it. `None` when
/// there is under a second left, or the token has no known lifetime (no
/// `expires_in`): such a token is not shared, since nothing would ever
/// expire it from the store.
pub fn ttl_seconds(refresh_at_ms: Option<f64>, now_ms: f64) -> Option<u32> {
    let left = (refresh_at_ms? - now_ms) / 1000.0;
    if left >= 1.0 {
        Some(left.min(f64::from(u32::MAX)) as u32)
    } else {
        None
    }
}

/// What the `store` option is, as the host saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreShape {
    /// No `store` (or `null`).
    Absent,
    /// Not an object.
    NotObject,
    /// An object; which of `get`, `set`, `delete`, `lock`, `unlock` are
    /// functions.
    Object {
        get: bool,
        set: bool,
        delete: bool,
        lock: bool,
        unlock: bool,
    },
}

/// The store options as the host read them. `on_error` and the secrets say
/// only whether they are present and what they are, never their values
/// (the length of `store_secret` in characters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreOptions {
    pub store: StoreShape,
    /// `onStoreError`: `None` absent, `Some(true)` a function.
    pub on_error_is_function: Option<bool>,
    /// `storeSecret`'s length in characters, if given.
    pub store_secret_chars: Option<usize>,
    pub has_client_secret: bool,
    pub timeout_ms: Option<f64>,
}

/// Checks the store options: `Ok(None)` without a store, else the store
/// timeout in milliseconds. Each failure says what to pass instead.
pub fn check_options(o: &StoreOptions) -> Result<Option<u32>, Error> {
    // Whole messages rather than format!: each one costs its bytes in the
    // wasm, where formatting machinery per message costs more.
    if o.store == StoreShape::Absent {
        return match (o.store_secret_chars, o.on_error_is_function, o.timeout_ms) {
            (None, None, None) => Ok(None),
            _ => Err(Error::options(
                "storeSecret, onStoreError and storeTimeoutMs only apply with the store option; pass store too (redisStore(client), kvStore(namespace), cacheStore(cache)) or leave them out",
            )),
        };
    }
    check_store(o.store, o.on_error_is_function)?;
    match o.store_secret_chars {
        Some(n) if n < MIN_STORE_SECRET_CHARS => {
            return Err(Error::options(
                "storeSecret must be a string of at least 16 characters; use a long random value, the same on every instance",
            ))
        }
        None if !o.has_client_secret => {
            return Err(Error::options(
                "storeSecret is required with store when there is no clientSecret: the shared entry is encrypted with a key derived from it",
            ))
        }
        _ => {}
    }
    store_timeout(o.timeout_ms)
}

/// Checks `JwksClient`'s store options (`store`, `onStoreError`,
/// `storeTimeoutMs`): `Ok(None)` without a store, else the store timeout.
/// No secret: a key set is public, so its entry is not encrypted.
pub fn check_jwks_options(
    store: StoreShape,
    on_error_is_function: Option<bool>,
    timeout_ms: Option<f64>,
) -> Result<Option<u32>, Error> {
    if store == StoreShape::Absent {
        return match (on_error_is_function, timeout_ms) {
            (None, None) => Ok(None),
            _ => Err(Error::options(
                "onStoreError and storeTimeoutMs only apply with the store option; pass store too (redisStore(client), kvStore(namespace), cacheStore(cache)) or leave them out",
            )),
        };
    }
    check_store(store, on_error_is_function)?;
    store_timeout(timeout_ms)
}

/// What every store must be: an object with `get`, `set` and `delete`
/// (and `lock` with `unlock`, or neither), with `onStoreError` a function
/// if given.
fn check_store(store: StoreShape, on_error_is_function: Option<bool>) -> Result<(), Error> {
    let StoreShape::Object {
        get,
        set,
        delete,
        lock,
        unlock,
    } = store
    else {
        return Err(Error::options(NOT_A_STORE));
    };
    if !(get && set && delete) {
        return Err(Error::options(NOT_A_STORE));
    }
    if lock != unlock {
        return Err(Error::options(
            "store.lock and store.unlock come together: pass both functions or neither",
        ));
    }
    if on_error_is_function == Some(false) {
        return Err(Error::options(
            "onStoreError must be a function (it is called with each store failure)",
        ));
    }
    Ok(())
}

fn store_timeout(timeout_ms: Option<f64>) -> Result<Option<u32>, Error> {
    match timeout_ms {
        None => Ok(Some(DEFAULT_STORE_TIMEOUT_MS)),
        Some(ms) if (1.0..=f64::from(MAX_STORE_TIMEOUT_MS)).contains(&ms) => Ok(Some(ms as u32)),
        Some(_) => Err(Error::options(
            "storeTimeoutMs must be a number of milliseconds from 1 to 60000",
        )),
    }
}

/// The first line of every shared key set entry: a namespace apart from
/// token entries ([`ENTRY_VERSION`]), bumped on a format change.
pub const JWKS_ENTRY_VERSION: &str = "client-credentials/jwks/1";

/// The prefix of a key set entry's store key, before the identity's
/// SHA-256: key sets and tokens never share a name.
pub const JWKS_KEY_PREFIX: &str = "jwks:";

/// What a shared key set is for: the issuer it is discovered from, or the
/// `jwksUri` given, as one line of form-encoded pairs. Two `JwksClient`s
/// share an entry exactly when their identities are equal.
pub fn jwks_identity(issuer: Option<&str>, jwks_uri: Option<&str>) -> String {
    let mut pairs = vec![("v", "1")];
    match (issuer, jwks_uri) {
        (Some(issuer), _) => pairs.push(("issuer", issuer)),
        (None, uri) => pairs.push(("jwks_uri", uri.unwrap_or_default())),
    }
    form::serialize(pairs)
}

/// The text of a shared key set entry: the version, the identity, the URL
/// the keys were fetched from, when (epoch ms), and the key set as the
/// server sent it, one per line (the body last, since only it may hold
/// newlines). Public keys: stored as they are, not encrypted.
pub fn encode_jwks_entry(identity: &str, url: &str, fetched_at_ms: f64, body: &str) -> String {
    let fetched = fetched_at_ms.max(0.0) as u64;
    format!("{JWKS_ENTRY_VERSION}\n{identity}\n{url}\n{fetched}\n{body}")
}

/// A shared key set entry, read back.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoredKeySet<'a> {
    /// The key set's URL, as the instance that fetched it used it.
    pub url: &'a str,
    pub fetched_at_ms: f64,
    /// The key set (JSON), still to be parsed.
    pub body: &'a str,
}

/// Reads a shared key set entry at `now_ms`: `None` if it is of another
/// version or identity, from another URL than `url` (when known),
/// truncated, malformed, from the future or older than `max_age_ms`.
pub fn decode_jwks_entry<'a>(
    text: &'a str,
    identity: &str,
    url: Option<&str>,
    now_ms: f64,
    max_age_ms: f64,
) -> Option<StoredKeySet<'a>> {
    let mut lines = text.splitn(5, '\n');
    if lines.next()? != JWKS_ENTRY_VERSION || lines.next()? != identity {
        return None;
    }
    let from = lines.next()?;
    if from.is_empty() || url.is_some_and(|url| url != from) {
        return None;
    }
    let fetched = lines.next()?;
    if fetched.is_empty() || fetched.len() > 16 || !fetched.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let fetched_at_ms = fetched.parse::<u64>().ok()? as f64;
    // A second of clock skew between instances is tolerated.
    if fetched_at_ms > now_ms + 1000.0 || now_ms - fetched_at_ms >= max_age_ms {
        return None;
    }
    let body = lines.next()?;
    if body.is_empty() {
        return None;
    }
    Some(StoredKeySet {
        url: from,
        fetched_at_ms,
        body,
    })
}

const NOT_A_STORE: &str = "store must be an object with the functions get(key), set(key, value, { ttlSeconds }) and delete(key), each returning a promise: redisStore(client), kvStore(namespace), cacheStore(cache) or your own";

#[cfg(test)]
#[path = "../tests/unit/store.rs"]
mod tests;
