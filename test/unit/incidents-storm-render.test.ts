import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import { renderStorm, type StormMember, stormListFile } from '../../src/incidents/render-storm.ts';
import { createRedactor } from '../../src/redact.ts';
import { reportMessage } from '../../src/report/message.ts';
import { LIMITS } from '../../src/slack/limits.ts';
import { validateBlocks } from '../fakes/block-kit-rules.ts';

const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
const ctx = (locale: 'zh-CN' | 'en' = 'en') => ({
  t: createTranslator(locale),
  locale,
  redact: createRedactor(['secret-token-value'], []),
  config,
  checklist: DEFAULT_CHECKLIST,
  now: new Date('2026-12-06T21:30:00Z'),
});
const storm = { id: 9, channel: 'C0INCIDENT' };
const name = (g: number) => `StormAlert${String(g).padStart(4, '0')}`;
const groups = (n: number, over: (g: number) => Partial<StormMember> = () => ({})): StormMember[] =>
  Array.from({ length: n }, (_, g) => ({
    id: g + 1,
    alertname: name(g),
    summary: `service ${name(g)} down`,
    status: 'firing' as const,
    alerts: 10,
    startedAt: new Date('2026-12-06T21:00:00Z'),
    severity: g % 5 ? 'warning' : 'critical',
    groupLabels: { alertname: name(g) },
    ...over(g),
  }));
const text = (msg: { blocks?: unknown[] }) => JSON.stringify(msg.blocks);
const within = (msg: { blocks?: unknown[] }) => {
  const verdict = validateBlocks(msg.blocks);
  expect(verdict).toMatchObject({ ok: true });
  if (verdict.ok) expect(verdict.totalText).toBeLessThanOrEqual(LIMITS.totalBlockText);
  expect((msg.blocks ?? []).length).toBeLessThanOrEqual(LIMITS.blocksPerMessage);
};

describe('storm message for hundreds of groups', () => {
  it('500 groups: one message names every group, counts first, grouped by severity', () => {
    const rendered = renderStorm(
      groups(500, (g) => (g % 50 === 7 ? { status: 'resolved' } : {})),
      ctx(),
      storm,
    );
    const msg = reportMessage(rendered);
    within(msg);
    expect(rendered.unnamed).toBe(0);
    const all = text(msg);
    for (let g = 0; g < 500; g += 1) expect(all).toContain(name(g));
    const blocks = msg.blocks as Array<{ type: string; text?: { text: string } }>;
    // Counts come first, right under the header: firing, resolved, and firing by severity.
    expect(blocks[1]?.text?.text).toBe(
      '*🔥 490 firing* · ✅ 10 resolved · by severity: critical 100 · warning 390',
    );
    // Firing critical, then firing warning, then resolved: each heading with its count.
    const headings = blocks.flatMap((b) => /^\*([^*]+)\*\n/.exec(b.text?.text ?? '')?.[1] ?? []);
    expect(headings).toEqual([
      '🔥 critical · 100 groups',
      '🔥 warning · 390 groups',
      '✅ warning · 10 groups',
    ]);
    // Still offers threads for firing groups, as many as fit.
    expect(all).toContain('incident_promote');
  });

  it('several groups of one alert name are counted, not repeated', () => {
    const msg = reportMessage(
      renderStorm(
        groups(120, (g) => ({
          alertname: `Dup${g % 3}`,
          groupLabels: { alertname: `Dup${g % 3}`, job: `j${g}` },
        })),
        ctx(),
        storm,
      ),
    );
    within(msg);
    const all = text(msg);
    expect(all).toContain('Dup0 ×8');
    expect(all).toContain('Dup1 ×32');
  });

  it('5,000 groups: as many names as fit, the rest counted and promised in the file', () => {
    const members = groups(5_000);
    const rendered = renderStorm(members, ctx(), storm);
    const msg = { ...reportMessage(rendered), unnamed: rendered.unnamed };
    within(msg);
    expect(msg.unnamed).toBeGreaterThan(0);
    const all = text(msg);
    const shown = members.filter((m) => all.includes(`${m.alertname} `) || all.includes(`${m.alertname}"`));
    expect(shown.length + msg.unnamed).toBe(5_000);
    expect(all).toContain(`${msg.unnamed} more groups do not fit here: the full list of all 5000 groups`);
    // The file names every group once, with its status and severity.
    const file = stormListFile(members, ctx());
    const rows = file.trimEnd().split('\n');
    expect(rows).toHaveLength(5_001);
    expect(rows[0]).toBe('status\tseverity\talertname\tlabels\talerts\tstarted\tsummary');
    for (const m of members) expect(file).toContain(`\t${m.alertname}\t`);
  });

  it('names from outside are escaped and redacted in the message and the file', () => {
    const members = groups(60, (g) =>
      g === 3 ? { alertname: 'Bad<!channel>&', summary: 'token secret-token-value' } : {},
    );
    const msg = reportMessage(renderStorm(members, ctx(), storm));
    within(msg);
    expect(text(msg)).toContain('Bad&lt;!channel&gt;&amp;');
    const sections = (msg.blocks as Array<{ type: string; text?: { text: string } }>)
      .filter((b) => b.type === 'section')
      .map((b) => b.text?.text ?? '')
      .join('\n');
    expect(sections).not.toContain('<!channel>');
    expect(stormListFile(members, ctx())).not.toContain('secret-token-value');
  });
});
