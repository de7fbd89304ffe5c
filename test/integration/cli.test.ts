import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli.ts';
import { createLogger } from '../../src/logger.ts';
import { migrate } from '../../src/store/db.ts';
import { type TestSchema, withSchema } from '../helpers/db.ts';

function sink() {
  let text = '';
  const stream = {
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as NodeJS.WritableStream;
  return { stream, text: () => text };
}

/** `npx laojun …` in this process: stdout, stderr and the exit code apart. */
async function cli(argv: string[], env: NodeJS.ProcessEnv) {
  const out = sink();
  const err = sink();
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

describe('the laojun CLI', () => {
  let db: TestSchema;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    db = await withSchema({ prefix: 'cli' });
    await migrate(
      db.url,
      db.schema,
      createLogger({ level: 'silent', environment: 'test', redact: (s) => s }),
    );
    env = { DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, USER: 'alice' };
  });
  afterAll(() => db.drop());

  it('help lists the commands under real column headings, the options, --json and the exit codes', async () => {
    const { code, out, err } = await cli(['help'], { ...env, LOCALE: 'en' });
    expect(code).toBe(0);
    expect(err).toBe('');
    expect(out).toMatch(/^Command\s+What it does$/m);
    expect(out).not.toMatch(/^\s*$\n^-+\s+-+$/m);
    expect(out).toContain('/status [service]');
    expect(out).toContain('--json');
    expect(out).toContain('--verbose');
    expect(out).toContain('64 bad arguments');
    expect(out).toContain('78 configuration error');
  });

  it('help <command> shows that command’s help, like <command> help', async () => {
    const a = await cli(['help', 'backup'], { ...env, LOCALE: 'en' });
    const b = await cli(['backup', 'help'], { ...env, LOCALE: 'en' });
    expect(a.code).toBe(0);
    expect(a.out).toContain('/backup help');
    expect(a.out).toContain('/backup list redis');
    expect(a.out).toBe(b.out);
  });

  it('writes errors to stderr, not stdout, with the exit code for bad arguments', async () => {
    const unknown = await cli(['stauts'], { ...env, LOCALE: 'en' });
    expect(unknown.code).toBe(64);
    expect(unknown.out).toBe('');
    expect(unknown.err).toContain('Unknown command `stauts`');
    const bad = await cli(['backup', 'list', '--limit', '99'], { ...env, LOCALE: 'en' });
    expect(bad.code).toBe(64);
    expect(bad.out).toBe('');
    expect(bad.err).toContain('Usage: /backup');
  });

  it('backups not configured is a configuration error (78) in the user’s language, not bad arguments', async () => {
    const zh = await cli(['backup', 'postgres'], env);
    expect(zh.code).toBe(78);
    expect(zh.out).toBe('');
    expect(zh.err.trim()).toBe('未配置备份：请设置 BACKUP_DIR，或在 CONFIG_FILE 中设置 backup.destination。');
    const en = await cli(['backup', 'postgres'], { ...env, LOCALE: 'en' });
    expect(en.code).toBe(78);
    expect(en.err.trim()).toBe(
      'Backups are not configured: set BACKUP_DIR, or backup.destination in CONFIG_FILE.',
    );
  });

  it('/backup status shows one red marker for a target never backed up', async () => {
    const { code, out } = await cli(['backup', 'status'], env);
    expect(code).toBe(2);
    const line = out.split('\n').find((l) => l.includes('从未成功备份'));
    expect(line).toBeDefined();
    expect(line?.match(/🔴/g)).toHaveLength(1);
  });

  it('records every command it runs in the audit log with source cli and the terminal user', async () => {
    await cli(['backup', 'status'], env);
    await cli(['backup', 'postgres'], env);
    const { rows } = await db.pool.query<{
      user_id: string;
      command: string;
      arguments: string;
      source: string;
      outcome: string;
    }>(`SELECT user_id, command, arguments, source, outcome FROM command_audit ORDER BY id`);
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          user_id: 'alice',
          command: 'backup',
          arguments: 'status',
          source: 'cli',
          outcome: 'failed',
        }),
        expect.objectContaining({
          user_id: 'alice',
          command: 'backup',
          arguments: 'postgres',
          source: 'cli',
          outcome: 'bad_args',
        }),
      ]),
    );
    // …and `laojun audit` shows them.
    const audit = await cli(['audit', '--command', 'backup'], { ...env, LOCALE: 'en' });
    expect(audit.code).toBe(0);
    expect(audit.out).toContain('alice');
  });

  it('--json gives numbers with their units as fields, the prose apart', async () => {
    const { code, out } = await cli(['status', 'redis', '--json'], env);
    expect(code).toBe(0);
    const data = JSON.parse(out) as {
      services: Array<{
        service: string;
        checks: Array<{
          id: string;
          value: string;
          figures?: Record<string, { value: unknown; unit?: string }>;
        }>;
      }>;
    };
    const memory = data.services[0]?.checks.find((c) => c.id === 'memory');
    expect(memory?.value).toMatch(/^Redis \d/);
    expect(memory?.figures?.usedMemory).toEqual({ value: expect.any(Number), unit: 'bytes' });
    expect(memory?.figures?.latency).toEqual({ value: expect.any(Number), unit: 'ms' });
    expect(memory?.figures?.version?.value).toMatch(/^\d+\.\d+/);
    const clients = data.services[0]?.checks.find((c) => c.id === 'clients');
    expect(clients?.figures?.clients).toEqual({ value: expect.any(Number), unit: 'count' });
  });

  it('--verbose says on stderr which database it uses, without the password, and that it is the default', async () => {
    const withPassword = new URL(db.url);
    withPassword.password = 's3cret-pw';
    const set = await cli(['help', '--verbose'], { ...env, DATABASE_URL: withPassword.toString() });
    expect(set.err).toContain(`(schema ${db.schema}; DATABASE_URL)`);
    expect(set.err).toContain('***');
    expect(set.err).not.toContain('s3cret-pw');
    expect(set.out).not.toContain('database:');
    const unset = await cli(['help', '--verbose'], { LOG_LEVEL: 'silent' });
    expect(unset.err).toContain(
      'database: postgres://postgres@127.0.0.1:5432/postgres (schema chatops; default: DATABASE_URL is not set)',
    );
  });
});
