/** An HTTP health endpoint's answer (a service's `/health`, MinIO's `/minio/health/live`). */
export interface HttpHealth {
  status: number;
  ok: boolean;
  /** The first bytes of the body, for detail views (redact before showing). */
  body: string;
}

/** GETs `url` once (no redirects followed) and reads at most 512 characters of the body. */
export async function httpHealth(
  fetchImpl: typeof fetch,
  url: string,
  signal?: AbortSignal,
): Promise<HttpHealth> {
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'manual', signal, headers: { accept: 'application/json, */*' } });
  } catch (err) {
    // undici says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, a TLS error) is its cause.
    const cause = (err as { cause?: { message?: string } }).cause?.message;
    throw new Error(cause ? `${(err as Error).message}: ${cause}` : (err as Error).message);
  }
  const text = await res.text().catch(() => '');
  return { status: res.status, ok: res.status >= 200 && res.status < 300, body: text.slice(0, 512) };
}

/** MinIO's unauthenticated liveness probe on MINIO_ENDPOINT. */
export function minioLive(
  fetchImpl: typeof fetch,
  endpoint: string,
  signal?: AbortSignal,
): Promise<HttpHealth> {
  const base = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
  return httpHealth(fetchImpl, new URL('minio/health/live', base).toString(), signal);
}
