// A module resolve hook for TypeDoc only: its `import ts from "typescript"` gets the
// TypeScript 6 that package.json installs as `typescript-6`. The project's own
// `typescript` is 7, the native compiler, which has no JavaScript compiler API for
// TypeDoc 0.28 to load (its peer range ends at 6.0.x). Registered by api-docs.mjs.
export async function resolve(specifier, context, next) {
  if (specifier === "typescript" && context.parentURL?.includes("/node_modules/typedoc/")) {
    return next("typescript-6", context);
  }
  return next(specifier, context);
}
