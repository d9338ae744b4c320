import type { Auth, AuthorizeOptions } from "./common.js";
import type { JwtPayload } from "../index.js";

export type { Auth, AuthorizeOptions };

/**
 * Hono middleware (Hono 4). Sets `c.get("auth")`; a refusal is authorizeRequest's Response; an error is thrown to
 * `app.onError` as a ClientCredentialsError.
 */
export function authorize<P extends JwtPayload = JwtPayload>(
  options: AuthorizeOptions,
): (c: { req: { raw: Request }; set(key: "auth", value: Auth<P>): void }, next: () => Promise<void>) => Promise<Response | void>;
