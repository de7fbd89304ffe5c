import type { estypes } from '@elastic/elasticsearch';
import { Client, errors } from '@elastic/elasticsearch';
import { clip } from '../redact.ts';

/** Characters of a log message kept (the bot shows one line of at most a few hundred). */
const MAX_MESSAGE = 4_000;

/**
 * Elasticsearch through the official client. The 9.x client announces `compatible-with=9`, which an
 * Elasticsearch 8 server refuses; we ask for the 8 REST API, which both 8.x and 9.x servers serve.
 */
export const ES_COMPAT_HEADER = 'application/vnd.elasticsearch+json; compatible-with=8';

export function createElasticsearch(url: string, opts: { timeoutMs?: number } = {}): Client {
  return new Client({
    node: url,
    requestTimeout: opts.timeoutMs ?? 5_000,
    maxRetries: 0,
    headers: { accept: ES_COMPAT_HEADER, 'content-type': ES_COMPAT_HEADER },
  });
}

export interface LogHit {
  index: string;
  timestamp: string;
  level?: string;
  service?: string;
  message: string;
  traceId?: string;
}

export interface LogFields {
  service: string;
  level: string;
  message: string;
  traceId: string;
}

function field(source: Record<string, unknown>, path: string): unknown {
  if (path in source) return source[path];
  let cur: unknown = source;
  for (const part of path.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Runs a search and maps hits to log lines using the configured field names. */
export async function searchLogs(
  client: Client,
  request: estypes.SearchRequest,
  fields: LogFields,
  opts: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ hits: LogHit[]; total: number; tookMs: number }> {
  // A search may take longer than a health probe: its own timeout overrides the client's.
  const res = await client.search<Record<string, unknown>>(request, {
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.timeoutMs ? { requestTimeout: opts.timeoutMs } : {}),
  });
  const total = typeof res.hits.total === 'number' ? res.hits.total : (res.hits.total?.value ?? 0);
  const hits = res.hits.hits.map((h) => {
    const s = h._source ?? {};
    return {
      index: h._index,
      timestamp: text(field(s, '@timestamp')) ?? '',
      level: text(field(s, fields.level)),
      service: text(field(s, fields.service)),
      // A log message can be megabytes (a stack trace): cut before anything processes it.
      message: clip(text(field(s, fields.message)) ?? '', MAX_MESSAGE),
      traceId: text(field(s, fields.traceId)),
    };
  });
  return { hits, total, tookMs: res.took };
}

export interface ClusterHealth {
  status: string;
  clusterName: string;
  nodes: number;
  unassignedShards: number;
  activeShardsPercent: number;
}

export async function clusterHealth(client: Client, signal?: AbortSignal): Promise<ClusterHealth> {
  const h = await client.cluster.health({}, { signal });
  return {
    status: String(h.status),
    clusterName: h.cluster_name,
    nodes: h.number_of_nodes,
    unassignedShards: h.unassigned_shards,
    activeShardsPercent: h.active_shards_percent_as_number,
  };
}

/** What went wrong, in words a user can act on (never a stack trace). */
export type EsFailure =
  | { kind: 'unreachable'; detail: string }
  | { kind: 'index_missing'; detail: string }
  | { kind: 'bad_request'; detail: string }
  | { kind: 'other'; detail: string };

export function describeEsError(err: unknown): EsFailure {
  if (err instanceof errors.ResponseError) {
    const body = err.body as { error?: { type?: string; reason?: string } } | undefined;
    const type = body?.error?.type ?? '';
    const reason = body?.error?.reason ?? err.message.split('\n')[0] ?? '';
    if (err.statusCode === 404 || type === 'index_not_found_exception') {
      return { kind: 'index_missing', detail: reason };
    }
    if (err.statusCode === 400) return { kind: 'bad_request', detail: `${type}: ${reason}` };
    return { kind: 'other', detail: `HTTP ${err.statusCode ?? '?'} ${type}`.trim() };
  }
  if (
    err instanceof errors.ConnectionError ||
    err instanceof errors.TimeoutError ||
    err instanceof errors.NoLivingConnectionsError
  ) {
    return { kind: 'unreachable', detail: err.message };
  }
  if (err instanceof errors.ProductNotSupportedError) {
    return { kind: 'other', detail: 'the server did not identify itself as Elasticsearch' };
  }
  if (err instanceof errors.RequestAbortedError) return { kind: 'unreachable', detail: 'request aborted' };
  return { kind: 'other', detail: err instanceof Error ? err.message : String(err) };
}
