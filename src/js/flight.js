// Sharing one request among concurrent callers (TokenClient's token, JwksClient's key set).

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
