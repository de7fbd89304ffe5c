import type { PrometheusClient, RangeSeries } from '../sources/prometheus.ts';

export const DAY_SECONDS = 86_400;

/** A source that could not answer: the section says so instead of disappearing. */
export class SourceDown extends Error {
  override name = 'SourceDown';
  constructor(
    message: string,
    /** The unset setting that makes the source unavailable (rendered in the user's language). */
    readonly notSet?: string,
  ) {
    super(message);
  }
}

/** Instant and range queries of one digest run: same clock, same timeout, results keyed by a label. */
export class DigestQueries {
  constructor(
    private readonly prometheus: PrometheusClient | undefined,
    readonly now: Date,
    private readonly timeoutMs: number,
  ) {}

  private client(): PrometheusClient {
    if (!this.prometheus) throw new SourceDown('PROMETHEUS_URL is not set', 'PROMETHEUS_URL');
    return this.prometheus;
  }

  /** `expr` evaluated `daysAgo` days before now; value per `key` label ('' when the result has no labels). */
  async byLabel(expr: string, key: string, daysAgo = 0): Promise<Map<string, number>> {
    const time = new Date(this.now.getTime() - daysAgo * DAY_SECONDS * 1000);
    const samples = await this.client().query(expr, { time, timeoutMs: this.timeoutMs });
    const out = new Map<string, number>();
    for (const s of samples) {
      if (Number.isFinite(s.value)) out.set(s.labels[key] ?? '', s.value);
    }
    return out;
  }

  /** A single number (first sample), or undefined when the query returns nothing. */
  async scalar(expr: string, daysAgo = 0): Promise<number | undefined> {
    return (await this.byLabel(expr, '__none__', daysAgo)).get('');
  }

  /** The last 24 h at `stepSeconds` resolution. */
  async last24h(expr: string, stepSeconds: number): Promise<RangeSeries[]> {
    const end = this.now;
    const start = new Date(end.getTime() - DAY_SECONDS * 1000 + stepSeconds * 1000);
    return this.client().queryRange(expr, { start, end, stepSeconds }, { timeoutMs: this.timeoutMs });
  }
}

/** A PromQL label matcher value for a regex given in configuration. */
export function quoteRegex(re: string): string {
  return JSON.stringify(re);
}
