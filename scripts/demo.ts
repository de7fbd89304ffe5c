/**
 * npm run demo [-- --auto --break-after 5s --mend-after 20s --service admin-api --fault down --keep-logs]
 * See docs/deploy.md ("Try it") and demo/run.ts.
 */
import { parseArgs } from 'node:util';
import { FAULTS, type Fault, LAOJUN_SERVICES } from '../demo/platform.ts';
import { runDemo } from '../demo/run.ts';

function duration(value: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(value.trim());
  if (!m) {
    process.stderr.write(`--${name} ${value}: expected a duration like 5s, 1500ms or 1m\n`);
    process.exit(2);
  }
  const n = Number(m[1]);
  return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1_000;
}

const { values } = parseArgs({
  options: {
    auto: { type: 'boolean', default: false },
    'break-after': { type: 'string', default: '5s' },
    'mend-after': { type: 'string', default: '20s' },
    'resolve-timeout': { type: 'string', default: '60s' },
    service: { type: 'string', default: 'admin-api' },
    fault: { type: 'string', default: 'down' },
    'keep-logs': { type: 'boolean', default: false },
  },
});
if (!FAULTS.includes(values.fault as Fault)) {
  process.stderr.write(`--fault ${values.fault}: expected one of ${FAULTS.join(', ')}\n`);
  process.exit(2);
}
if (!LAOJUN_SERVICES.some((s) => s.name === values.service)) {
  process.stderr.write(
    `--service ${values.service}: expected one of ${LAOJUN_SERVICES.map((s) => s.name).join(', ')}\n`,
  );
  process.exit(2);
}
const breakAfterMs = duration(values['break-after'], 'break-after');
const mendAfterMs = duration(values['mend-after'], 'mend-after');
if (mendAfterMs <= breakAfterMs) {
  process.stderr.write('--mend-after must be later than --break-after\n');
  process.exit(2);
}

const controller = new AbortController();
// First Ctrl-C / SIGTERM: stop everything in order. A second one: exit now (children are killed on exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (controller.signal.aborted) process.exit(130);
    process.stdout.write('\n▶ Stopping everything the demo started…\n');
    controller.abort();
  });
}
const code = await runDemo({
  auto: values.auto || !process.stdin.isTTY,
  breakAfterMs,
  mendAfterMs,
  resolveTimeoutMs: duration(values['resolve-timeout'], 'resolve-timeout'),
  service: values.service,
  fault: values.fault as Fault,
  keepLogs: values['keep-logs'],
  env: process.env,
  out: process.stdout,
  signal: controller.signal,
});
process.exit(code);
