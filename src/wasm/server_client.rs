//! What a [`crate::wasm::session::Session`] (the token endpoint) and an
//! [`crate::wasm::introspector::Introspector`] (the introspection endpoint)
//! share as clients of the authorization server: the validated options,
//! the endpoint discovery found, the client assertion's header and the
//! signed JWTs, and the secrets no error may echo. Plain Rust: each face
//! forwards its JavaScript methods here, so the rules have one copy.

use crate::error::{Error, ResponseHints};
use crate::oauth::assertion::{self, JTI_BYTES};
use crate::oauth::{discovery, ClientAuth, HttpResponse, TokenRequest};
use crate::wasm::client_config::{ClientConfig, Purpose};
use crate::wasm::exports::parse_url;

/// How many signed JWTs a client remembers to redact: a request's
/// assertion and proof, and its retry's.
const SIGNED_KEPT: usize = 4;

/// A client of the authorization server, for one of its endpoints.
pub(crate) struct ServerClient {
    pub config: ClientConfig,
    purpose: Purpose,
    /// With `issuer`, the request once discovery found its endpoint (see
    /// [`ServerClient::request`]). A failed discovery leaves it unknown, so
    /// the next request tries again.
    discovered: Option<TokenRequest>,
    /// What a response must not echo ([`TokenRequest::secrets`]), made
    /// once for the first response, not again for each.
    secrets: Option<[String; 3]>,
    /// The client assertion's JWS header, once `src/js/signing.js` has
    /// imported the key and said its algorithm.
    assertion_header: Option<String>,
    /// The latest signed JWTs ([`ServerClient::compact`]), each followed by
    /// its signing input: a careless server may echo an assertion, which
    /// must not reach an error any more than the secret.
    signed: Vec<String>,
}

impl ServerClient {
    pub fn new(config: ClientConfig, purpose: Purpose) -> Self {
        ServerClient {
            config,
            purpose,
            discovered: None,
            secrets: None,
            assertion_header: None,
            signed: Vec::new(),
        }
    }

    /// The request to the endpoint, once it is known: the configured one,
    /// or the one discovery found for `issuer`.
    pub fn request(&self) -> Option<&TokenRequest> {
        match self.config.issuer {
            None => Some(&self.config.request),
            Some(_) => self.discovered.as_ref(),
        }
    }

    /// The method `src/js/signing.js` imports a key for, if it signs
    /// client assertions.
    pub fn assertion_method(&self) -> Option<String> {
        let auth = self.config.request.auth;
        auth.is_jwt().then(|| auth.name().to_owned())
    }

    /// Builds the header every client assertion shares, from the imported
    /// key's algorithm and its JWK's `kid` (`keyId` over it).
    pub fn use_assertion_key(
        &mut self,
        alg: Option<String>,
        jwk_kid: Option<String>,
    ) -> Result<(), Error> {
        let auth = self.config.request.auth;
        self.assertion_header = match alg {
            Some(name) if auth.is_jwt() => {
                let alg = assertion::signing_alg(Some(&name), auth == ClientAuth::SecretJwt)?
                    .ok_or_else(|| Error::options("signingAlg is missing"))?;
                let kid = self.config.keys.key_id.as_deref().or(jwk_kid.as_deref());
                Some(assertion::header(alg, kid))
            }
            _ => None,
        };
        Ok(())
    }

    /// How long a caller waits for a request someone else started before
    /// it makes its own: discovery and the request, each within
    /// `timeoutMs`, plus a second. Past that, the request belongs to a
    /// context that is gone, such as a finished Workers request, whose
    /// promises never settle for anyone else (jose #355).
    pub fn join_limit_ms(&self) -> u32 {
        let limit = self
            .config
            .request
            .timeout_ms
            .saturating_mul(2)
            .saturating_add(1000);
        limit.min(i32::MAX as u32)
    }

    /// The `index`th metadata URL to try while the endpoint is not known.
    pub fn metadata_url(&self, index: usize) -> Option<String> {
        if self.request().is_some() {
            return None;
        }
        let issuer = self.config.issuer.as_deref()?;
        discovery::metadata_urls(issuer).into_iter().nth(index)
    }

    /// Reads the answer to [`ServerClient::metadata_url`]`(index)`: true
    /// when it named the endpoint, false to try the next URL. Past the
    /// last URL, "not found" is an `ERR_HTTP` 404.
    pub fn discovered(&mut self, index: usize, response: &HttpResponse) -> Result<bool, Error> {
        let issuer = self.config.issuer.as_deref().unwrap_or_default();
        let (member, option) = (self.purpose.metadata_member(), self.purpose.option());
        let Some(found) = discovery::metadata_member(response, issuer, member, option)? else {
            if index + 1 < discovery::metadata_urls(issuer).len() {
                return Ok(false);
            }
            return Err(Error::Http {
                status: 404,
                body: String::new(),
                hints: Default::default(),
            });
        };
        let name = self.purpose.metadata_name();
        let endpoint = parse_url(name, &found)?.check(name, self.config.allow_insecure_http)?;
        self.discovered = Some(TokenRequest {
            endpoint,
            ..self.config.request.clone()
        });
        Ok(true)
    }

    /// The signing input of a new client assertion for `request` at
    /// `now_s`, for a JWT method; empty for the others.
    pub fn assertion_input(&self, request: &TokenRequest, now_s: u64) -> Result<String, Error> {
        match &self.assertion_header {
            Some(header) if request.auth.is_jwt() => {
                let audience = (self.config.keys.audience.as_deref())
                    .or(self.config.issuer.as_deref())
                    .unwrap_or(&request.endpoint.href);
                let claims =
                    assertion::claims(&request.credentials.client_id, audience, now_s, &jti());
                Ok(assertion::signing_input(header, &claims))
            }
            _ if request.auth.is_jwt() => Err(Error::options(
                "the client assertion's key has not been imported",
            )),
            _ => Ok(String::new()),
        }
    }

