// Polls `probe` until it returns something other than undefined, for tests that wait on another process (a daemon's
// events, an HTTP state). Gives up with what it was waiting for; no timing is asserted.
export async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  budgetMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
