import type { Auth, AuthorizeOptions } from "./common.js";
import type { JwtPayload } from "../index.js";

export type { Auth, AuthorizeOptions };

/**
 * Express middleware (Express 4 and 5). Sets `req.auth`; a refusal is answered with authorizeRequest's status,
 * headers and body; an error goes to `next(err)` as a ClientCredentialsError.
 */
export function authorize<P extends JwtPayload = JwtPayload>(
  options: AuthorizeOptions,
): (req: { auth?: Auth<P> } & Record<string, any>, res: any, next: (err?: unknown) => void) => void;