    /// The compact JWS of a signing input this client made and its
    /// signature, as WebCrypto returned it (for ECDSA already the JWS
    /// `r || s` form, RFC 7518 §3.4); remembered for redaction.
    pub fn compact(&mut self, signing_input: &str, signature: &[u8]) -> String {
        let jws = assertion::compact(signing_input, signature);
        if self.signed.len() >= 2 * SIGNED_KEPT {
            self.signed.drain(..2);
        }
        // The signing input too: an echo cut short still shows it whole.
        self.signed.push(jws.clone());
        self.signed.push(signing_input.to_owned());
        jws
    }

    /// The strings no error may quote: the client's secrets (they depend
    /// on the credentials only, not on the endpoint) and the latest signed
    /// JWTs.
    pub fn secrets(&mut self) -> Vec<&str> {
        let config = &self.config;
        let secrets = self.secrets.get_or_insert_with(|| config.request.secrets());
        secrets
            .iter()
            .chain(&self.signed)
            .map(String::as_str)
            .collect()
    }
}

/// The JavaScript methods a face (a struct with a `client: ServerClient`
/// field) forwards to its [`ServerClient`], the same for a Session and an
/// Introspector: `src/js/signing.js` and the discovery loop call them by
/// these names on either.
macro_rules! server_client_methods {
    ($face:ident) => {
        #[wasm_bindgen]
        impl $face {
            /// Whether `src/js/signing.js` must import keys before the first
            /// request: one getter, cheaper than the two below, for the
            /// common case of none.
            #[wasm_bindgen(getter, js_name = needsKeys)]
            pub fn needs_keys(&self) -> bool {
                self.client.config.request.auth.is_jwt() || self.client.config.keys.dpop
            }

            /// Whether requests carry DPoP proofs, so `src/js/signing.js`
            /// must provide a key pair (never for introspection, whose
            /// options refuse `dpop`).
            #[wasm_bindgen(getter)]
            pub fn dpop(&self) -> bool {
                self.client.config.keys.dpop
            }

            /// The method `src/js/signing.js` imports a key for:
            /// `private_key_jwt` (the `privateKey` option),
            /// `client_secret_jwt` (the secret as an HMAC key), or undefined.
            #[wasm_bindgen(getter, js_name = assertionMethod)]
            pub fn assertion_method(&self) -> Option<String> {
                self.client.assertion_method()
            }

            /// The `signingAlg` asked for, checked against the method;
            /// undefined for `private_key_jwt` without one (the key's usual
            /// algorithm).
            #[wasm_bindgen(getter, js_name = assertionAlg)]
            pub fn assertion_alg(&self) -> Option<String> {
                self.client.config.keys.alg.map(|a| a.name().to_owned())
            }

            /// The compact JWS of a signing input this client made and its
            /// signature, as WebCrypto returned it.
            pub fn compact(&mut self, signing_input: &str, signature: &[u8]) -> String {
                self.client.compact(signing_input, signature)
            }

            /// The caller's `AbortSignal`, if any.
            #[wasm_bindgen(getter)]
            pub fn signal(&self) -> Option<web_sys::AbortSignal> {
                self.client.config.signal.clone()
            }

            /// The limit for each HTTP exchange, in milliseconds.
            #[wasm_bindgen(getter, js_name = timeoutMs)]
            pub fn timeout_ms(&self) -> u32 {
                self.client.config.request.timeout_ms
            }

            /// How long a caller waits for a request someone else started
            /// ([`ServerClient::join_limit_ms`]).
            #[wasm_bindgen(getter, js_name = joinLimitMs)]
            pub fn join_limit_ms(&self) -> u32 {
                self.client.join_limit_ms()
            }

            /// The `index`th metadata URL to try while the endpoint is not
            /// known; `undefined` when it is.
            #[wasm_bindgen(js_name = metadataUrl)]
            pub fn metadata_url(&self, index: usize) -> Option<String> {
                self.client.metadata_url(index)
            }

            /// Reads the answer to `metadataUrl(index)`: true when it named
            /// the endpoint, false to try the next URL. Past the last URL,
            /// "not found" is an `ERR_HTTP` 404.
            pub fn discovered(
                &mut self,
                index: usize,
                status: u16,
                meta: &str,
                body: &[u8],
            ) -> Result<bool, JsValue> {
                self.client
                    .discovered(
                        index,
                        &$crate::wasm::server_client::response(status, meta, body),
                    )
                    .map_err($crate::wasm::decode::to_js)
            }
        }
    };
}
pub(crate) use server_client_methods;

/// A `jti`: [`JTI_BYTES`] from `crypto.getRandomValues`.
pub(crate) fn jti() -> [u8; JTI_BYTES] {
    let mut bytes = [0; JTI_BYTES];
    crate::wasm::host::random_bytes(&mut bytes);
    bytes
}

/// Whole seconds since the epoch, for `iat`.
pub(crate) fn seconds(now_ms: f64) -> u64 {
    if now_ms.is_finite() && now_ms > 0.0 {
        (now_ms / 1000.0) as u64
    } else {
        0
    }
}

/// A response as `src/js/http.js` read it: the status, `meta` as
/// `type \n location \n retry-after \n www-authenticate \n dpop-nonce`
/// (header values have no newline; empty for a 2xx without DPoP, where
/// none of them matters), and the body, empty for a redirect.
pub(crate) fn response(status: u16, meta: &str, body: &[u8]) -> HttpResponse {
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
