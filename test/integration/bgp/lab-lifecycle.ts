// beforeAll/afterAll for namespace labs: a failed setup cleans up at once (jest skips afterAll's guards), teardown always takes the labs down.

/** Runs `setup`; when it throws, runs `cleanup` (its own errors ignored) and rethrows the setup's error. */
export async function setUpOrCleanUp(setup: () => Promise<void>, cleanup: () => Promise<void> | void): Promise<void> {
  try {
    await setup();
  } catch (err) {
    await Promise.resolve().then(cleanup).catch(() => undefined);
    throw err;
  }
}

/** Awaits each stop in order, then runs `down` whatever happened (namespaces and processes never outlive the file). */
export async function tearDown(stops: Array<() => unknown>, down: () => void): Promise<void> {
  try {
    for (const stop of stops) await stop();
  } finally {
    down();
  }
}
