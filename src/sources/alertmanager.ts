import { z } from 'zod';
import { splitUserinfo } from './basic-auth.ts';

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

export interface SilenceRequest {
  matchers: Record<string, string>;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

export class AlertmanagerError extends Error {
  override name = 'AlertmanagerError';
}

/** Alertmanager API v2: the alerts firing now (for /status), and silences (for incident buttons). */
export class AlertmanagerClient {
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

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { ...extra, ...(this.authorization ? { authorization: this.authorization } : {}) };
  }

  private url(path: string): URL {
    return new URL(path, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
  }

  /** A write call (silences): any failure becomes an AlertmanagerError with Alertmanager's answer. */
  private async send(path: string, init: RequestInit): Promise<string> {
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(this.url(path), {
        ...init,
        headers: this.headers(init.headers as Record<string, string> | undefined),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
      });
    } catch (err) {
      throw new AlertmanagerError(`Alertmanager unreachable: ${(err as Error).message}`);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) throw new AlertmanagerError(`Alertmanager answered ${res.status}: ${text.slice(0, 200)}`);
    return text;
  }

  /** POST /api/v2/silences with equality matchers; returns the silence id. */
  async createSilence(s: SilenceRequest): Promise<string> {
    const body = {
      matchers: Object.entries(s.matchers).map(([name, value]) => ({
        name,
        value,
        isRegex: false,
        isEqual: true,
      })),
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    };
    const text = await this.send('api/v2/silences', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const id = (JSON.parse(text || '{}') as { silenceID?: string }).silenceID;
    if (!id) throw new AlertmanagerError('Alertmanager returned no silenceID');
    return id;
  }

  /** DELETE /api/v2/silence/{id}. */
  async expireSilence(id: string): Promise<void> {
    await this.send(`api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
  }

  async firing(opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<FiringAlert[]> {
    const url = this.url('api/v2/alerts');
    for (const [k, v] of Object.entries({ active: 'true', silenced: 'false', inhibited: 'false' })) {
      url.searchParams.set(k, v);
    }
    const ms = opts.timeoutMs ?? this.opts.timeoutMs ?? 5_000;
    const signals = [AbortSignal.timeout(ms), ...(opts.signal ? [opts.signal] : [])];
    let res: Response;
    try {
      res = await (this.opts.fetch ?? fetch)(url, {
        signal: AbortSignal.any(signals),
        headers: this.headers({ accept: 'application/json' }),
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
