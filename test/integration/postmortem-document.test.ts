import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { checklistOf } from '../../src/incidents/checklist.ts';
import { intake } from '../../src/incidents/intake.ts';
import { parseWebhook } from '../../src/incidents/payload.ts';
import type { RenderContext } from '../../src/incidents/render-root.ts';
import { addEvent } from '../../src/incidents/store.ts';
import { loadPostmortemData, renderPostmortem } from '../../src/postmortem/document.ts';
import { closeFollowup, createFollowup, savePostmortem } from '../../src/postmortem/store.ts';
import { createRedactor } from '../../src/redact.ts';
import { migrate } from '../../src/store/db.ts';
import { type TestSchema, withSchema } from '../helpers/db.ts';
import { golden } from '../helpers/golden.ts';
import { fixture } from '../helpers/incidents.ts';

const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
const at = (s: string) => new Date(`2026-11-25T${s}Z`);

function ctx(locale: 'zh-CN' | 'en'): RenderContext {
  return {
    t: createTranslator(locale),
    locale,
    redact: createRedactor(['hunter2-secret'], []),
    config,
    checklist: checklistOf(config),
    now: at('21:00:00'),
  };
}

describe('the postmortem document, drafted from stored data', () => {
  let db: TestSchema;
  let incidentId = 0;

  beforeAll(async () => {
    db = await withSchema({ prefix: 'pm_doc' });
    await migrate(db.url, db.schema, pino({ level: 'silent' }));
    const intakeCtx = { channel: 'C0INCIDENT', config: config.file.incidents };
    // A real incident through intake: ServiceDown fires (19:28:27) and resolves (19:31:27).
    const firing = parseWebhook(fixture('ServiceDown-firing'));
    const resolvedBody = fixture('ServiceDown-resolved');
    for (const a of resolvedBody.alerts as Array<Record<string, unknown>>)
      a.endsAt = '2026-11-25T19:31:27.005Z';
    const resolved = parseWebhook(resolvedBody);
    if (!firing.ok || !resolved.ok) throw new Error('fixtures do not parse');
    const r1 = await intake(db.pool, firing.payload, { ...intakeCtx, now: at('19:28:30') });
    if (r1.outcome !== 'stored') throw new Error('not stored');
    incidentId = r1.incidentId;
    // What responders did, as the action handlers store it.
    await db.pool.query(
      "UPDATE incidents SET acked_at = $2, acked_by = 'U0ALICE', time_to_ack_ms = 93000, commander = 'U0BOB' WHERE id = $1",
      [incidentId, at('19:30:00')],
    );
    await addEvent(
      db.pool,
      incidentId,
      'acknowledged',
      { timeToAckMs: 93_000 },
      { at: at('19:30:00'), actor: 'U0ALICE' },
    );
    await addEvent(
      db.pool,
      incidentId,
      'commander',
      { commander: 'U0BOB' },
      { at: at('19:30:10'), actor: 'U0ALICE' },
    );
    await addEvent(
      db.pool,
      incidentId,
      'command',
      { command: 'status', args: 'admin-api', outcome: 'ok', title: 'admin-api: down (connection refused)' },
      { at: at('19:30:20'), actor: 'laojun-bot', post: false },
    );
    await addEvent(
      db.pool,
      incidentId,
      'command',
      {
        command: 'logs',
        args: 'admin-api --level error',
        outcome: 'failed',
        title: 'Elasticsearch timed out',
      },
      { at: at('19:30:40'), actor: 'U0BOB', post: false },
    );
    const r2 = await intake(db.pool, resolved.payload, { ...intakeCtx, now: at('19:31:30') });
    if (r2.outcome !== 'stored') throw new Error('not stored');
    await savePostmortem(db.pool, {
      incidentId,
      rootCause:
        'The admin API ran out of DB connections: pool size 10, *not* 100.\n# not a heading\nSecret: hunter2-secret',
      lessons:
        'Alert on pool saturation before the service dies.\n<script>alert(1)</script> | pipes | stay text',
      by: 'U0ALICE',
      at: at('20:00:00'),
    });
    const offsets = config.file.postmortem.followups;
    const f1 = await createFollowup(
      db.pool,
      {
        incidentId,
        title: 'Raise pool to 100 [prod]',
        owner: 'U0BOB',
        dueOn: '2026-12-01',
        by: 'U0ALICE',
        at: at('20:05:00'),
        submissionKey: 'k1',
      },
      offsets,
    );
    await createFollowup(
      db.pool,
      {
        incidentId,
        title: 'Pool saturation alert',
        owner: 'U0CAROL',
        dueOn: '2026-12-10',
        by: 'U0ALICE',
        at: at('20:06:00'),
        submissionKey: 'k2',
      },
      offsets,
    );
    await closeFollowup(db.pool, f1.followup.id, 'U0BOB', at('20:30:00'));
  });
  afterAll(async () => {
    await db.drop();
  });

  it('fills every section (zh-CN golden)', async () => {
    const data = await loadPostmortemData(db.pool, incidentId);
    if (!data) throw new Error('no data');
    golden('postmortem.zh-CN.md', renderPostmortem(data, ctx('zh-CN')));
  });

  it('fills every section (en golden), escaping and redacting what users wrote', async () => {
    const data = await loadPostmortemData(db.pool, incidentId);
    if (!data) throw new Error('no data');
    const md = renderPostmortem(data, ctx('en'));
    golden('postmortem.en.md', md);
    expect(md).not.toContain('hunter2-secret');
    expect(md).not.toContain('<script>');
    expect(md).not.toMatch(/^# not a heading/m);
    for (const section of [
      '## Summary',
      '## Impact',
      '## People and roles',
      '## Timeline (UTC)',
      '## Evidence',
      '## Measures',
      '## Root cause',
      '## Lessons learned',
      '## Preventive measures (follow-ups)',
    ]) {
      expect(md).toContain(section);
    }
    expect(md).toContain('MTTA (time to acknowledge): 1m 33s');
    expect(md).toContain('MTTR (time to resolve): 3m');
  });

  it('leaves root cause and lessons as sections to write when nobody wrote them', async () => {
    await db.pool.query('DELETE FROM incident_postmortems');
    const data = await loadPostmortemData(db.pool, incidentId);
    if (!data) throw new Error('no data');
    const md = renderPostmortem(data, ctx('en'));
    expect(md).toMatch(/## Root cause\n\n_To write: click "Root cause & lessons" in the incident thread\._/);
  });
});
