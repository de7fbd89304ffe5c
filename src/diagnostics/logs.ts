import type { estypes } from '@elastic/elasticsearch';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { clip } from '../redact.ts';
import type { Report } from '../report/report.ts';
import { describeEsError, type LogFields, type LogHit, searchLogs } from '../sources/elasticsearch.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { kibanaDiscoverUrl } from './kibana.ts';
import { oneLine } from './text.ts';

export interface LogQuery {
  service: string;
  level?: string;
  sinceMs: number;
  limit: number;
  traceId?: string;
  /** Free text, matched with simple_query_string on the message field. */
  text?: string;
}

/**
 * The manual's query shape (bool must: service, level, @timestamp range; newest first). Everything the
 * user typed is a value inside a query clause; nothing is spliced into JSON text. `match` with operator
 * `and` keeps `laojun-admin-api` from matching every `laojun-*` service (the manual's plain `match` does).
 */
export function buildLogSearch(index: string, q: LogQuery, fields: LogFields): estypes.SearchRequest {
  const must: estypes.QueryDslQueryContainer[] = [
    { match: { [fields.service]: { query: q.service, operator: 'and' } } },
  ];
  if (q.level) must.push({ match: { [fields.level]: { query: q.level, operator: 'and' } } });
  must.push({ range: { '@timestamp': { gte: `now-${formatDuration(q.sinceMs)}` } } });
  if (q.traceId) must.push({ match: { [fields.traceId]: { query: q.traceId, operator: 'and' } } });
  if (q.text) {
    must.push({
      simple_query_string: { query: q.text, fields: [fields.message], default_operator: 'and' },
    });
  }
  return {
    index,
    size: q.limit,
    query: { bool: { must } },
    sort: [{ '@timestamp': { order: 'desc' } }],
    _source: ['@timestamp', fields.service, fields.level, fields.message, fields.traceId],
    ignore_unavailable: false,
  };
}

/** `2026-11-25 19:50:01` from an ISO timestamp (UTC). */
function shortTime(iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

/** One compact, redacted line per hit: time, level, message (first line), trace id. */
export function formatLogLine(hit: LogHit, redact: (s: string) => string, maxMessage = 300): string {
  const level = (hit.level ?? '-').toUpperCase().padEnd(5);
  const first = redact(clip(hit.message, maxMessage)).split('\n')[0] ?? '';
  const msg = oneLine(first, redact, maxMessage);
  const trace = hit.traceId ? `  trace=${oneLine(hit.traceId, redact, 64)}` : '';
  return `${shortTime(hit.timestamp)} ${level} ${msg}${trace}`;
}

export type LogsOutcome =
  | { ok: true; hits: LogHit[]; total: number; tookMs: number }
  | {
      ok: false;
      kind: 'not_configured' | 'unreachable' | 'index_missing' | 'bad_request' | 'other';
      detail: string;
    };

/** Searches the log index; failures come back as a kind and a redacted detail, never as a throw. */
export async function searchServiceLogs(deps: Deps, q: LogQuery): Promise<LogsOutcome> {
  const es = deps.sources.elasticsearch;
  if (!es) return { ok: false, kind: 'not_configured', detail: 'ELASTICSEARCH_URL' };
  const cfg = deps.config.file.diagnostics.logs;
  try {
    const request = buildLogSearch(deps.config.logIndex, q, cfg.fields);
    return { ok: true, ...(await searchLogs(es(), request, cfg.fields, { timeoutMs: cfg.timeoutMs })) };
  } catch (err) {
    const f = describeEsError(err);
    deps.logger.warn({ kind: f.kind, detail: deps.redact(f.detail) }, 'log search failed');
    return { ok: false, kind: f.kind, detail: deps.redact(f.detail) };
  }
}

/** The link carries the query URL-encoded, where the redactor's patterns would no longer see a secret. */
function redactQuery(deps: Deps, q: LogQuery): LogQuery {
  return {
    ...q,
    ...(q.text ? { text: deps.redact(q.text) } : {}),
    ...(q.traceId ? { traceId: deps.redact(q.traceId) } : {}),
  };
}

function describeQuery(deps: Deps, q: LogQuery): string {
  const parts = [q.service];
  if (q.level) parts.push(`level=${q.level}`);
  parts.push(`since=${formatDuration(q.sinceMs)}`);
  if (q.traceId) parts.push(`trace=${q.traceId}`);
  if (q.text) parts.push(`"${q.text}"`);
  return deps.redact(parts.join(' '));
}

/** `/logs` as a Report: compact lines, newest first, with a Kibana Discover link for the same query. */
export async function logsReport(deps: Deps, q: LogQuery): Promise<Report> {
  const { t } = deps;
  const title = t('diagnostics.logs.title', { service: q.service });
  const kibana = deps.config.file.links.kibana;
  const links = kibana
    ? [
        {
          label: t('diagnostics.logs.kibana'),
          url: kibanaDiscoverUrl(kibana, redactQuery(deps, q), deps.config.file.diagnostics.logs.fields),
        },
      ]
    : [];
  const context = [describeQuery(deps, q), `index ${deps.config.logIndex}`];
  const outcome = await searchServiceLogs(deps, q);
  if (!outcome.ok) {
    const ref = outcome.kind === 'other' || outcome.kind === 'bad_request' ? newRef() : undefined;
    if (ref) deps.logger.error({ ref, kind: outcome.kind, detail: outcome.detail }, 'log search failed');
    return {
      title,
      tone: outcome.kind === 'not_configured' ? 'warn' : 'error',
      summary: t(`diagnostics.logs.failure.${outcome.kind}`, {
        index: deps.config.logIndex,
        detail: outcome.detail,
        ref,
      }),
      links,
      context,
      data: { error: outcome.kind, detail: outcome.detail },
    };
  }
  const lines = outcome.hits.map((h) => formatLogLine(h, deps.redact));
  const levels = new Map<string, number>();
  for (const h of outcome.hits) levels.set(h.level ?? '-', (levels.get(h.level ?? '-') ?? 0) + 1);
  return {
    title,
    tone: outcome.hits.length === 0 ? 'info' : levels.has('error') || levels.has('fatal') ? 'warn' : 'info',
    summary:
      outcome.hits.length === 0
        ? t('diagnostics.logs.none')
        : t('diagnostics.logs.shown', {
            shown: outcome.hits.length,
            total: outcome.total,
            ms: outcome.tookMs,
          }),
    blocks: lines.length > 0 ? [{ kind: 'code', text: lines.join('\n') }] : [],
    links,
    context,
    data: {
      total: outcome.total,
      hits: outcome.hits.map((h) => ({
        timestamp: h.timestamp,
        level: h.level,
        service: h.service && deps.redact(h.service),
        message: deps.redact(h.message),
        traceId: h.traceId && deps.redact(h.traceId),
      })),
    },
  };
}

/** The latest error lines of a service (for incident evidence and `/logs <service> --level error`). */
export function errorLogs(deps: Deps, service: string, since = '30m', limit = 20): Promise<Report> {
  return logsReport(deps, { service, level: 'error', sinceMs: parseDuration(since) ?? 30 * 60_000, limit });
}
