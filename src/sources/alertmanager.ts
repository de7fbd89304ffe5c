import { z } from 'zod';

const gettableAlert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.string(),
  fingerprint: z.string(),
  generatorURL: z.string().optional(),
  status: z.object({ state: z.string() }).optional(),
});

export interface FiringAlert {
  name: string;
  severity?: string;
  labels: Record<string, string>;
  summary?: string;
  startsAt: string;
  fingerprint: string;
}

export class AlertmanagerError extends Error {
  override name = 'AlertmanagerError';
}

/** Alertmanager API v2: the alerts firing now (active, neither silenced nor inhibited). */
export class AlertmanagerClient {
  constructor(
    readonly baseUrl: string,
    private readonly opts: { fetch?: typeof fetch; timeoutMs?: number } = {},
  ) {}

  async firing(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<FiringAlert[]> {
    const url = new URL('api/v2/alerts', this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    for (const [k, v] of Object.entries({ active: 'true', silenced: 'false', inhibited: 'false' })) {
      url.searchParams.set(k, v);
    }
    const ms = opts.timeoutMs ?? this.opts.timeoutMs ?? 5_000;
    const signals = [AbortSignal.timeout(ms), ...(opts.signal ? [opts.signal] : [])];
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        signal: AbortSignal.any(signals),
        headers: { accept: 'application/json' },
      });
    } catch (err) {
      const e = err as Error;
      const reason = e.name === 'TimeoutError' ? `no answer within ${ms} ms` : e.message;
      throw new AlertmanagerError(`Alertmanager unreachable at ${this.baseUrl}: ${reason}`);
    }
    if (!res.ok) throw new AlertmanagerError(`Alertmanager answered HTTP ${res.status}`);
    const parsed = z.array(gettableAlert).safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new AlertmanagerError('Alertmanager answered with an unexpected body');
    return parsed.data
      .filter((a) => (a.status?.state ?? 'active') === 'active')
      .map((a) => ({
        name: a.labels.alertname ?? '?',
        severity: a.labels.severity,
        labels: a.labels,
        summary: a.annotations.summary ?? a.annotations.description,
        startsAt: a.startsAt,
        fingerprint: a.fingerprint,
      }))
      .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
  }
}
