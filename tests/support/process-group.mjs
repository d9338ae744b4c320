// A server process started in its own process group (`detached`), as a terminal's
// foreground job is: the tests stop it as Ctrl-C does and check nothing of it is left.

/** Whether any process of the group `pgid` is still running. */
export function processGroupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code !== "ESRCH";
  }
}

/**
 * Resolves to true once `pattern` matches what `child` printed (`output()`, as the
 * caller collects it), or false when it exits first or `limitMs` passes.
 */
export function printed(child, output, pattern, { exited, limitMs }) {
  return Promise.race([
    new Promise((resolve) => {
      const check = () => pattern.test(output()) && resolve(true);
      child.stdout.on("data", check);
      check();
    }),
    exited.then(() => false),
    // unref: a pending timer would keep the test process alive after the tests.
    new Promise((resolve) => setTimeout(() => resolve(false), limitMs).unref()),
  ]);
}
