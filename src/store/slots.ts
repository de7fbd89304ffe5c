/**
 * At most `size` holders at a time; the rest wait in arrival order. Keeps a burst of webhook
 * transactions from taking every database connection: the workers that post to Slack need some.
 */
export class Slots {
  private used = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.used >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.used += 1;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter (the count stays), or is given back.
      if (next) next();
      else this.used -= 1;
    }
  }
}
