// The demo page's logic: form handling and rendering only. Every OAuth and JWT
// operation is the package's own, imported from its build as a user would.
import { fetchClientCredentialsToken, decodeJwt, JwksClient, verifyJwt } from "/dist/browser.mjs";

/** The access token of the seed tutorial's Keycloak response (long expired; decoding needs no key). */
const SEED_TOKEN = [
  "eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIiwia2lkIiA6ICJMeVVPTDg4LVBGM3BYQzFpN3BIeGdFZTJwaWZJY3RyTXJiNklH",
  "OElmRTlVIn0.eyJleHAiOjE2OTU1NTU3NjgsImlhdCI6MTY5NTU1NTQ2OCwianRpIjoiZDQwZjEwZjYtMGVjNi00YzAyLWI2ZTkt",
  "OGE5NzMyYmIwODUzIiwiaXNzIjoiaHR0cDovL2xvY2FsaG9zdDo5MTkxL3JlYWxtcy9zaXZhbGFicyIsImF1ZCI6ImFjY291bnQi",
  "LCJzdWIiOiIwZjQyYjZkYi0yZWRjLTQyNDUtODAwNC04OWM0Mjg1NDY2MjQiLCJ0eXAiOiJCZWFyZXIiLCJhenAiOiJhcmNoaXZh",
  "bC1zZXJ2aWNlIiwiYWNyIjoiMSIsImFsbG93ZWQtb3JpZ2lucyI6WyJodHRwOi8vbG9jYWxob3N0OjgyODIiXSwicmVhbG1fYWNj",
  "ZXNzIjp7InJvbGVzIjpbImRlZmF1bHQtcm9sZXMtc2l2YWxhYnMiLCJvZmZsaW5lX2FjY2VzcyIsInVtYV9hdXRob3JpemF0aW9u",
  "Il19LCJyZXNvdXJjZV9hY2Nlc3MiOnsiYWNjb3VudCI6eyJyb2xlcyI6WyJtYW5hZ2UtYWNjb3VudCIsIm1hbmFnZS1hY2NvdW50",
  "LWxpbmtzIiwidmlldy1wcm9maWxlIl19fSwic2NvcGUiOiJlbWFpbCBwcm9maWxlIiwiZW1haWxfdmVyaWZpZWQiOmZhbHNlLCJj",
  "bGllbnRIb3N0IjoiMTkyLjE2OC4xMTcuMSIsInByZWZlcnJlZF91c2VybmFtZSI6InNlcnZpY2UtYWNjb3VudC1hcmNoaXZhbC1z",
  "ZXJ2aWNlIiwiY2xpZW50QWRkcmVzcyI6IjE5Mi4xNjguMTE3LjEiLCJjbGllbnRfaWQiOiJhcmNoaXZhbC1zZXJ2aWNlIn0.HUjq",
  "MP8lxHJfNhxlwtZm8pui_LafuEGf9LxXh5K5tWIQHO6DkfZBWqAhqYggv3mv1QsbRO4akEnldTzrstoFN-4xO_kxKFv10VZLdcUc",
  "Kf_hhjoySFcKlp0eh1cBRn-C-YyDun5kNOg8kx38G_T7T6F1GMXPAAbMabngmhX2Ke_V4SJZsZvphNu15tmKXnqk8ZUyPRGWSfB9",
  "yb19JU79FmiE7RJPMAKSFyV5nHt1HxhSsE7NHeMaqUAn7M5bsQa6em-YxNp3oB2ROA_s0RsACHk41U3d3gARBpZcR2ad2kO0DL_j",
  "CV22I2uS4XJCpkvE1MMB5nD6CPwt3Re-8-gGjw",
].join("");

/** Used when the page is served without the demo's /config.json: the seed's values. */
const FALLBACK_CONFIG = {
  builtIn: true,
  tokenUrl: "http://localhost:9191/realms/sivalabs/protocol/openid-connect/token",
  issuer: "http://localhost:9191/realms/sivalabs",
  clientId: "archival-service",
  clientSecret: "bL1a2V2kouKh4sBMX0UrSmc0d3qubD1a",
  scope: "openid profile",
  authMethod: "client_secret_basic",
  apiUrl: "http://localhost:8383/api/archives",
};

