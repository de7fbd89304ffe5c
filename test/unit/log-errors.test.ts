import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { openIncidentsPart } from '../../src/diagnostics/open-incidents.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createRedactor } from '../../src/redact.ts';
import { logSink } from '../helpers/bot.ts';

/**
 * A failure is logged as the error itself (pino's serializer: type, message, stack, cause), not just
 * its message, so whoever reads the log sees where it happened — and secrets are still redacted.
 */
describe('errors in the log', () => {
  it('carry type, message and stack, with secrets removed', async () => {
    const lines: string[] = [];
    const redact = createRedactor(['pw-0123456789']);
    const logger = createLogger({ level: 'info', environment: 'test', redact, destination: logSink(lines) });
    const failure = new TypeError('cannot read at postgres://bot:pw-0123456789@db:5432/chatops');
    const deps = {
      t: createTranslator('en'),
      logger,
      redact,
      config: loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' }),
      pool: { query: () => Promise.reject(failure) },
    } as unknown as Deps;

    const part = await openIncidentsPart(deps);
    expect(part.block).toMatchObject({ kind: 'text' });

    const entry = lines.map((l) => JSON.parse(l)).find((l) => l.msg === 'open incidents not read');
    expect(entry?.err).toMatchObject({ type: 'TypeError' });
    expect(entry.err.message).toContain('cannot read at postgres://');
    expect(entry.err.stack).toContain('log-errors.test');
    expect(lines.join('\n')).not.toContain('pw-0123456789');
  });
});
