import { describe, expect, it } from 'vitest';
import { createAuthorizer, permits } from '../../src/auth/authorize.ts';
import { loadConfig } from '../../src/config.ts';

function authorizer(yaml: string, groups: Record<string, string[]> = {}, calls: string[] = []) {
  const config = loadConfig(
    { DATABASE_URL: 'postgres://x@db/x', CONFIG_FILE: 'c.yml' },
    { readFile: () => yaml },
  );
  let clock = 0;
  const a = createAuthorizer(
    config,
    async (g) => {
      calls.push(g);
      return groups[g] ?? [];
    },
    { now: () => clock },
  );
  return { a, tick: (ms: number) => (clock += ms) };
}

describe('permissions', () => {
  it('matches exact, family and global patterns', () => {
    expect(permits(['backup:*'], 'backup:run')).toBe(true);
    expect(permits(['backup:list'], 'backup:run')).toBe(false);
    expect(permits(['*'], 'audit')).toBe(true);
  });

  it('gives read-only commands to members of the ops channels and refuses privileged ones, naming who grants them', async () => {
    const { a } = authorizer('permissions:\n  channels: [C0OPS]\n  admins: [U0ADMIN]\n');
    expect(await a.check('U0ANY', 'C0OPS', 'status')).toEqual({ ok: true });
    expect(await a.check('U0ANY', 'C0RANDOM', 'status')).toMatchObject({ ok: false, reason: 'channel' });
    // Opening a thread from a storm message is incident response, granted where acknowledging is.
    expect(await a.check('U0ANY', 'C0OPS', 'incident:promote')).toEqual({ ok: true });
    expect(await a.check('U0ANY', 'C0RANDOM', 'incident:promote')).toEqual({
      ok: false,
      reason: 'channel',
      permission: 'incident:promote',
      grantedBy: '<@U0ADMIN>',
    });
    expect(await a.check('U0ANY', 'D0DM', 'status')).toMatchObject({ ok: false, reason: 'permission' });
    expect(await a.check('U0ANY', 'C0OPS', 'backup:run')).toEqual({
      ok: false,
      reason: 'permission',
      permission: 'backup:run',
      grantedBy: '<@U0ADMIN>',
    });
    expect(await a.check('U0ADMIN', 'C0RANDOM', 'backup:run')).toEqual({ ok: true });
  });

  it('resolves user groups by ID with a short cache', async () => {
    const calls: string[] = [];
    const groups = { S0ONCALL: ['U0ALICE'] };
    const { a, tick } = authorizer(
      'permissions:\n  roles:\n    oncall:\n      members: [S0ONCALL]\n      permissions: ["incident:*", "backup:run"]\n',
      groups,
      calls,
    );
    expect(await a.may('U0ALICE', 'incident:silence')).toBe(true);
    expect(await a.may('U0BOB', 'incident:silence')).toBe(false);
    expect(calls).toEqual(['S0ONCALL']);
    groups.S0ONCALL.push('U0BOB');
    tick(61_000);
    expect(await a.may('U0BOB', 'backup:run')).toBe(true);
    expect(calls).toEqual(['S0ONCALL', 'S0ONCALL']);
  });

  it('refuses names where IDs belong', () => {
    expect(() => authorizer('permissions:\n  admins: ["@alice"]\n')).toThrow(/IDs, never names/);
    expect(() =>
      authorizer('permissions:\n  roles:\n    x:\n      members: [alice]\n      permissions: [status]\n'),
    ).toThrow(/never names/);
  });

  it('opens read-only commands to everyone when no ops channel is configured', async () => {
    const { a } = authorizer('locale: zh-CN\n');
    expect(await a.may('U0ANY', 'logs', 'C0ANY')).toBe(true);
    expect(await a.may('U0ANY', 'incident:silence', 'C0ANY')).toBe(false);
    expect(await a.may('U0ANY', 'audit', 'C0ANY')).toBe(false);
  });
});
