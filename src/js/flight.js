// Sharing one request among concurrent callers (TokenClient's token, JwksClient's key set),
// and running it in the background while the cached value still serves.

/** What `within` resolves to when the limit came first. */
export const GAVE_UP = Symbol("gave up");

/**
 * `promise`'s result, or GAVE_UP after `limitMs`. A caller that joins
 * someone else's request waits no longer than that request can take: past
 * that, the request belongs to a context that is gone (a finished Workers
 * request, whose promises never settle), and the caller replaces it.
 */
export async function within(promise, limitMs) {
  let timer;
  const deadline = new Promise((resolve) => {
    timer = setTimeout(resolve, limitMs, GAVE_UP);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * workerd cancels what a finished request left running: there a background
 * refresh is handed to the caller's `waitUntil`, or, without one, runs
 * inside the request that needs it.
 */
export const INLINE = globalThis.navigator?.userAgent === "Cloudflare-Workers";

export const noop = () => {};

/** Hands a background failure to the caller's `onRefreshError`, which can't break the client by throwing. */
export function report(onRefreshError, error) {
  if (onRefreshError === undefined) return;
  try {
    onRefreshError(error);
  } catch {
    // The handler's own failure is its business.
  }
}

/** Hands background work to the caller's `waitUntil`, if any; one that throws (its request is over) changes nothing. */
export function handOver(waitUntil, promise) {
  if (waitUntil === undefined) return;
  try {
    waitUntil(promise);
  } catch {
    // The work runs on regardless; only its lifetime is not extended.
  }
}

/**
 * `error`, with `cause` set to an earlier background failure (the reason
 * the cached value ran out), unless it has one or is that failure.
 */
export function withCause(error, cause) {
  if (cause !== undefined && error !== null && typeof error === "object" && error !== cause && error.cause === undefined) error.cause = cause;
  return error;
}

/** Resolves in a later task (not a microtask), once the callers of this one have resumed. */
export function afterThisTask() {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
