import type { Auth, AuthorizeOptions } from "./common.js";
import type { JwtPayload } from "../index.js";

export type { Auth, AuthorizeOptions };

/**
 * A Fastify `onRequest` hook (Fastify 4 and 5). Sets `request.auth`; a refusal is sent with authorizeRequest's
 * status, headers and body; an error is thrown to Fastify's error handler as a ClientCredentialsError.
 */
export function authorize<P extends JwtPayload = JwtPayload>(
  options: AuthorizeOptions,
): (request: { auth?: Auth<P> } & Record<string, any>, reply: any) => Promise<unknown>;