/** Claims holding NumericDate values (RFC 7519 §2), shown as dates on hover. */
const TIME_CLAIMS = new Set(["exp", "iat", "nbf", "auth_time"]);

const $ = (id) => document.getElementById(id);
const el = {
  libStatus: $("lib-status"),
  announcer: $("announcer"),
  serverMode: $("server-mode"),
  tokenForm: $("token-form"),
  tokenUrl: $("token-url"),
  clientId: $("client-id"),
  clientSecret: $("client-secret"),
  toggleSecret: $("toggle-secret"),
  scope: $("scope"),
  getToken: $("get-token"),
  resetForm: $("reset-form"),
  codeSample: $("code-sample"),
  tokenError: $("token-error"),
  tokenResult: $("token-result"),
  countdown: $("countdown"),
  expiresAt: $("expires-at"),
  expiryBar: $("expiry-bar"),
  expiryFill: $("expiry-fill"),
  tokenClaims: $("token-claims"),
  signatureStatus: $("signature-status"),
  rawResponse: $("raw-response"),
  accessToken: $("access-token"),
  copyToken: $("copy-token"),
  decodeCurrent: $("decode-current"),
  apiForm: $("api-form"),
  apiUrl: $("api-url"),
  callApi: $("call-api"),
  callApiAnon: $("call-api-anon"),
  callApiHint: $("call-api-hint"),
  apiResult: $("api-result"),
  apiStatus: $("api-status"),
  apiChallenge: $("api-challenge"),
  apiBody: $("api-body"),
  decodeForm: $("decode-form"),
  jwtInput: $("jwt-input"),
  useSeed: $("use-seed"),
  clearJwt: $("clear-jwt"),
  decodeError: $("decode-error"),
  decodeResult: $("decode-result"),
  claimsTemplate: $("claims-template"),
  pageOrigin: $("page-origin"),
};

/** The last token obtained in step 1, for step 2. */
let current = null;
let countdownTimer = 0;
let config = FALLBACK_CONFIG;

// ---------------------------------------------------------------- rendering helpers

function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false));
  return node;
}

function announce(text) {
  el.announcer.textContent = "";
  // A fresh text node, so screen readers announce a repeated message again.
  requestAnimationFrame(() => (el.announcer.textContent = text));
}

