import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { Deps } from '../src/deps.ts';
import { type SlowQueryOptions, type SlowView, slowQueries } from '../src/diagnostics/slowquery.ts';
import { UserError } from '../src/errors.ts';

const VIEWS = ['locks', 'connections', 'indexes'] as const;
const SORTS = ['total', 'mean', 'calls'] as const;
const MAX_LIMIT = 50;

const raw = z
  .object({
    positional: z.array(z.string()),
    flags: z.record(z.string(), z.union([z.string(), z.literal(true)])),
  })
  .transform((a) => ({
    positional: a.positional.map((p) => p.toLowerCase()),
    limit: typeof a.flags.limit === 'string' ? a.flags.limit : undefined,
    sort: typeof a.flags.sort === 'string' ? a.flags.sort.toLowerCase() : undefined,
  }));
type RawArgs = z.infer<typeof raw>;

export function resolveSlowOptions(
  a: RawArgs,
  deps: Deps,
): { options: SlowQueryOptions } | { error: string } {
  const { t } = deps;
  const [view, ...extra] = a.positional;
  if (extra.length > 0) return { error: t('diagnostics.slow.bad.extra', { value: extra.join(' ') }) };
  if (view !== undefined && !(VIEWS as readonly string[]).includes(view)) {
    return { error: t('diagnostics.slow.bad.view', { view }) };
  }
  if (a.sort !== undefined && !(SORTS as readonly string[]).includes(a.sort)) {
    return { error: t('diagnostics.slow.bad.sort') };
  }
  const fallback = deps.config.file.diagnostics.slowquery.defaultLimit;
  const limit = a.limit === undefined ? fallback : /^\d{1,3}$/.test(a.limit) ? Number(a.limit) : Number.NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return { error: t('diagnostics.slow.bad.limit', { max: MAX_LIMIT }) };
  }
  return {
    options: {
      view: (view as SlowView | undefined) ?? 'statements',
      limit,
      sort: (a.sort as SlowQueryOptions['sort'] | undefined) ?? 'total',
    },
  };
}

export default defineCommand({
  name: 'slowquery',
  summary: {
    'zh-CN': 'PostgreSQL 慢查询（pg_stat_statements）、锁等待、连接与索引使用情况',
    en: 'PostgreSQL slow statements (pg_stat_statements), lock waits, connections and index usage',
  },
  usage: '/slowquery [--limit N] [--sort total|mean|calls] [locks|connections|indexes]',
  examples: ['/slowquery', '/slowquery --sort mean --limit 5', '/slowquery locks', '/slowquery indexes'],
  permission: 'slowquery',
  flags: { limit: 'string', sort: 'string' },
  args: raw,
  validate(a, deps) {
    const r = resolveSlowOptions(a, deps);
    return 'error' in r ? r.error : undefined;
  },
  async run(a, ctx) {
    const r = resolveSlowOptions(a, ctx.deps);
    if ('error' in r) throw new UserError(r.error);
    return slowQueries(ctx.deps, r.options);
  },
});
