// No init call: the package's browser entry instantiates its wasm with top-level await,
// and Vite emits the .wasm as an asset next to the bundle.
import { decodeJwt, fetchClientCredentialsToken } from "client-credentials/client";

const $ = (id) => document.getElementById(id);

$("form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("status").textContent = "Requesting a token…";
  $("result").textContent = "";
  try {
    const token = await fetchClientCredentialsToken({
      tokenUrl: $("tokenUrl").value,
      clientId: $("clientId").value,
      clientSecret: $("clientSecret").value,
      scope: $("scope").value || undefined,
    });
    const { header, payload } = decodeJwt(token.accessToken);
    $("status").textContent = `Got a ${token.tokenType} token, valid for ${token.expiresIn} s. Its claims (not verified):`;
    $("result").textContent = JSON.stringify({ header, payload }, null, 2);
  } catch (err) {
    // Every error has a stable `code`; ERR_NETWORK in a browser is often CORS.
    $("status").textContent = `${err.code ?? err.name}: ${err.message}`;
  }
});

$("get").disabled = false;
