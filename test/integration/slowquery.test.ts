import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeps, closeDeps } from '../../src/app.ts';
import { runCli } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { slowQueries } from '../../src/diagnostics/slowquery.ts';
import type { Connections, IndexUsage, LockWait, StatementRow } from '../../src/sources/pg-diagnostics.ts';
import { eventually, SIGNING_SECRET, startTestBot, type TestBot } from '../helpers/bot.ts';
import { testDatabaseUrl } from '../helpers/db.ts';
import { answerText, commandJobCount, slackTraffic } from '../helpers/diagnostics.ts';
import { type PgCluster, startPgCluster } from '../helpers/pg-cluster.ts';
import { testRedisUrl } from '../helpers/redis.ts';
import { postSigned, slashCommandBody } from '../helpers/slack-sign.ts';

const UTILITY_SECRET = 'Sup3r-Secret-Pw';
const LOCK_SECRET = 'Wait3r-Secret-Tok';

async function client(url: string, application: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url, application_name: application });
  c.on('error', () => {});
  await c.connect();
  return c;
}

/** A workload with a known slow statement, a seq-scanned table, one used and one unused index. */
async function workload(url: string): Promise<void> {
  const w = await client(url, 'laojun-workload');
  try {
    await w.query('CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance int, note text)');
    await w.query("INSERT INTO accounts SELECT g, 'user' || g, 100, '' FROM generate_series(1, 20000) g");
    await w.query('CREATE INDEX accounts_owner_idx ON accounts (owner)');
    await w.query('CREATE INDEX accounts_balance_idx ON accounts (balance)');
    await w.query('ANALYZE accounts');
    for (let i = 0; i < 2; i++) await w.query('SELECT pg_sleep(0.8)');
    for (let i = 0; i < 30; i++) await w.query("SELECT count(*) FROM accounts WHERE note LIKE '%needle%'");
    for (let i = 0; i < 5; i++) await w.query('SELECT * FROM accounts WHERE owner = $1', [`user${i}`]);
    // A utility statement pg_stat_statements keeps verbatim, literal and all.
    await w.query(`ALTER ROLE postgres PASSWORD '${UTILITY_SECRET}'`);
  } finally {
    await w.end();
  }
}

describe('/slowquery on a PostgreSQL with pg_stat_statements preloaded', () => {
  let cluster: PgCluster;
  let t: TestBot;
  beforeAll(async () => {
    cluster = await startPgCluster();
    await workload(cluster.url);
    t = await startTestBot({ LOCALE: 'en', TARGET_DATABASE_URL: cluster.url });
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await cluster?.stop();
  });

  it('answers a signed /slowquery --sort mean with the slow statement first, literals masked', async () => {
    const responseUrl = t.slack.createResponseUrl();
    await postSigned(
      t.url,
      SIGNING_SECRET,
      slashCommandBody({ command: '/slowquery', text: '--sort mean --limit 5', response_url: responseUrl }),
    );
    const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
    const text = answerText(answer.body);
    expect(text).toContain('PostgreSQL slow queries');
    expect(text).toContain('#1 SELECT pg_sleep($1)');
    expect(text).toContain('mean_exec_time, total_exec_time');
    // The bot's own diagnostics statements are left out.
    expect(text).not.toContain('FROM pg_stat_statements');
    expect(t.slack.rejected).toEqual([]);
  });

  it('orders by calls and total, and never shows a literal from a utility statement', async () => {
    const byCalls = await slowQueries(t.bot.deps, { view: 'statements', sort: 'calls', limit: 50 });
    const rows = (byCalls.data as { statements: StatementRow[] }).statements;
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.map((r) => r.calls)).toEqual([...rows.map((r) => r.calls)].sort((a, b) => b - a));
    expect(rows.find((r) => r.query.includes('note LIKE $1'))?.calls).toBe(30);
    const alter = rows.find((r) => r.query.startsWith('ALTER ROLE'));
    expect(alter?.query).toBe("ALTER ROLE postgres PASSWORD '?'");
    expect(JSON.stringify(byCalls)).not.toContain(UTILITY_SECRET);

    const byTotal = (await slowQueries(t.bot.deps, { view: 'statements', sort: 'total', limit: 3 })).data as {
      statements: StatementRow[];
    };
    expect(byTotal.statements.map((r) => r.totalMs)).toEqual(
      [...byTotal.statements.map((r) => r.totalMs)].sort((a, b) => b - a),
    );
    expect(byTotal.statements[0]?.query).toBe('SELECT pg_sleep($1)');
  });

  it('shows who blocks whom in a lock wait, and the connections it holds', async () => {
    const holder = await client(cluster.url, 'holder');
    const waiter = await client(cluster.url, 'waiter');
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM accounts WHERE id = 1 FOR UPDATE');
      const waiterPid = (await waiter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const holderPid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
      const pending = waiter.query(`UPDATE accounts SET note = 'token=${LOCK_SECRET}' WHERE id = 1`);
      await eventually(async () => {
        const r = await holder.query(
          "SELECT 1 FROM pg_stat_activity WHERE application_name = 'waiter' AND wait_event_type = 'Lock'",
        );
        return r.rowCount === 1;
      });

      const responseUrl = t.slack.createResponseUrl();
      await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/slowquery', text: 'locks', response_url: responseUrl }),
      );
      const answer = await eventually(() => t.slack.responses.find((r) => responseUrl.endsWith(r.id)));
      const text = answerText(answer.body);
      expect(text).toContain('PostgreSQL lock waits');
      expect(text).toContain(`${waiterPid} (postgres)`);
      expect(text).toContain(`${holderPid} (postgres)`);
      expect(text).toContain("UPDATE accounts SET note = '?' WHERE id = 1");
      expect(text).toContain('idle in transaction');

      const locks = (await slowQueries(t.bot.deps, { view: 'locks', sort: 'total', limit: 10 })).data as {
        waits: LockWait[];
      };
      // Exactly one pair: the manual's join on locktype alone would also pair the waiter with itself.
      expect(locks.waits.map((w) => [w.blockedPid, w.blockingPid])).toEqual([[waiterPid, holderPid]]);

      const conns = (await slowQueries(t.bot.deps, { view: 'connections', sort: 'total', limit: 10 }))
        .data as Connections;
      expect(conns.max).toBe(100);
      expect(conns.groups).toContainEqual({
        state: 'idle in transaction',
        application: 'holder',
        user: 'postgres',
        count: 1,
      });
      expect(conns.groups).toContainEqual({
        state: 'active',
        application: 'waiter',
        user: 'postgres',
        count: 1,
      });

      await holder.query('ROLLBACK');
      await pending;
      expect(slackTraffic(t.slack)).not.toContain(LOCK_SECRET);
      expect(slackTraffic(t.slack)).not.toContain(UTILITY_SECRET);
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  it('lists index usage and the indexes never used', async () => {
    const data = await eventually(async () => {
      const d = (await slowQueries(t.bot.deps, { view: 'indexes', sort: 'total', limit: 10 })).data as {
        used: IndexUsage[];
        unused: IndexUsage[];
      };
      return (d.used[0]?.scans ?? 0) >= 5 ? d : undefined;
    });
    expect(data.used[0]?.index).toBe('accounts_owner_idx');
    expect(data.unused.map((i) => i.index)).toEqual(['accounts_balance_idx']);
  });

  it('runs from the CLI too', async () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _e, cb) {
        out += String(chunk);
        cb();
      },
    });
    const code = await runCli(
      ['slowquery', '--limit', '50', '--sort', 'calls'],
      {
        LOCALE: 'en',
        DATABASE_URL: testDatabaseUrl(),
        REDIS_URL: testRedisUrl(),
        TARGET_DATABASE_URL: cluster.url,
        LOG_LEVEL: 'silent',
      },
      sink,
    );
    expect(code).toBe(0);
    expect(out).toContain('PostgreSQL slow queries');
    expect(out).toContain('SELECT count(*) FROM accounts WHERE note LIKE $1');
    expect(out).not.toContain(UTILITY_SECRET);

    out = '';
    expect(
      await runCli(['slowquery', 'everything'], { LOCALE: 'en', DATABASE_URL: testDatabaseUrl() }, sink),
    ).toBe(64);
    expect(out).toContain('Usage: /slowquery');
  });

  it('answers bad arguments with the usage line and enqueues nothing', async () => {
    const before = await commandJobCount(t);
    for (const text of [
      'bogus',
      '--sort fastest',
      '--limit 0',
      '--limit 51',
      '--limit many',
      'locks extra',
      '--verbose',
    ]) {
      const res = await postSigned(
        t.url,
        SIGNING_SECRET,
        slashCommandBody({ command: '/slowquery', text, response_url: t.slack.createResponseUrl() }),
      );
      expect((JSON.parse(res.body) as { text: string }).text, text).toContain('Usage: /slowquery');
    }
    expect(await commandJobCount(t)).toBe(before);
  });
});

