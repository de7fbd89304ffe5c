import { z } from 'zod';
import { splitUserinfo } from './basic-auth.ts';

const sample = z.object({
  metric: z.record(z.string(), z.string()),
  value: z.tuple([z.number(), z.string()]),
});
const rangeSeries = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(z.tuple([z.number(), z.string()])),
});
const response = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
});

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
  at: number;
}

export interface RangeSeries {
  labels: Record<string, string>;
  points: Array<[number, number]>;
}

export class PrometheusError extends Error {
  override name = 'PrometheusError';
}

/** Prometheus HTTP API (instant and range queries), every call with its own timeout. */
export class PrometheusClient {
  /** The URL without userinfo (sent as Basic authentication instead). */
  readonly baseUrl: string;
  private readonly authorization?: string;

  constructor(
    baseUrl: string,
    private readonly opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {
    const split = splitUserinfo(baseUrl);
    this.baseUrl = split.url;
    this.authorization = split.authorization;
  }

  private async get(path: string, params: Record<string, string>, timeoutMs?: number): Promise<unknown> {
    const url = new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const ms = timeoutMs ?? this.opts.timeoutMs ?? 5_000;
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(ms),
        ...(this.authorization ? { headers: { authorization: this.authorization } } : {}),
      });
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' ? `no answer within ${ms} ms` : e.message;
      throw new PrometheusError(`Prometheus unreachable at ${this.baseUrl}: ${reason}`);
    }
    const body = response.safeParse(await res.json().catch(() => ({})));
    if (!body.success)
      throw new PrometheusError(`Prometheus answered HTTP ${res.status} with an unexpected body`);
    if (body.data.status !== 'success') {
      throw new PrometheusError(
        `Prometheus query failed: ${body.data.errorType ?? ''} ${body.data.error ?? ''}`.trim(),
      );
    }
    return body.data.data;
  }

  async query(expr: string, opts: { time?: Date; timeoutMs?: number } = {}): Promise<InstantSample[]> {
    const params: Record<string, string> = { query: expr };
    if (opts.time) params.time = String(opts.time.getTime() / 1000);
    const data = z
      .object({ resultType: z.string(), result: z.unknown() })
      .parse(await this.get('api/v1/query', params, opts.timeoutMs));
    if (data.resultType === 'scalar') {
      const [at, v] = z.tuple([z.number(), z.string()]).parse(data.result);
      return [{ labels: {}, value: Number(v), at }];
    }
    return z
      .array(sample)
      .parse(data.result)
      .map((s) => ({ labels: s.metric, value: Number(s.value[1]), at: s.value[0] }));
  }

  async queryRange(
    expr: string,
    range: { start: Date; end: Date; stepSeconds: number },
    opts: { timeoutMs?: number } = {},
  ): Promise<RangeSeries[]> {
    const data = z.object({ resultType: z.string(), result: z.array(rangeSeries) }).parse(
      await this.get(
        'api/v1/query_range',
        {
          query: expr,
          start: String(range.start.getTime() / 1000),
          end: String(range.end.getTime() / 1000),
          step: String(range.stepSeconds),
        },
        opts.timeoutMs,
      ),
    );
    return data.result.map((s) => ({
      labels: s.metric,
      points: s.values.map(([t, v]) => [t, Number(v)] as [number, number]),
    }));
  }
}
