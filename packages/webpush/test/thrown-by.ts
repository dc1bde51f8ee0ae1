/** Runs `run` and returns what it threw (undefined if nothing), so a test can check the exact type and code. */
export function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}
