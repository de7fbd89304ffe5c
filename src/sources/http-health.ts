import { splitUserinfo } from './basic-auth.ts';

/** An HTTP health endpoint's answer (a service's `/health`, MinIO's `/minio/health/live`). */
export interface HttpHealth {
  status: number;
  ok: boolean;
  /** The first bytes of the body, for detail views (redact before showing). */
  body: string;
}

/**
 * GETs `url` once (no redirects followed) and reads at most 512 characters of the body. A `user:password@`
 * in the URL goes as Basic authentication, like PROMETHEUS_URL's (fetch refuses URLs with credentials).
 */
export async function httpHealth(
  fetchImpl: typeof fetch,
  url: string,
  signal?: AbortSignal,
): Promise<HttpHealth> {
  const target = splitUserinfo(url);
  const headers: Record<string, string> = { accept: 'application/json, */*' };
  if (target.authorization) headers.authorization = target.authorization;
  let res: Response;
  try {
    res = await fetchImpl(target.url, { redirect: 'manual', signal, headers });
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
