import type { LogFields } from '../sources/elasticsearch.ts';
import { formatDuration } from './duration.ts';
import type { LogQuery } from './logs.ts';

/** A KQL string literal. */
function kqlQuoted(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** A rison string literal ('…' with ! escaping ' and !). */
function risonString(value: string): string {
  return `'${value.replace(/[!']/g, '!$&')}'`;
}

/** KQL equivalent of the /logs query. */
export function kql(q: LogQuery, fields: LogFields): string {
  const parts = [`${fields.service}:${kqlQuoted(q.service)}`];
  if (q.level) parts.push(`${fields.level}:${kqlQuoted(q.level)}`);
  if (q.traceId) parts.push(`${fields.traceId}:${kqlQuoted(q.traceId)}`);
  if (q.text) parts.push(`${fields.message}:${kqlQuoted(q.text)}`);
  return parts.join(' and ');
}

/** Kibana Discover with the same query and time range, newest first. */
export function kibanaDiscoverUrl(base: string, q: LogQuery, fields: LogFields): string {
  const g = `(time:(from:now-${formatDuration(q.sinceMs)},to:now))`;
  const a = `(query:(language:kuery,query:${risonString(kql(q, fields))}),sort:!(!('@timestamp',desc)))`;
  const root = base.replace(/\/+$/, '');
  return `${root}/app/discover#/?_g=${encodeURIComponent(g)}&_a=${encodeURIComponent(a)}`;
}
