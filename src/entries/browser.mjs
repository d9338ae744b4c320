// Browser entry, for bundlers and for <script type="module">: fetches and
// instantiates the wasm with top-level await, so no init call is needed.
import init from "./client_credentials.js";

await init({ module_or_path: new URL("./client_credentials_bg.wasm", import.meta.url) });

export * from "./api.mjs";