function formatDate(seconds) {
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
function formatRelative(ms) {
  const units = [["year", 31536e6], ["month", 2592e6], ["day", 864e5], ["hour", 36e5], ["minute", 6e4], ["second", 1e3]];
  for (const [unit, size] of units) {
    if (Math.abs(ms) >= size || unit === "second") return relativeFormat.format(Math.round(ms / size), unit);
  }
  return "";
}

/** m:ss (or h:mm:ss) of a duration in milliseconds, rounded up so 0:00 means expired. */
function formatCountdown(ms) {
  const total = Math.ceil(ms / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, "0");
  return hours ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`;
}

/**
 * Pretty-prints a JSON value into `pre` with one span per token, for colour.
 * Built from text nodes only: claims are untrusted input and never become markup.
 */
function renderJson(pre, value) {
  const text = JSON.stringify(value, null, 2) ?? String(value);
  const pattern = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  const out = [];
  let last = 0;
  let key = "";
  for (const m of text.matchAll(pattern)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] && m[2]) {
      key = JSON.parse(m[1]);
      out.push(h("span", { class: "j-key", text: m[1] }), m[2]);
    } else if (m[1]) {
      out.push(h("span", { class: "j-string", text: m[1] }));
    } else if (m[3]) {
      out.push(h("span", { class: m[3] === "null" ? "j-null" : "j-bool", text: m[3] }));
    } else {
      const title = TIME_CLAIMS.has(key) ? formatDate(Number(m[4])) : undefined;
      out.push(h("span", { class: title ? "j-number j-time" : "j-number", title, text: m[4] }));
    }
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  pre.replaceChildren(...out);
}

function chips(list, items, empty) {
  list.replaceChildren(
    ...(items.length ? items : [null]).map((item) =>
      item === null
        ? h("li", { class: "chip chip-empty", text: empty })
        : h("li", { class: "chip" }, ...(item.prefix ? [h("span", { class: "chip-prefix", text: item.prefix })] : []), item.text),
    ),
  );
}

/** Header, payload, a readable summary, and the scopes and Keycloak roles as chips. */
function renderClaims(container, decoded, grantedScope) {
  const view = el.claimsTemplate.content.cloneNode(true);
  const part = (name) => view.querySelector(`[data-testid="${name}"]`);
  const { header, payload, signature } = decoded;

  const rows = [];
  const row = (term, value, extra) => {
    if (value === undefined || value === null || value === "") return;
    rows.push(h("div", {}, h("dt", { text: term }), h("dd", {}, String(value), extra ? h("span", { class: "muted", text: ` (${extra})` }) : "")));
  };
  row("Issuer", payload.iss);
  row("Client", payload.azp ?? payload.client_id);
  row("Service account", payload.preferred_username);
  row("Subject", payload.sub);
  row("Audience", Array.isArray(payload.aud) ? payload.aud.join(", ") : payload.aud);
  if (typeof payload.iat === "number") row("Issued", formatDate(payload.iat), formatRelative(payload.iat * 1000 - Date.now()));
  if (typeof payload.exp === "number") {
    const left = payload.exp * 1000 - Date.now();
    row("Expires", formatDate(payload.exp), left > 0 ? formatRelative(left) : `expired ${formatRelative(left)}`);
  }
  row("Signed with", [header.alg, header.kid && `key ${header.kid}`].filter(Boolean).join(", "));
  part("summary").replaceChildren(...rows);

  const scope = grantedScope ?? (typeof payload.scope === "string" ? payload.scope : "");
  chips(part("scopes"), scope.split(" ").filter(Boolean).map((text) => ({ text })), "none");
  const realmRoles = Array.isArray(payload.realm_access?.roles) ? payload.realm_access.roles : [];
  chips(part("realm-roles"), realmRoles.map((text) => ({ text: String(text) })), "none in this token");
  const clientRoles = Object.entries(payload.resource_access ?? {}).flatMap(([client, access]) =>
    (Array.isArray(access?.roles) ? access.roles : []).map((role) => ({ prefix: client, text: String(role) })),
  );
  chips(part("client-roles"), clientRoles, "none in this token");

  renderJson(part("header"), header);
  renderJson(part("payload"), payload);
  part("signature").textContent = signature;
  container.replaceChildren(view);
}

// ---------------------------------------------------------------- errors

function hintFor(err, context) {
  const origin = location.origin;
  switch (err?.code) {
    case "ERR_NETWORK":
      return `The browser got no readable answer. Either nothing listens at that URL, or the server's CORS policy does not allow this page (${origin}). In Keycloak, add ${origin} to the client's Web origins (Clients → ${el.clientId.value || "your client"} → Settings → Web origins).`;
    case "ERR_OAUTH":
      if (err.error === "invalid_client") return "Check the client ID and secret (Keycloak: Clients → Credentials) and the client authentication choice.";
      if (err.error === "unauthorized_client") return "This client may not use the Client Credentials grant: in Keycloak, turn on Service accounts roles (Capability config).";
      if (err.error === "invalid_scope") return "Ask only for scopes assigned to the client (Keycloak: Clients → Client scopes), or leave Scope empty.";
      return "";
    case "ERR_HTTP":
      return err.status === 404 ? "Check the token URL: Keycloak's is <server>/realms/<realm>/protocol/openid-connect/token." : "";
    case "ERR_INVALID_RESPONSE":
      return "The server answered, but not with an RFC 6749 §5.1 token response. Is the URL really a token endpoint?";
    case "ERR_TIMEOUT":
      return "The server did not answer in time.";
    case "ERR_INVALID_JWT":
      return context === "decode" ? "Paste only the access_token value: three base64url segments separated by dots." : "";
    default:
      return "";
  }
}

/** Shows an error's `code` (the package's stable identifier) and message, plus a hint. */
function showError(box, err, context) {
  const code = typeof err?.code === "string" ? err.code : err?.name ?? "Error";
  const title = h("p", { class: "error-title" }, h("code", { class: "error-code", "data-testid": "error-code", text: code }));
  if (err?.code === "ERR_OAUTH") title.append(" ", h("strong", { "data-testid": "oauth-error", text: err.error }));
  if (typeof err?.status === "number") title.append(" ", h("span", { class: "muted", text: `HTTP ${err.status}` }));
  const parts = [title, h("p", { class: "error-message", "data-testid": "error-message", text: err?.message ?? String(err) })];
  if (err?.code === "ERR_OAUTH" && err.errorDescription) {
    parts.push(h("p", { class: "error-detail" }, h("span", { class: "muted", text: "error_description: " }), err.errorDescription));
  }
  if (err?.code === "ERR_HTTP" && err.body) {
    parts.push(h("pre", { class: "error-body", text: err.body }));
  }
  const hint = hintFor(err, context);
  if (hint) parts.push(h("p", { class: "error-hint", text: hint }));
  box.replaceChildren(...parts);
  box.hidden = false;
}

// ---------------------------------------------------------------- step 1: get a token

function readTokenOptions() {
  const scope = el.scope.value.trim();
  return {
    tokenUrl: el.tokenUrl.value.trim(),
    clientId: el.clientId.value,
    clientSecret: el.clientSecret.value,
    ...(scope ? { scope } : {}),
    authMethod: el.tokenForm.elements.authMethod.value,
  };
}

function updateCodeSample() {
  const o = readTokenOptions();
  const lines = [
    'import { fetchClientCredentialsToken } from "client-credentials";',
    "",
    "const token = await fetchClientCredentialsToken({",
    `  tokenUrl: ${JSON.stringify(o.tokenUrl)},`,
    `  clientId: ${JSON.stringify(o.clientId)},`,
    "  clientSecret: process.env.CLIENT_SECRET, // server-side: never in a public page",
    ...(o.scope ? [`  scope: ${JSON.stringify(o.scope)},`] : []),
    `  authMethod: ${JSON.stringify(o.authMethod)},`,
    "});",
    "// token.accessToken, token.expiresAt, token.scope, token.raw",
  ];
  el.codeSample.textContent = lines.join("\n");
}

function fillForm(values) {
  el.tokenUrl.value = values.tokenUrl ?? "";
  el.clientId.value = values.clientId ?? "";
  el.clientSecret.value = values.clientSecret ?? "";
  el.scope.value = values.scope ?? "";
  const method = values.authMethod === "client_secret_post" ? "client_secret_post" : "client_secret_basic";
  for (const radio of el.tokenForm.elements.authMethod) radio.checked = radio.value === method;
  el.apiUrl.value = values.apiUrl ?? "";
  updateCodeSample();
}

function stopCountdown() {
  clearInterval(countdownTimer);
  countdownTimer = 0;
}

function startCountdown(expiresAt, lifetimeMs) {
  stopCountdown();
  el.expiryBar.setAttribute("aria-valuemax", String(Math.round(lifetimeMs / 1000)));
  el.expiresAt.textContent = `at ${new Date(expiresAt).toLocaleTimeString()}`;
  const tick = () => {
    const left = Math.max(0, expiresAt - Date.now());
    const fraction = lifetimeMs > 0 ? Math.min(1, left / lifetimeMs) : 0;
    el.countdown.textContent = left > 0 ? formatCountdown(left) : "expired";
    el.expiryBar.setAttribute("aria-valuenow", String(Math.ceil(left / 1000)));
    el.expiryBar.setAttribute("aria-valuetext", left > 0 ? `${Math.ceil(left / 1000)} seconds left` : "expired");
    el.expiryBar.dataset.remainingMs = String(Math.round(left));
    el.expiryFill.style.width = `${(fraction * 100).toFixed(2)}%`;
    el.expiryBar.dataset.level = fraction > 0.5 ? "ok" : fraction > 0.2 ? "warn" : "low";
    if (left === 0) {
      stopCountdown();
      el.expiresAt.textContent = "Get a new token to call the API.";
    }
  };
  tick();
  countdownTimer = setInterval(tick, 250);
}

/** One JwksClient per issuer, as a resource server keeps one: its keys are fetched once. */
const keySets = new Map();

/**
 * Verifies the token as Resource Server B would, with verifyJwt against the JWKS of the
 * configured issuer (found by discovery), and says so, or why not.
 */
async function checkSignature(accessToken) {
  const status = el.signatureStatus;
  const { issuer } = config;
  if (typeof issuer !== "string") {
    status.textContent = "Signature not checked: no issuer is configured.";
    return;
  }
  status.textContent = "Checking the signature with the issuer's JWKS…";
  let text;
  try {
    let jwks = keySets.get(issuer);
    if (jwks === undefined) keySets.set(issuer, (jwks = new JwksClient({ issuer })));
    const { header } = await verifyJwt(accessToken, { jwks, issuer, audience: false });
    text = `✓ Signature verified by the issuer's JWKS (${header.alg}, key ${header.kid ?? "without kid"}).`;
  } catch (err) {
    text = `✗ Signature not verified: ${err.code ?? err.name}: ${err.message}`;
  }
  if (current?.accessToken === accessToken) status.textContent = text;
}

