//! `TokenClient`: a cached, single-flight token source and an authorized
//! `fetch`, for jobs and workers that call an API many times.
//!
//! - The cache ([`crate::cache`]) decides when a token is fresh.
//! - Concurrent callers share one in-flight request: 1000 simultaneous
//!   `getToken()` calls make one token request, and all of them get its
//!   result or its error. A failure is not cached.
//! - Sharing can't hang a Cloudflare Workers request. There, a promise that
//!   one request's I/O settles may never settle for another request if the
//!   first one ends (jose #355). So a caller that joins someone else's
//!   request waits at most as long as that request can take; if it has not
//!   settled by then, the caller makes its own request.

use crate::cache::{Entry, TokenCache, DEFAULT_SKEW_SECONDS};
use crate::error::Error;
use crate::exports::{
    discover, failure_to_js, request_token, to_js, token_to_js, ClientConfig, Options,
};
use crate::http;
use crate::oauth::Endpoint;
use js_sys::{Array, Object, Promise};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// A token source with a cache. See the module docs.
#[wasm_bindgen(js_name = TokenClient, skip_typescript)]
pub struct TokenClient {
    inner: Rc<Inner>,
}

struct Inner {
    config: ClientConfig,
    state: RefCell<State>,
}

struct State {
    cache: TokenCache,
    /// The cached result object, frozen, handed to every caller.
    token: Option<JsValue>,
    /// A promise already resolved to `token`, so the cached path makes no
    /// call into JavaScript beyond reading the clock.
    resolved: Option<Promise>,
    /// The request in flight, and the number that identifies it.
    flight: Option<(u64, Promise)>,
    flights: u64,
    /// The token endpoint, once discovery found it; kept for the client's
    /// lifetime. A failed discovery is not kept.
    endpoint: Option<Endpoint>,
}

#[wasm_bindgen(js_class = TokenClient)]
impl TokenClient {
    /// Takes the options of `fetchClientCredentialsToken`, plus
    /// `refreshSkewSeconds`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<TokenClient, JsValue> {
        let reader = Options::new(&options).map_err(to_js)?;
        let skew = match reader.number("refreshSkewSeconds").map_err(to_js)? {
            None => DEFAULT_SKEW_SECONDS,
            Some(s) if s.is_finite() && (0.0..=86_400.0).contains(&s) => s as u32,
            Some(_) => {
                return Err(to_js(Error::options(
                    "refreshSkewSeconds must be a number of seconds from 0 to 86400",
                )))
            }
        };
        let config = ClientConfig::read(&reader).map_err(to_js)?;
        let state = State {
            cache: TokenCache::new(skew),
            token: None,
            resolved: None,
            flight: None,
            flights: 0,
            endpoint: None,
        };
        Ok(TokenClient {
            inner: Rc::new(Inner {
                config,
                state: RefCell::new(state),
            }),
        })
    }

    /// A fresh token: the cached one, the one being requested, or a new one.
    #[wasm_bindgen(js_name = getToken)]
    pub fn get_token(&self) -> Promise {
        let inner = &self.inner;
        let mut state = inner.state.borrow_mut();
        if let Some(resolved) = &state.resolved {
            if state.cache.is_fresh(js_sys::Date::now()) {
                return resolved.clone();
            }
        }
        if let Some((_, flight)) = &state.flight {
            let flight = flight.clone();
            drop(state);
            return join(inner.clone(), flight);
        }
        start_flight(inner, &mut state)
    }

    /// Forgets the cached token; the next `getToken()` requests a new one.
    pub fn invalidate(&self) {
        let mut state = self.inner.state.borrow_mut();
        state.token = None;
        state.resolved = None;
        state.cache.invalidate();
    }

    /// The global `fetch(input, init)` with `Authorization: Bearer <token>`.
    /// On a 401 it gets a new token and retries once, when the request can
    /// be replayed.
    pub fn fetch(&self, input: JsValue, init: JsValue) -> Promise {
        let client = TokenClient {
            inner: self.inner.clone(),
        };
        future_to_promise(async move {
            let token = JsFuture::from(client.get_token()).await?;
            let response = http::authorized_fetch(&input, &init, &token).await?;
            if response.status() != 401 {
                return Ok(response.into());
            }
            // The API refused this token: forget it, unless someone already
            // replaced it, so that no later call sends it again.
            let current = client.inner.state.borrow().token.clone();
            if current.as_ref() == Some(&token) {
                client.invalidate();
            }
            if !http::replayable(&input, &init) {
                return Ok(response.into());
            }
            let token = JsFuture::from(client.get_token()).await?;
            Ok(http::authorized_fetch(&input, &init, &token).await?.into())
        })
    }
}

/// Starts a token request and records it as the flight others join.
fn start_flight(inner: &Rc<Inner>, state: &mut State) -> Promise {
    state.flights += 1;
    let id = state.flights;
    let task = inner.clone();
    let promise = future_to_promise(async move {
        let result = obtain(&task).await;
        let mut state = task.state.borrow_mut();
        if state.flight.as_ref().is_some_and(|(f, _)| *f == id) {
            state.flight = None;
        }
        let (token, entry) = result?;
        state.resolved = Some(Promise::resolve(&token));
        state.token = Some(token.clone());
        state.cache.store(entry);
        Ok(token)
    });
    state.flight = Some((id, promise.clone()));
    promise
}

/// Discovers the endpoint if needed, then requests a token.
async fn obtain(inner: &Inner) -> Result<(JsValue, Entry), JsValue> {
    let known = inner.state.borrow().endpoint.clone();
    let endpoint = match (&inner.config.issuer, known) {
        (None, _) => None,
        (Some(_), Some(endpoint)) => Some(endpoint),
        (Some(_), None) => {
            let endpoint = discover(&inner.config).await.map_err(failure_to_js)?;
            inner.state.borrow_mut().endpoint = Some(endpoint.clone());
            Some(endpoint)
        }
    };
    let token = request_token(&inner.config, endpoint)
        .await
        .map_err(failure_to_js)?;
    let entry = Entry {
        obtained_at_ms: js_sys::Date::now(),
        expires_at_ms: token.expires_at_ms,
    };
    let js = token_to_js(&token)?;
    if let Ok(raw) = js_sys::Reflect::get(&js, &"raw".into()) {
        Object::freeze(&raw.into());
    }
    Object::freeze(&js.clone().into());
    Ok((js, entry))
}

/// Waits for someone else's flight, but never longer than that flight can
/// take: discovery and the token request, each within `timeoutMs`, plus a
/// second of slack. Past that, the flight belongs to a context that is gone
/// (a finished Workers request), and this caller makes its own request.
fn join(inner: Rc<Inner>, flight: Promise) -> Promise {
    let limit = inner
        .config
        .request
        .timeout_ms
        .saturating_mul(2)
        .saturating_add(1000);
    future_to_promise(async move {
        let gave_up = JsValue::from(Object::new());
        let (deadline, timer) = http::resolve_after(limit, &gave_up);
        let winner = JsFuture::from(Promise::race(&Array::of2(&flight, &deadline))).await;
        http::cancel_timer(&timer);
        match winner {
            Ok(v) if v == gave_up => {
                // Replace the stale flight, or join the one that already did.
                let next = {
                    let mut state = inner.state.borrow_mut();
                    match &state.flight {
                        Some((_, current)) if **current != *flight => Err(current.clone()),
                        _ => Ok(start_flight(&inner, &mut state)),
                    }
                };
                match next {
                    Ok(own) => JsFuture::from(own).await,
                    Err(newer) => JsFuture::from(join(inner, newer)).await,
                }
            }
            other => other,
        }
    })
}
