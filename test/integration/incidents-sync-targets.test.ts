import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { intake } from '../../src/incidents/intake.ts';
import { parseWebhook, type WebhookPayload } from '../../src/incidents/payload.ts';
import { migrate } from '../../src/store/db.ts';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { type TestSchema, withSchema } from '../helpers/db.ts';
import { CHANNEL, configFile, alertGroup as group, postAlerts, roots, textOf } from '../helpers/incidents.ts';
import { settled } from '../helpers/settled.ts';

const STORM_AFTER_TWO = 'incidents:\n  storm:\n    maxNewIncidents: 2\n    windowSeconds: 60\n';

function payload(body: unknown): WebhookPayload {
  const parsed = parseWebhook(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.payload;
}

describe('intake says what must be synced', () => {
  let db: TestSchema;
  const config = loadConfig({
    DATABASE_URL: 'postgres://x@127.0.0.1/db',
    CONFIG_FILE: configFile(STORM_AFTER_TWO),
  });
  beforeAll(async () => {
    db = await withSchema({ prefix: 'sync_targets' });
    await migrate(db.url, db.schema, pino({ level: 'silent' }));
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("an incident's thread, or the storm message listing it; nothing for a duplicate", async () => {
    const ctx = { channel: CHANNEL, config: config.file.incidents, now: new Date() };
    const started = new Date(Date.now() - 60_000);
    const first = await intake(db.pool, payload(group('First', 1, 'firing', started)), ctx);
    expect(first).toMatchObject({ outcome: 'stored', decision: 'open' });
    if (first.outcome !== 'stored') throw new Error('not stored');
    expect(first.sync).toEqual([{ incidentId: first.incidentId, version: 1 }]);

    // The same notification again: stopped by its dedup key.
    expect(await intake(db.pool, payload(group('First', 1, 'firing', started)), ctx)).toMatchObject({
      outcome: 'duplicate',
    });

    // A second instance fires in the group: its thread is synced at the new version.
    const grown = await intake(db.pool, payload(group('First', 2, 'firing', started)), ctx);
    expect(grown).toMatchObject({ outcome: 'stored', decision: 'update', changed: true });
    if (grown.outcome !== 'stored') throw new Error('not stored');
    expect(grown.sync).toEqual([{ incidentId: first.incidentId, version: 2 }]);

    // Past two new groups in the window, a new group is listed in a storm message instead.
    await intake(db.pool, payload(group('Second', 1, 'firing', started)), ctx);
    const third = await intake(db.pool, payload(group('Third', 1, 'firing', started)), ctx);
    if (third.outcome !== 'stored') throw new Error('not stored');
    expect(third.stormId).not.toBeNull();
    expect(third.sync).toEqual([{ stormId: third.stormId }]);
  });

  it('counts only the new groups inside the storm window', async () => {
    const channel = 'C0WINDOW';
    const at = (now: Date) => ({ channel, config: config.file.incidents, now });
    const stormIdOf = async (name: string, now: Date) => {
      const r = await intake(db.pool, payload(group(name, 1, 'firing', now)), at(now));
      if (r.outcome !== 'stored') throw new Error('not stored');
      return r.stormId;
    };
    // Two new groups five minutes ago: outside the 60-second window now.
    const earlier = new Date(Date.now() - 5 * 60_000);
    expect(await stormIdOf('WindowOldA', earlier)).toBeNull();
    expect(await stormIdOf('WindowOldB', earlier)).toBeNull();
    // Now: the first two new groups in the window get threads of their own, the third is stormed.
    const now = new Date();
    expect(await stormIdOf('WindowNowA', now)).toBeNull();
    expect(await stormIdOf('WindowNowB', now)).toBeNull();
    expect(await stormIdOf('WindowNowC', now)).not.toBeNull();
  });
});

describe('a storm sync job from before sync-storm existed', () => {
  let t: TestBot | undefined;
  afterAll(async () => {
    await t?.stop();
  });

  it('is handed on to the storm sync, which brings the storm message up to date', async () => {
    // A sweep an hour apart: only the handed-on job can bring the storm message up to date here.
    t = await startTestBot({ CONFIG_FILE: configFile(`${STORM_AFTER_TWO}  sweepEverySeconds: 3600\n`) });
    const bot = t;
    const started = new Date(Date.now() - 60_000);
    for (const name of ['Old0', 'Old1', 'Stormed0', 'Stormed1'])
      expect((await postAlerts(bot.url, group(name, 1, 'firing', started))).status).toBe(200);
    const storm = await eventually(
      () => roots(bot.slack).find((m) => textOf(m).includes('Stormed1')),
      30_000,
    );
    await settled(bot);
    const stormRow = await eventually(async () => {
      const r = await bot.db.pool.query('SELECT id, synced_version FROM incident_storms');
      const row = r.rows[0];
      return row && Number(row.synced_version) > 0
        ? { id: Number(row.id), synced: Number(row.synced_version) }
        : undefined;
    }, 30_000);

    // The message falls behind (as if changes were made) and only an old-style job is waiting.
    await bot.db.pool.query('UPDATE incident_storms SET synced_version = 0 WHERE id = $1', [stormRow.id]);
    const edits = () => bot.slack.calls.filter((c) => c.method === 'chat.update' && c.ok).length;
    const before = edits();
    const queue = bot.bot.deps.queues.queue('incidents');
    await queue.add('sync-incident', { stormId: stormRow.id }, { jobId: 'from-before-the-upgrade' });

    const legacy = await eventually(async () => {
      const job = await queue.getJob('from-before-the-upgrade');
      return job?.finishedOn ? job : undefined;
    }, 15_000);
    expect(legacy.returnvalue).toEqual({ outcome: 'handed to sync-storm' });
    await eventually(async () => {
      const r = await bot.db.pool.query('SELECT synced_version FROM incident_storms WHERE id = $1', [
        stormRow.id,
      ]);
      return Number(r.rows[0].synced_version) === stormRow.synced || undefined;
    }, 15_000);
    // Edited in place (one message still), not posted again.
    expect(edits()).toBeGreaterThan(before);
    expect(
      roots(bot.slack)
        .filter((m) => textOf(m).includes('Stormed1'))
        .map((m) => m.ts),
    ).toEqual([storm.ts]);
  });
});