function showToken(token) {
  current = token;
  renderJson(el.rawResponse, token.raw);
  el.accessToken.textContent = token.accessToken;

  let decoded;
  try {
    decoded = decodeJwt(token.accessToken);
    renderClaims(el.tokenClaims, decoded, token.scope);
  } catch (err) {
    // RFC 6749 access tokens may be opaque strings; only JWTs can be shown.
    el.tokenClaims.replaceChildren(
      h("p", { class: "muted", text: `The access token is not a JWT, so there is nothing to decode (${err.code ?? err.name}).` }),
    );
  }

  if (decoded !== undefined) checkSignature(token.accessToken);
  else el.signatureStatus.textContent = "";

  const expiresAt = token.expiresAt ?? (typeof decoded?.payload.exp === "number" ? decoded.payload.exp * 1000 : undefined);
  const lifetime = token.expiresIn !== undefined
    ? token.expiresIn * 1000
    : typeof decoded?.payload.iat === "number" && expiresAt !== undefined ? expiresAt - decoded.payload.iat * 1000 : undefined;
  const expiry = el.tokenResult.querySelector(".expiry");
  if (expiresAt !== undefined && lifetime !== undefined) {
    expiry.hidden = false;
    startCountdown(expiresAt, lifetime);
  } else {
    stopCountdown();
    expiry.hidden = true;
  }

  el.tokenResult.hidden = false;
  el.callApi.disabled = false;
  el.callApiHint.textContent = "Sends Authorization: Bearer <access token>.";
  announce(`Token received${token.expiresIn !== undefined ? `, valid for ${token.expiresIn} seconds` : ""}.`);
}

