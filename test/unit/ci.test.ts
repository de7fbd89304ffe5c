import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('.ci/run', () => {
  const path = new URL('../../.ci/run', import.meta.url);
  // The commands it runs, comments and blank lines aside.
  const steps = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('type-checks and lints (npm run check) after installing and before the tests', () => {
    const at = (cmd: string) => steps.indexOf(cmd);
    expect(at('npm ci')).toBeGreaterThanOrEqual(0);
    expect(at('npm run check')).toBeGreaterThan(at('npm ci'));
    // The tests run through README's Quick start on a fresh clone (.ci/quickstart runs `npm test` there).
    expect(at('bash .ci/quickstart')).toBeGreaterThan(at('npm run check'));
  });

  it('is valid bash that stops at the first failing step', () => {
    execFileSync('bash', ['-n', path.pathname]);
    expect(steps).toContain('set -euo pipefail');
  });
});
