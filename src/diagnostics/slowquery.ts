import type { DatabaseError } from 'pg';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { redactDeep } from '../redact.ts';
import type { Report, ReportBlock } from '../report/report.ts';
import {
  connections,
  indexUsage,
  lockWaits,
  type StatementSort,
  statementsState,
  timeColumns,
  topStatements,
} from '../sources/pg-diagnostics.ts';
import { displaySql, formatBytes, formatMs, formatNumber, formatPct } from './text.ts';

export type SlowView = 'statements' | 'locks' | 'connections' | 'indexes';

export interface SlowQueryOptions {
  view: SlowView;
  limit: number;
  sort: StatementSort;
}

/** The exact steps to enable pg_stat_statements, for what is missing. */
function enableSteps(deps: Deps, state: { preloaded: boolean; database: string; preload: string }): string {
  const { t } = deps;
  const steps: string[] = [];
  if (!state.preloaded) {
    const libs = state.preload
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const value = [...libs, 'pg_stat_statements'].join(',');
    steps.push(
      t('diagnostics.slow.stepPreload', { value }),
      `   ALTER SYSTEM SET shared_preload_libraries = '${value}';`,
      t('diagnostics.slow.stepRestart'),
    );
  }
  steps.push(
    t('diagnostics.slow.stepCreate', { database: state.database }),
    '   CREATE EXTENSION IF NOT EXISTS pg_stat_statements;',
    t('diagnostics.slow.stepGrant'),
  );
  return steps.join('\n');
}

async function statementsView(deps: Deps, opts: SlowQueryOptions): Promise<Report> {
  const { t } = deps;
  const pool = deps.sources.targetDb();
  const max = deps.config.file.diagnostics.slowquery.queryChars;
  const state = await statementsState(pool);
  const title = t('diagnostics.slow.title');
  if (!state.preloaded || !state.extension) {
    return {
      title,
      tone: 'warn',
      summary: state.preloaded
        ? t('diagnostics.slow.notCreated', { database: state.database })
        : t('diagnostics.slow.notPreloaded'),
      blocks: [
        {
          kind: 'code',
          title: t('diagnostics.slow.howToEnable'),
          text: enableSteps(deps, state),
        },
      ],
      context: [`PostgreSQL ${state.version}`],
      data: { error: state.preloaded ? 'extension_missing' : 'not_preloaded' },
    };
  }
  const rows = await topStatements(pool, {
    versionNum: state.versionNum,
    sort: opts.sort,
    limit: opts.limit,
  });
  const col = timeColumns(state.versionNum);
  const queries = rows.map((r, i) => ({ rank: i + 1, ...r, query: displaySql(r.query, deps.redact, max) }));
  const blocks: ReportBlock[] =
    queries.length === 0
      ? [{ kind: 'text', text: t('diagnostics.slow.noStatements') }]
      : [
          {
            kind: 'table',
            table: {
              columns: t('diagnostics.slow.statementColumns', { returnObjects: true }) as string[],
              rows: queries.map((q) => [
                `#${q.rank}`,
                formatMs(q.meanMs),
                formatMs(q.totalMs),
                formatNumber(q.calls),
                formatNumber(q.rows),
                `${q.database}/${q.user}`,
              ]),
            },
          },
          { kind: 'code', text: queries.map((q) => `#${q.rank} ${q.query}`).join('\n') },
        ];
  return {
    title,
    tone: 'info',
    summary: t('diagnostics.slow.summary', {
      n: queries.length,
      sort: t(`diagnostics.slow.sort.${opts.sort}`),
    }),
    blocks,
    context: [
      `PostgreSQL ${state.version}`,
      `pg_stat_statements ${state.extension}: ${col.mean}, ${col.total}`,
    ],
    data: { statements: queries },
  };
}

async function locksView(deps: Deps): Promise<Report> {
  const { t } = deps;
  const max = deps.config.file.diagnostics.slowquery.queryChars;
  const waits = (await lockWaits(deps.sources.targetDb())).map((w) => ({
    ...w,
    blockedStatement: displaySql(w.blockedStatement, deps.redact, max),
    blockingStatement: displaySql(w.blockingStatement, deps.redact, max),
  }));
  if (waits.length === 0) {
    return {
      title: t('diagnostics.slow.locksTitle'),
      tone: 'ok',
      summary: t('diagnostics.slow.noLocks'),
      data: { waits },
    };
  }
  return {
    title: t('diagnostics.slow.locksTitle'),
    tone: 'warn',
    summary: t('diagnostics.slow.locksSummary', { n: waits.length }),
    blocks: [
      {
        kind: 'table',
        table: {
          columns: t('diagnostics.slow.lockColumns', { returnObjects: true }) as string[],
          rows: waits.map((w) => [
            `${w.blockedPid} (${w.blockedUser})`,
            `${w.blockingPid} (${w.blockingUser})`,
            w.blockingState,
            formatMs(w.waitingSeconds * 1000),
          ]),
        },
      },
      {
        kind: 'code',
        text: waits
          .map(
            (w) =>
              `${t('diagnostics.slow.blocked')} ${w.blockedPid}: ${w.blockedStatement}\n${t('diagnostics.slow.blocking')} ${w.blockingPid}: ${w.blockingStatement}`,
          )
          .join('\n\n'),
      },
    ],
    data: { waits },
  };
}