async function onGetToken(event) {
  event.preventDefault();
  el.getToken.disabled = true;
  el.getToken.textContent = "Requesting…";
  el.tokenError.hidden = true;
  try {
    const token = await fetchClientCredentialsToken({ ...readTokenOptions(), timeoutMs: 15000 });
    showToken(token);
  } catch (err) {
    current = null;
    stopCountdown();
    el.tokenResult.hidden = true;
    el.callApi.disabled = true;
    el.callApiHint.textContent = "Get a token first.";
    showError(el.tokenError, err, "token");
  } finally {
    el.getToken.disabled = false;
    el.getToken.textContent = "Get token";
  }
}

// ---------------------------------------------------------------- step 2: call the API

async function callApi(withToken) {
  const url = el.apiUrl.value.trim();
  const headers = withToken && current ? { authorization: `Bearer ${current.accessToken}` } : {};
  el.apiResult.hidden = false;
  el.apiStatus.className = "badge";
  el.apiStatus.textContent = "calling…";
  el.apiChallenge.textContent = "";
  el.apiBody.replaceChildren();
  try {
    const res = await fetch(url, { headers, cache: "no-store" });
    const text = await res.text();
    el.apiStatus.textContent = `${res.status} ${res.statusText}`.trim();
    el.apiStatus.className = `badge ${res.ok ? "badge-ok" : "badge-error"}`;
    const challenge = res.headers.get("www-authenticate");
    el.apiChallenge.textContent = challenge ? `WWW-Authenticate: ${challenge}` : "";
    try {
      renderJson(el.apiBody, JSON.parse(text));
    } catch {
      el.apiBody.textContent = text;
    }
    announce(`API answered ${res.status}.`);
  } catch (err) {
    el.apiStatus.textContent = "network error";
    el.apiStatus.className = "badge badge-error";
    el.apiBody.textContent = `${err.message}\n\nThe API did not answer, or its CORS policy does not allow ${location.origin}.`;
    announce("The API call failed.");
  }
}

