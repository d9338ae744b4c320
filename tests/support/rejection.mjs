// The error a promise rejects with, for tests that then look at its code,
// message and cause (assert.rejects checks the error but doesn't hand it back).
import assert from "node:assert/strict";

/** The rejection of `promise`, which must reject. */
export async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail("expected a rejection");
}