async function connectionsView(deps: Deps): Promise<Report> {
  const { t } = deps;
  const c = await connections(deps.sources.targetDb());
  const usable = c.max - c.reserved;
  const ratio = c.total / c.max;
  return {
    title: t('diagnostics.slow.connectionsTitle'),
    tone: ratio > 0.8 ? 'warn' : 'ok',
    summary: t('diagnostics.slow.connectionsSummary', {
      total: c.total,
      max: c.max,
      pct: formatPct(ratio, 0),
      usable,
      reserved: c.reserved,
    }),
    blocks: [
      {
        kind: 'table',
        table: {
          columns: t('diagnostics.slow.connectionColumns', { returnObjects: true }) as string[],
          rows: c.groups.map((g) => [
            g.state,
            deps.redact(g.application),
            deps.redact(g.user),
            String(g.count),
          ]),
        },
      },
    ],
    data: c,
  };
}

async function indexesView(deps: Deps, opts: SlowQueryOptions): Promise<Report> {
  const { t } = deps;
  const { used, unused } = await indexUsage(deps.sources.targetDb(), Math.max(opts.limit, 10));
  const columns = t('diagnostics.slow.indexColumns', { returnObjects: true }) as string[];
  const row = (i: (typeof used)[number]) => [
    `${i.schema}.${i.table}`,
    i.index,
    formatNumber(i.scans),
    formatNumber(i.tuplesRead),
    formatNumber(i.tuplesFetched),
    formatBytes(i.sizeBytes),
  ];
  return {
    title: t('diagnostics.slow.indexesTitle'),
    tone: unused.length > 0 ? 'warn' : 'info',
    summary: t('diagnostics.slow.indexesSummary', { used: used.length, unused: unused.length }),
    blocks: [
      used.length > 0
        ? { kind: 'table', table: { title: t('diagnostics.slow.indexUsage'), columns, rows: used.map(row) } }
        : { kind: 'text', text: t('diagnostics.slow.noIndexes') },
      unused.length > 0
        ? {
            kind: 'table',
            table: { title: t('diagnostics.slow.unusedIndexes'), columns, rows: unused.map(row) },
          }
        : { kind: 'text', text: t('diagnostics.slow.noUnused') },
    ],
    data: { used, unused },
  };
}

/** A PostgreSQL failure in words (connection refused, timeout, permission), never a stack trace. */
function failureReport(deps: Deps, err: unknown): Report {
  const { t } = deps;
  const e = err as Partial<DatabaseError> & Error;
  const ref = newRef();
  deps.logger.warn({ ref, code: e.code, err: deps.redact(e.message ?? String(err)) }, 'slowquery failed');
  const key =
    e.code === '57014'
      ? 'timeout'
      : e.code === '42501'
        ? 'permission'
        : e.code === undefined || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|timeout|terminated/i.test(e.message ?? '')
          ? 'unreachable'
          : 'other';
  return {
    title: t('diagnostics.slow.title'),
    tone: 'error',
    summary: t(`diagnostics.slow.failure.${key}`, { detail: deps.redact(e.message ?? String(err)), ref }),
    data: { error: key },
  };
}

/** `/slowquery` as a Report: callable from other features (e.g. incident evidence). */
export async function slowQueries(deps: Deps, opts: SlowQueryOptions): Promise<Report> {
  const report = await slowQueriesUnredacted(deps, opts);
  // Rendered text is redacted on delivery; the raw data (CLI --json, other features) is redacted here.
  return { ...report, data: redactDeep(report.data, deps.redact) };
}

async function slowQueriesUnredacted(deps: Deps, opts: SlowQueryOptions): Promise<Report> {
  try {
    switch (opts.view) {
      case 'locks':
        return await locksView(deps);
      case 'connections':
        return await connectionsView(deps);
      case 'indexes':
        return await indexesView(deps, opts);
      default:
        return await statementsView(deps, opts);
    }
  } catch (err) {
    return failureReport(deps, err);
  }
}
