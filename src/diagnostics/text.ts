import { clip, type Redactor } from '../redact.ts';

/** Cuts `s` to at most `max` characters (code points), marking the cut with `…`. */
export function truncate(s: string, max: number): string {
  const chars = [...s];
  return chars.length <= max ? s : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * Text from outside (log messages, query text) made safe to show in one line: clipped to about `max`
 * first (bounded work whatever came in; `clip` drops a token cut in half whole), then redacted, then
 * whitespace collapsed, then cut to exactly `max`.
 */
export function oneLine(s: string, redact: Redactor, max: number): string {
  return truncate(redact(clip(s, max)).replace(/\s+/g, ' ').trim(), max);
}

/**
 * SQL text for display: string literals, dollar-quoted bodies and E'' strings become `'?'`, so values
 * (passwords in `ALTER ROLE … PASSWORD '…'`, tokens in WHERE clauses) never leave the bot even where
 * pg_stat_statements keeps utility statements verbatim and pg_stat_activity shows live statements.
 */
export function maskSqlLiterals(sql: string): string {
  return sql
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?(?:\$\1\$|$)/g, "'?'")
    .replace(/\b[Ee]'(?:[^'\\]|\\[\s\S]|'')*(?:'|$)/g, "'?'")
    .replace(/'(?:[^']|'')*(?:'|$)/g, "'?'");
}

/** Normalised, redacted, truncated query text. */
export function displaySql(sql: string, redact: Redactor, max: number): string {
  return oneLine(maskSqlLiterals(clip(sql, max)), redact, max);
}

export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1_000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(2)} ms`;
}

export function formatPct(ratio: number, digits = 1): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(digits)}%` : '—';
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} B`;
}

export function formatNumber(n: number): string {
  return Number.isInteger(n)
    ? n.toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
