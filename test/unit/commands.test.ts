import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { COMMANDS } from '../../commands/index.ts';
import { ArgvError, parseArgv } from '../../src/commands/argv.ts';
import { defineCommand } from '../../src/commands/define.ts';
import { CommandRegistry } from '../../src/commands/registry.ts';
import { createTranslator } from '../../src/i18n/index.ts';

const t = createTranslator('zh-CN');

describe('slash text parsing', () => {
  it('splits words, honours quotes and flags', () => {
    expect(
      parseArgv('laojun-admin-api --level error --since=30m "connection refused" --json', {
        level: 'string',
        since: 'string',
        json: 'boolean',
      }),
    ).toEqual({
      positional: ['laojun-admin-api', 'connection refused'],
      flags: { level: 'error', since: '30m', json: true },
    });
  });

  it('accepts the em dash Slack clients substitute for --', () => {
    expect(parseArgv('—limit 5', { limit: 'string' }).flags).toEqual({ limit: '5' });
  });

  it('refuses unknown flags, missing values and unclosed quotes', () => {
    expect(() => parseArgv('--nope', {})).toThrow(ArgvError);
    expect(() => parseArgv('--limit', { limit: 'string' })).toThrow(ArgvError);
    expect(() => parseArgv('"open', {})).toThrow(ArgvError);
  });
});

describe('command registry', () => {
  const noop = defineCommand({
    name: 'status',
    summary: { 'zh-CN': '状态', en: 'status' },
    usage: '/status',
    examples: ['/status'],
    permission: 'status',
    args: z.object({ positional: z.array(z.string()).max(0, 'no arguments'), flags: z.object({}) }),
    run: async () => ({ title: 'x' }),
  });

  it('refuses two commands with the same name at start', () => {
    expect(() => new CommandRegistry([noop, noop])).toThrow(/duplicate command "status"/);
  });

  it('holds every shipped command with a usage line and examples', () => {
    const registry = new CommandRegistry(COMMANDS);
    for (const c of registry.list()) {
      expect(c.usage.startsWith(`/${c.name}`)).toBe(true);
      expect(c.examples.length).toBeGreaterThan(0);
    }
  });

  it('recognises help and turns bad arguments into a message with the usage line', () => {
    const registry = new CommandRegistry([noop]);
    expect(registry.parse(noop, 'help', { t })).toEqual({ kind: 'help' });
    const r = registry.parse(noop, 'extra', { t });
    expect(r).toEqual({ kind: 'error', message: 'no arguments' });
    expect(registry.usageError(noop, 'no arguments', t)).toContain('用法：/status');
    // Full-width colons throughout a Chinese answer.
    expect(registry.usageError(noop, 'no arguments', t)).toMatch(/\n示例：`/);
    expect(registry.usageError(noop, 'no arguments', createTranslator('en'))).toMatch(/\nExamples: `/);
    expect(registry.parse(noop, '--bogus', { t })).toEqual({ kind: 'error', message: '未知选项 --bogus' });
  });

  it('asks for the permission README documents for each command', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const registry = new CommandRegistry(COMMANDS);
    for (const c of registry.list()) {
      const row = readme.split('\n').find((l) => l.startsWith(`| \`/${c.name}`));
      expect(row, `README has no row for /${c.name}`).toBeDefined();
      const documented = (row?.split('|').at(-2) ?? '').match(/`([^`]+)`/g)?.map((p) => p.slice(1, -1));
      expect(documented, `/${c.name}`).toContain(c.permission);
    }
  });

  it('generates help listing only what the user may run', () => {
    const registry = new CommandRegistry(COMMANDS);
    const all = registry.helpAll(t, 'zh-CN');
    expect(JSON.stringify(all)).toContain('/status [service]');
    const none = registry.helpAll(t, 'zh-CN', () => false);
    expect(JSON.stringify(none)).not.toContain('/status');
  });
});
