import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { Deps } from '../src/deps.ts';
import { formatDuration, parseDuration } from '../src/diagnostics/duration.ts';
import { type LogQuery, logsReport } from '../src/diagnostics/logs.ts';
import { UserError } from '../src/errors.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'warning', 'error', 'fatal'];
const SERVICE_NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const MAX_LIMIT = 200;
const MAX_TEXT = 256;

const raw = z
  .object({
    positional: z.array(z.string()),
    flags: z.record(z.string(), z.union([z.string(), z.literal(true)])),
  })
  .transform((a) => ({
    service: a.positional[0]?.toLowerCase(),
    text: a.positional.slice(1).join(' ').trim(),
    level: typeof a.flags.level === 'string' ? a.flags.level.toLowerCase() : undefined,
    since: typeof a.flags.since === 'string' ? a.flags.since : undefined,
    limit: typeof a.flags.limit === 'string' ? a.flags.limit : undefined,
    trace: typeof a.flags.trace === 'string' ? a.flags.trace : undefined,
  }));
type RawArgs = z.infer<typeof raw>;

/** Checks every argument; returns the query or the reason (in the user's language). */
export function resolveLogQuery(a: RawArgs, deps: Deps): { query: LogQuery } | { error: string } {
  const { t } = deps;
  const cfg = deps.config.file.diagnostics.logs;
  const known = deps.config.services.map((s) => s.name);
  if (!a.service) return { error: t('diagnostics.logs.bad.service') };
  if (!known.includes(a.service) && !SERVICE_NAME.test(a.service)) {
    return { error: t('diagnostics.logs.bad.serviceName', { service: a.service, list: known.join(', ') }) };
  }
  if (a.level !== undefined && !LEVELS.includes(a.level)) {
    return { error: t('diagnostics.logs.bad.level', { list: LEVELS.join(', ') }) };
  }
  const maxMs = parseDuration(cfg.maxSince) ?? 7 * 86_400_000;
  const sinceMs =
    a.since === undefined ? (parseDuration(cfg.defaultSince) ?? 1_800_000) : parseDuration(a.since);
  if (sinceMs === undefined) return { error: t('diagnostics.logs.bad.since') };
  if (sinceMs > maxMs)
    return { error: t('diagnostics.logs.bad.sinceMax', { since: a.since, max: formatDuration(maxMs) }) };
  const limit =
    a.limit === undefined ? cfg.defaultLimit : /^\d{1,4}$/.test(a.limit) ? Number(a.limit) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return { error: t('diagnostics.logs.bad.limit', { max: MAX_LIMIT }) };
  }
  if (a.trace !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(a.trace))
    return { error: t('diagnostics.logs.bad.trace') };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
  if ([...a.text].length > MAX_TEXT || /[\u0000-\u001f\u007f]/.test(a.text)) {
    return { error: t('diagnostics.logs.bad.text', { max: MAX_TEXT }) };
  }
  return {
    query: {
      service: a.service,
      sinceMs,
      limit,
      ...(a.level ? { level: a.level } : {}),
      ...(a.trace ? { traceId: a.trace } : {}),
      ...(a.text ? { text: a.text } : {}),
    },
  };
}

export default defineCommand({
  name: 'logs',
  summary: {
    'zh-CN': '从 Elasticsearch 查询服务日志（最新在前，已脱敏），附 Kibana 链接',
    en: 'Service logs from Elasticsearch (newest first, redacted) with a Kibana link',
  },
  usage: '/logs <service> [--level L] [--since 30m] [--limit N] [--trace ID] [text…]',
  examples: [
    '/logs laojun-admin-api --level error',
    '/logs laojun-gateway --since 2h timeout',
    '/logs laojun-marketplace-api --trace 4bf92f3577b34da6',
  ],
  permission: 'logs',
  flags: { level: 'string', since: 'string', limit: 'string', trace: 'string' },
  args: raw,
  validate(a, deps) {
    const r = resolveLogQuery(a, deps);
    return 'error' in r ? r.error : undefined;
  },
  async run(a, ctx) {
    const r = resolveLogQuery(a, ctx.deps);
    if ('error' in r) throw new UserError(r.error);
    return logsReport(ctx.deps, r.query);
  },
});
