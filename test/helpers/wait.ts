/** Small timing utilities shared by the test helpers. */

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Included in the timeout error. */
  message?: string;
}

/** The one polling loop: calls `check` until `accept` takes its value (exceptions count as "not yet"). */
async function poll<T>(
  check: () => T | Promise<T>,
  accept: (value: T) => boolean,
  { timeoutMs = 10_000, intervalMs = 50, message = 'condition' }: WaitOptions,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (accept(value)) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Calls `check` until it returns a value other than `undefined`/`false` (exceptions count as "not yet"),
 * then returns that value. On timeout throws, naming the last exception if there was one.
 */
export async function waitUntil<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitOptions = {},
): Promise<T> {
  const value = await poll(check, (v) => v !== undefined && v !== false, options);
  return value as T;
}

/** Polls until `fn` returns a truthy value, and returns it (the same loop as `waitUntil`). */
export async function eventually<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  stepMs = 50,
): Promise<NonNullable<T>> {
  const value = await poll(fn, (v) => Boolean(v), { timeoutMs, intervalMs: stepMs });
  return value as NonNullable<T>;
}

/** Waits until the clock shows the next whole second (names with second resolution differ). */
export async function nextSecond(): Promise<void> {
  const now = Math.floor(Date.now() / 1_000);
  await waitUntil(() => Math.floor(Date.now() / 1_000) > now, { intervalMs: 20, message: 'the next second' });
}
