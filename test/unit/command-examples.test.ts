import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { CommandRegistry } from '../../src/commands/registry.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { createTranslator } from '../../src/i18n/index.ts';

/**
 * Every example a command's help shows (`/status help`, a usage error) is accepted by that command as
 * written: a user who copies one gets an answer, not "bad arguments". Checked against a bot configured
 * with every data source and a backup directory, so configuration checks pass too.
 */
const config = loadConfig({
  DATABASE_URL: 'postgres://x@127.0.0.1/db',
  PROMETHEUS_URL: 'http://prometheus:9090',
  ALERTMANAGER_URL: 'http://alertmanager:9093',
  ELASTICSEARCH_URL: 'http://elasticsearch:9200',
  TARGET_DATABASE_URL: 'postgres://reader@db:5432/laojun',
  TARGET_REDIS_URL: 'redis://redis:6379',
  MINIO_ENDPOINT: 'http://minio:9000',
  MINIO_ACCESS_KEY: 'access',
  MINIO_SECRET_KEY: 'secret',
  BACKUP_DIR: '/var/backups/laojun',
});

describe('command examples', () => {
  const registry = new CommandRegistry(COMMANDS);

  it.each(registry.list().map((c) => [c.name, c] as const))('/%s: every example parses', (name, command) => {
    expect(command.examples.length).toBeGreaterThan(0);
    for (const locale of ['zh-CN', 'en'] as const) {
      const deps = { t: createTranslator(locale), config, locale } as unknown as Deps;
      for (const example of command.examples) {
        expect(example === `/${name}` || example.startsWith(`/${name} `), example).toBe(true);
        const text = example.slice(name.length + 1);
        // An example the command answers in the acknowledgement (its interactive hook: `/incident`
        // alone opens the declare modal in Slack) is not parsed.
        if (command.interactive?.wants({ userId: 'U0SRE', channelId: 'C0OPS', text, triggerId: 'trigger' }))
          continue;
        const result = registry.parse(command, text, deps);
        expect(result, `${locale}: ${example}`).toMatchObject({ kind: 'ok' });
      }
    }
  });

  it('would catch an example the command refuses', () => {
    const status = registry.get('status');
    expect(status).toBeDefined();
    const deps = { t: createTranslator('en'), config } as unknown as Deps;
    if (status) expect(registry.parse(status, 'no-such-service', deps)).toMatchObject({ kind: 'error' });
  });
});