describe('/slowquery without pg_stat_statements', () => {
  const opened: Deps[] = [];
  const clusters: PgCluster[] = [];
  const depsFor = (url: string) => {
    const deps = buildDeps(
      loadConfig({
        DATABASE_URL: testDatabaseUrl(),
        REDIS_URL: testRedisUrl(),
        LOCALE: 'en',
        LOG_LEVEL: 'silent',
        TARGET_DATABASE_URL: url,
      }),
    );
    opened.push(deps);
    return deps;
  };
  afterAll(async () => {
    for (const d of opened) await closeDeps(d);
    for (const c of clusters) await c.stop();
  });

  it('gives the steps to preload it and restart when it is not in shared_preload_libraries', async () => {
    const c = await startPgCluster({ settings: { shared_preload_libraries: '' } });
    clusters.push(c);
    const report = await slowQueries(depsFor(c.url), { view: 'statements', sort: 'total', limit: 10 });
    expect(report.tone).toBe('warn');
    expect(report.summary).toContain('not loaded through shared_preload_libraries');
    const steps = report.blocks?.find((b) => b.kind === 'code');
    expect(steps?.kind === 'code' && steps.text).toContain(
      "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements';",
    );
    expect(steps?.kind === 'code' && steps.text).toContain('Restart PostgreSQL');
  });

  it('gives the CREATE EXTENSION step when it is preloaded but not created in the database', async () => {
    const c = await startPgCluster();
    clusters.push(c);
    const admin = await client(c.adminUrl, 'setup');
    await admin.query('CREATE DATABASE noext');
    await admin.end();
    const url = c.adminUrl.replace(/\/postgres$/, '/noext');
    const report = await slowQueries(depsFor(url), { view: 'statements', sort: 'total', limit: 10 });
    expect(report.summary).toContain('not created in database noext');
    const steps = report.blocks?.find((b) => b.kind === 'code');
    expect(steps?.kind === 'code' && steps.text).toContain(
      'CREATE EXTENSION IF NOT EXISTS pg_stat_statements;',
    );
    expect(steps?.kind === 'code' && steps.text).not.toContain('ALTER SYSTEM');
  });

  it('says the database cannot be reached, without a stack trace', async () => {
    const report = await slowQueries(depsFor('postgres://postgres@127.0.0.1:1/none'), {
      view: 'locks',
      sort: 'total',
      limit: 10,
    });
    expect(report.tone).toBe('error');
    expect(report.summary).toMatch(/^Cannot reach the PostgreSQL of TARGET_DATABASE_URL/);
  });
});