// ---------------------------------------------------------------- step 3: decode

function decodeInput() {
  const text = el.jwtInput.value.trim();
  if (!text) {
    el.decodeError.hidden = true;
    el.decodeResult.hidden = true;
    return;
  }
  try {
    const decoded = decodeJwt(text);
    renderClaims(el.decodeResult, decoded);
    el.decodeError.hidden = true;
    el.decodeResult.hidden = false;
  } catch (err) {
    el.decodeResult.hidden = true;
    showError(el.decodeError, err, "decode");
  }
}

// ---------------------------------------------------------------- wiring

async function loadConfig() {
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    if (res.ok) return { ...FALLBACK_CONFIG, ...(await res.json()) };
  } catch {
    // Served by another static server: use the seed's values.
  }
  return FALLBACK_CONFIG;
}

config = await loadConfig();
fillForm(config);
el.pageOrigin.textContent = location.origin;
el.serverMode.textContent = config.builtIn
  ? `Prefilled for the built-in authorization server, issuer ${config.issuer}, shaped like the tutorial's Keycloak realm.`
  : `Prefilled for ${config.issuer ?? config.tokenUrl}.`;

el.tokenForm.addEventListener("submit", onGetToken);
el.tokenForm.addEventListener("input", updateCodeSample);
el.resetForm.addEventListener("click", () => fillForm(config));
el.toggleSecret.addEventListener("click", () => {
  const show = el.clientSecret.type === "password";
  el.clientSecret.type = show ? "text" : "password";
  el.toggleSecret.textContent = show ? "Hide" : "Show";
  el.toggleSecret.setAttribute("aria-pressed", String(show));
});
el.copyToken.addEventListener("click", async () => {
  if (!current) return;
  try {
    await navigator.clipboard.writeText(current.accessToken);
    el.copyToken.textContent = "Copied";
  } catch {
    el.copyToken.textContent = "Copy failed";
  }
  setTimeout(() => (el.copyToken.textContent = "Copy"), 1500);
});
el.decodeCurrent.addEventListener("click", () => {
  if (!current) return;
  el.jwtInput.value = current.accessToken;
  decodeInput();
  el.jwtInput.focus();
});

el.apiForm.addEventListener("submit", (event) => {
  event.preventDefault();
  if (current) callApi(true);
});
el.callApiAnon.addEventListener("click", () => callApi(false));

el.decodeForm.addEventListener("submit", (event) => {
  event.preventDefault();
  decodeInput();
});
el.jwtInput.addEventListener("input", decodeInput);
el.useSeed.addEventListener("click", () => {
  el.jwtInput.value = SEED_TOKEN;
  decodeInput();
});
el.clearJwt.addEventListener("click", () => {
  el.jwtInput.value = "";
  decodeInput();
  el.jwtInput.focus();
});

el.getToken.disabled = false;
el.libStatus.textContent = "Package loaded from /dist/browser.mjs (WebAssembly).";
el.libStatus.classList.add("lib-status-ok");
document.documentElement.dataset.ready = "true";
