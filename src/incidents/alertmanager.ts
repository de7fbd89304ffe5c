/** The two Alertmanager API v2 calls the incident buttons need (silence, expire silence). */

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

async function call(fetchImpl: typeof fetch, url: string, init: RequestInit): Promise<string> {
  let res: Response;
  try {
    res = await fetchImpl(url, { ...init, signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new AlertmanagerError(`Alertmanager unreachable: ${(err as Error).message}`);
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new AlertmanagerError(`Alertmanager answered ${res.status}: ${text.slice(0, 200)}`);
  return text;
}

/** POST /api/v2/silences with equality matchers; returns the silence id. */
export async function createSilence(
  fetchImpl: typeof fetch,
  baseUrl: string,
  s: SilenceRequest,
): Promise<string> {
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
  const text = await call(fetchImpl, `${baseUrl.replace(/\/$/, '')}/api/v2/silences`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const id = (JSON.parse(text || '{}') as { silenceID?: string }).silenceID;
  if (!id) throw new AlertmanagerError('Alertmanager returned no silenceID');
  return id;
}

/** DELETE /api/v2/silence/{id}. */
export async function expireSilence(fetchImpl: typeof fetch, baseUrl: string, id: string): Promise<void> {
  await call(fetchImpl, `${baseUrl.replace(/\/$/, '')}/api/v2/silence/${encodeURIComponent(id)}`, {
    method: 'DELETE',
  });
}
