/**
 * Redaction and rendering of adversarial external text (issue 11): each fragment that made an old
 * pattern rescan the text, repeated to 1 MB, through the redactor alone; then 1 MB through the whole
 * path of an incident root (cut, redact, escape, render, outbound filter). Prints milliseconds; the
 * target is linear time (1 MB in well under a second) and a rendering path under ~50 ms.
 */
import { loadConfig } from '../src/config.ts';
import { createTranslator } from '../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../src/incidents/checklist.ts';
import { renderRoot } from '../src/incidents/render-root.ts';
import { createRedactor } from '../src/redact.ts';
import { reportMessage } from '../src/report/message.ts';
import { createOutboundFilter } from '../src/slack/outbound.ts';
import { incidentCarrying } from '../test/helpers/render-fixtures.ts';

const FRAGMENTS = [
  'a:',
  'a.b-c:',
  '(a:',
  'AKIA',
  'xoxb-',
  'eyJabcde.',
  'password="',
  'a://b:',
  'a.b-c:user:pass@',
];
const SIZE = 1_000_000;
const redact = createRedactor(['configured-literal-secret'], []);
const repeat = (f: string) => f.repeat(Math.ceil(SIZE / f.length)).slice(0, SIZE);

function ms(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

console.log(`redactor alone, ${SIZE / 1e6} MB of each fragment:`);
for (const f of FRAGMENTS) {
  const text = repeat(f);
  console.log(
    `  ${JSON.stringify(f).padEnd(20)} ${ms(() => redact(text))
      .toFixed(0)
      .padStart(6)} ms`,
  );
}

const mb = FRAGMENTS.map((f) => repeat(f).slice(0, SIZE / FRAGMENTS.length)).join(' ');
const { inc, alert } = incidentCarrying(mb, new Date());
const ctx = {
  t: createTranslator('en'),
  locale: 'en' as const,
  redact,
  config: loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' }),
  checklist: DEFAULT_CHECKLIST,
  now: new Date(),
};
const filter = createOutboundFilter(redact);
const runs = Array.from({ length: 5 }, () =>
  ms(() => filter.message(reportMessage(renderRoot(inc, [alert], ctx)))),
);
console.log(`incident root from 1 MB annotations and label (cut, redact, escape, render, filter):`);
console.log(`  worst of 5: ${Math.max(...runs).toFixed(1)} ms, best: ${Math.min(...runs).toFixed(1)} ms`);
