import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { NUMERIC_COLUMNS, TEXT_NOT_NULL } from '../../src/postmortem/export.ts';
import { createFollowup, savePostmortem } from '../../src/postmortem/store.ts';
import { migrate } from '../../src/store/db.ts';
import { parseCsv } from '../helpers/csv.ts';
import { type TestSchema, withSchema } from '../helpers/db.ts';

describe('laojun incidents export --since 30d --format csv|json', () => {
  let db: TestSchema;
  const cli = async (argv: string[]) => {
    let out = '';
    const sink = {
      write(c: string) {
        out += c;
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const code = await runCli(
      argv,
      { LOG_LEVEL: 'silent', LOCALE: 'en', DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema },
      sink,
    );
    return { code, out };
  };

  beforeAll(async () => {
    db = await withSchema({ prefix: 'pm_export' });
    await migrate(db.url, db.schema, pino({ level: 'silent' }));
    const day = 86_400_000;
    const insert = async (alertname: string, daysAgo: number, extra: string, values: unknown[]) => {
      const r = await db.pool.query(
        `INSERT INTO incidents (group_key, channel, status, alertname, severity, common_labels, started_at ${extra})
         VALUES ($1, 'C0INCIDENT', $2, $3, 'critical', $4, $5 ${values.map((_, i) => `, $${i + 6}`).join('')}) RETURNING id`,
        [
          `g-${alertname}-${daysAgo}`,
          values.length ? 'resolved' : 'firing',
          alertname,
          JSON.stringify({ job: 'laojun-gateway' }),
          new Date(Date.now() - daysAgo * day),
          ...values,
        ],
      );
      return Number(r.rows[0].id);
    };
    const a = await insert(
      'ServiceDown',
      3,
      ', acked_at, acked_by, resolved_at, resolved_by, time_to_ack_ms, time_to_resolve_ms, root_ts, flap_count',
      [
        new Date(Date.now() - 3 * day + 90_000),
        'U0ALICE',
        new Date(Date.now() - 3 * day + 600_500),
        'alertmanager',
        90_000,
        600_500,
        '1764000000.000100',
        2,
      ],
    );
    await insert('HighErrorRate', 1, '', []);
    await insert('DiskSpaceHigh', 45, '', []);
    await savePostmortem(db.pool, {
      incidentId: a,
      // Commas, quotes, line breaks and formula-looking starts: the CSV must carry them back exactly.
      rootCause: '=HYPERLINK("http://evil") pool, "10" not 100\nsecond line',
      lessons: "'quoted already, +1 -2 @team",
      by: 'U0ALICE',
      at: new Date(),
    });
    await createFollowup(
      db.pool,
      {
        incidentId: a,
        title: 'x',
        owner: 'U0BOB',
        dueOn: '2099-01-01',
        by: 'U0ALICE',
        at: new Date(),
        submissionKey: 'e1',
      },
      { remindBeforeSeconds: 0, remindAfterSeconds: 0 },
    );
  });
  afterAll(async () => {
    await db.drop();
  });

  it('exports the same incidents as CSV and JSON, and the CSV reads back to the JSON exactly', async () => {
    const json = await cli(['incidents', 'export', '--since', '30d', '--format', 'json']);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.out) as Array<Record<string, unknown>>;
    expect(rows.map((r) => r.alertname)).toEqual(['ServiceDown', 'HighErrorRate']);
    expect(rows[0]).toMatchObject({
      service: 'laojun-gateway',
      acked_by: 'U0ALICE',
      time_to_ack_s: 90,
      time_to_resolve_s: 600.5,
      flap_count: 2,
      followups_open: 1,
      followups_total: 1,
      thread: 'https://slack.com/archives/C0INCIDENT/p1764000000000100',
    });

    const csv = await cli(['incidents', 'export', '--since', '30d', '--format', 'csv']);
    expect(csv.code).toBe(0);
    // A spreadsheet would not run the root cause as a formula.
    expect(csv.out).toContain(`"'=HYPERLINK(""http://evil"") pool, ""10"" not 100\nsecond line"`);
    const [header, ...body] = parseCsv(csv.out);
    const back = body.map((cells) =>
      Object.fromEntries(
        (header ?? []).map((col, i) => {
          const cell = cells[i] ?? '';
          if (NUMERIC_COLUMNS.has(col)) return [col, cell === '' ? null : Number(cell)];
          if (cell === '') return [col, TEXT_NOT_NULL.has(col) ? '' : null];
          return [col, cell.startsWith("'") ? cell.slice(1) : cell];
        }),
      ),
    );
    expect(back).toEqual(rows);
  });

  it('refuses a malformed period or format, changing nothing', async () => {
    const bad = await cli(['incidents', 'export', '--since', 'forever']);
    expect(bad.code).toBe(64);
    expect(bad.out).toContain('--since');
    expect((await cli(['incidents', 'export', '--format', 'xml'])).out).toContain(
      '--format csv or --format json',
    );
  });
});
