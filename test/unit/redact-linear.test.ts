import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { formatLogLine } from '../../src/diagnostics/logs.ts';
import { displaySql } from '../../src/diagnostics/text.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import { renderRoot } from '../../src/incidents/render-root.ts';
import { clip, createRedactor, REDACTED } from '../../src/redact.ts';
import { renderBlocks } from '../../src/report/blocks.ts';
import { reportMessage } from '../../src/report/message.ts';
import { createOutboundFilter } from '../../src/slack/outbound.ts';
import { incidentCarrying } from '../helpers/render-fixtures.ts';

/**
 * Issue 11, defect 1: redaction is linear in its input, and external text is cut before it is
 * processed. Quadratic patterns took 24 s for 100 KB; the bounds here are far above linear time and far
 * below that (timings are in bench/, these only catch a return of the quadratic behaviour).
 */

const redact = createRedactor(['configured-literal-secret'], []);

/** Fragments that made a backtracking pattern rescan the rest of the text at every position. */
const ADVERSARIAL = [
  'abcdefghijklmnopqrstuvwxyzabcdef://xxxxxxxxxxxxxxxx',
  'a:',
  'a.b-c:',
  '(a:',
  'AKIA',
  'xoxb-',
  'eyJabcde.',
  'password',
  'password="',
  "password='",
  'a://b:',
  'a://b:x@',
  'a.b-c:user:pass@',
  'user:pass@',
  '-----BEGIN ',
  'bearer ',
  'ghp_',
];

const repeat = (f: string, n: number) => f.repeat(Math.ceil(n / f.length)).slice(0, n);

function timed<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

describe('redaction time', () => {
  it.each(ADVERSARIAL)('redacts 200 KB of %j in linear time', (fragment) => {
    const { ms } = timed(() => redact(repeat(fragment, 200_000)));
    expect(ms).toBeLessThan(2_000);
  });

  it('still finds secrets with the linear patterns', () => {
    expect(redact('dsn=app:s3cr3t-pw@tcp(mysql:3306)/laojun')).toBe(
      `dsn=app:${REDACTED}@tcp(mysql:3306)/laojun`,
    );
    expect(redact('x postgres://u:p4ss@db/app')).toBe(`x postgres://u:${REDACTED}@db/app`);
    expect(redact('1.postgres://u:p4ss@db/app')).toBe(`1.postgres://u:${REDACTED}@db/app`);
    expect(redact('{"password": "unterminated')).toBe(`{"password": "${REDACTED}"`);
  });
});

describe('clip', () => {
  it('cuts before processing and drops the token the cut went through', () => {
    const secret = 'configured-literal-secret';
    const text = `${'word '.repeat(100)}${secret} tail`;
    // The cut (at max + margin) falls inside the secret: the secret is dropped whole, not shown in part.
    const max = text.indexOf(secret) - 256 + 10;
    const out = clip(text, max);
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toContain('configured-lit');
    expect(out.length).toBeLessThanOrEqual(max + 257);
  });
});

describe('1 MB of adversarial input, redacted and rendered', () => {
  const mb = ADVERSARIAL.map((f) => repeat(f, 1_000_000 / ADVERSARIAL.length)).join(' ');
  const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
  const ctx = {
    t: createTranslator('en'),
    locale: 'en' as const,
    redact,
    config,
    checklist: DEFAULT_CHECKLIST,
    now: new Date('2026-11-25T20:00:00Z'),
  };

  it('an alert annotation and label: the root renders in well under a second', () => {
    const { inc, alert } = incidentCarrying(mb, new Date('2026-11-25T19:00:00Z'));
    const filter = createOutboundFilter(redact);
    const { ms, value } = timed(() => filter.message(reportMessage(renderRoot(inc, [alert], ctx))));
    expect(ms).toBeLessThan(1_000);
    expect(JSON.stringify(value).length).toBeLessThan(40_000);
  });

  it('a log line from Elasticsearch and a slow query: rendered in well under a second', () => {
    const { ms, value } = timed(() =>
      renderBlocks({
        title: 'logs',
        blocks: [
          {
            kind: 'code',
            text: [
              formatLogLine(
                { index: 'logs', timestamp: '2026-11-25T19:00:00Z', level: 'error', message: mb },
                redact,
              ),
              displaySql(mb, redact, 300),
            ].join('\n'),
          },
        ],
      }),
    );
    expect(ms).toBeLessThan(1_000);
    expect(value.blocks.length).toBeGreaterThan(0);
  });
});
