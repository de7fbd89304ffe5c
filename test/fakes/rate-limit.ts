/** Token bucket used by the fake Slack server for its per-channel and per-workspace rate limits. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /**
   * @param capacity burst size (tokens available at once)
   * @param perSecond refill rate
   * @param clock milliseconds
   */
  constructor(
    private readonly capacity: number,
    private readonly perSecond: number,
    private readonly clock: () => number,
  ) {
    this.tokens = capacity;
    this.last = clock();
  }

  private refill(): void {
    const now = this.clock();
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.perSecond);
    this.last = now;
  }

  /** Takes a token; returns 0 when allowed, else the whole seconds to wait (at least 1). */
  take(): number {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    const wait = (1 - this.tokens) / this.perSecond;
    return Math.max(1, Math.ceil(wait));
  }
}
