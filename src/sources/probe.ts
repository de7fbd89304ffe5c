/** The outcome of one probe: a failing or slow probe is "unknown" with its reason, never a crash. */
export type ProbeResult<T> = { ok: true; value: T; ms: number } | { ok: false; reason: string; ms: number };

/** Runs `fn` with its own timeout; errors and timeouts become a reason. */
export async function probe<T>(
  timeoutMs: number,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<ProbeResult<T>> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(new Error(`no answer within ${timeoutMs} ms`));
        }, timeoutMs);
      }),
    ]);
    return { ok: true, value, ms: Math.round(performance.now() - started) };
  } catch (err) {
    return {
      ok: false,
      reason: (err as Error).message || String(err),
      ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}
