import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { readPostIncident, renderPostIncident } from '../../src/postmortem/digest.ts';
import { incidentStats, noiseStats } from '../../src/postmortem/stats.ts';
import { createFollowup } from '../../src/postmortem/store.ts';
import { migrate } from '../../src/store/db.ts';
import { type TestSchema, withSchema } from '../helpers/db.ts';

const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
// Real time: the CLI below reads the same incidents with its own clock.
const NOW = new Date();
const MIN = 60_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000);

describe('MTTA and MTTR per alert and per service over 7 and 30 days', () => {
  let db: TestSchema;
  let n = 0;
  /** An incident with known times (minutes); null = never acknowledged / not resolved. */
  const incident = async (
    alertname: string,
    job: string,
    startedDaysAgo: number,
    ackMin: number | null,
    resolveMin: number | null,
    flaps = 0,
    alerts = 1,
  ) => {
    n += 1;
    const r = await db.pool.query(
      `INSERT INTO incidents (group_key, channel, status, alertname, common_labels, started_at, time_to_ack_ms, time_to_resolve_ms, flap_count)
       VALUES ($1, 'C0INCIDENT', $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
      [
        `g${n}`,
        resolveMin === null ? 'firing' : 'resolved',
        alertname,
        JSON.stringify({ alertname, job }),
        daysAgo(startedDaysAgo),
        ackMin === null ? null : ackMin * MIN,
        resolveMin === null ? null : resolveMin * MIN,
        flaps,
      ],
    );
    const id = Number(r.rows[0].id);
    for (let i = 0; i < alerts; i++) {
      await db.pool.query(
        `INSERT INTO incident_alerts (incident_id, fingerprint, status, starts_at, labels, annotations) VALUES ($1, $2, 'resolved', $3, '{}', '{}')`,
        [id, `f${i}`, daysAgo(startedDaysAgo)],
      );
    }
    return id;
  };

  beforeAll(async () => {
    db = await withSchema({ prefix: 'pm_stats' });
    await migrate(db.url, db.schema, pino({ level: 'silent' }));
    // Last 7 days: ServiceDown on the gateway 5 times (ack 1..5 min, resolve 10..50 min).
    for (let i = 1; i <= 5; i++)
      await incident('ServiceDown', 'laojun-gateway', i, i, i * 10, i === 1 ? 3 : 0, 2);
    // HighErrorRate on the admin API twice, one never acknowledged, one still firing.
    await incident('HighErrorRate', 'laojun-admin-api', 2, 4, null, 1);
    await incident('HighErrorRate', 'laojun-admin-api', 3, null, 20);
    // 8–29 days ago: only in the 30-day figures.
    await incident('ServiceDown', 'laojun-gateway', 10, 60, 120);
    await incident('ServiceDown', 'laojun-admin-api', 20, 30, 90);
    // Older than 30 days: in neither.
    await incident('ServiceDown', 'laojun-gateway', 40, 999, 999);
  });
  afterAll(async () => {
    await db.drop();
  });

  it('computes median and p90 from the incidents of each period', async () => {
    const week = await incidentStats(db.pool, config.services, NOW, 7);
    expect(week.incidents).toBe(7);
    const sd = week.byAlert.find((g) => g.name === 'ServiceDown');
    expect(sd?.incidents).toBe(5);
    // ack 1,2,3,4,5 min → median 3 min; p90 by nearest rank (ceil(0.9 × 5) = 5th) 5 min.
    expect(sd?.mtta).toEqual({ count: 5, median: 3 * MIN, p90: 5 * MIN });
    expect(sd?.mttr).toEqual({ count: 5, median: 30 * MIN, p90: 50 * MIN });
    const her = week.byAlert.find((g) => g.name === 'HighErrorRate');
    // Only acknowledged incidents count for MTTA, only resolved ones for MTTR.
    expect(her?.mtta).toEqual({ count: 1, median: 4 * MIN, p90: 4 * MIN });
    expect(her?.mttr).toEqual({ count: 1, median: 20 * MIN, p90: 20 * MIN });
    const services = Object.fromEntries(week.byService.map((g) => [g.name, g.incidents]));
    expect(Object.values(services).reduce((a, b) => a + b, 0)).toBe(7);

    const month = await incidentStats(db.pool, config.services, NOW, 30);
    expect(month.incidents).toBe(9);
    const sd30 = month.byAlert.find((g) => g.name === 'ServiceDown');
    // ack 1,2,3,4,5,60,30 → sorted 1,2,3,4,5,30,60: median 4, p90 the ceil(6.3) = 7th → 60.
    expect(sd30?.mtta.median).toBe(4 * MIN);
    expect(sd30?.mtta.p90).toBe(60 * MIN);
    expect(month.overall.mttr.count).toBe(8);
  });

  it('names the noisiest and the most flapping alerts of the last 7 days', async () => {
    const noise = await noiseStats(db.pool, NOW, 7);
    expect(noise.noisiest[0]).toEqual({ alertname: 'ServiceDown', incidents: 5, alerts: 10 });
    expect(noise.flapping).toEqual([
      { alertname: 'ServiceDown', flaps: 3, incidents: 5 },
      { alertname: 'HighErrorRate', flaps: 1, incidents: 2 },
    ]);
  });

  it('puts overdue follow-ups and the measures in the digest', async () => {
    const id = Number((await db.pool.query('SELECT min(id) AS id FROM incidents')).rows[0].id);
    const offsets = config.file.postmortem.followups;
    await createFollowup(
      db.pool,
      {
        incidentId: id,
        title: 'Overdue pool fix',
        owner: 'U0BOB',
        dueOn: daysAgo(10).toISOString().slice(0, 10),
        by: 'U0A',
        at: daysAgo(15),
        submissionKey: 'd1',
      },
      offsets,
    );
    await createFollowup(
      db.pool,
      {
        incidentId: id,
        title: 'Not due yet',
        owner: 'U0BOB',
        dueOn: daysAgo(-20).toISOString().slice(0, 10),
        by: 'U0A',
        at: daysAgo(1),
        submissionKey: 'd2',
      },
      offsets,
    );
    const section = await readPostIncident(db.pool, { services: config.services, locale: 'en' }, NOW);
    const text = JSON.stringify(renderPostIncident(section, createTranslator('en')));
    expect(text).toContain('Overdue follow-ups (1)');
    expect(text).toContain('Overdue pool fix');
    expect(text).not.toContain('Not due yet');
    expect(text).toContain('30 days: MTTA median 4m / p90 1h');
    expect(text).toContain('Noisiest alerts (7 days)');
  });

  it('answers /incident stats from the CLI', async () => {
    let out = '';
    const sink = {
      write(c: string) {
        out += c;
        return true;
      },
    } as unknown as NodeJS.WritableStream;
    const code = await runCli(
      ['incident', 'stats', '--days', '30', '--json'],
      { LOG_LEVEL: 'silent', LOCALE: 'en', DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema },
      sink,
    );
    expect(code).toBe(0);
    const data = JSON.parse(out) as {
      stats: Array<{
        days: number;
        incidents: number;
        byAlert: Array<{ name: string; mtta: { median: number } }>;
      }>;
    };
    expect(data.stats).toHaveLength(1);
    expect(data.stats[0]?.incidents).toBe(9);
    expect(data.stats[0]?.byAlert.find((g) => g.name === 'ServiceDown')?.mtta.median).toBe(4 * MIN);

    out = '';
    expect(
      await runCli(
        ['incident', 'stats', '--days', '9'],
        { LOG_LEVEL: 'silent', DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema },
        sink,
      ),
    ).toBe(64);
    expect(out).toContain('--days 7 or --days 30');
  });
});
