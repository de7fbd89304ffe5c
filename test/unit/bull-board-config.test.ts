import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';

const base = { DATABASE_URL: 'postgres://bot@127.0.0.1:5432/chatops' };

describe('Bull Board settings', () => {
  it('are off without BULL_BOARD_PASSWORD, read-only by default, writable only when asked', () => {
    expect(loadConfig(base).bullBoard).toBeUndefined();
    const on = loadConfig({ ...base, BULL_BOARD_PASSWORD: 'long-enough-password' });
    expect(on.bullBoard).toEqual({ user: 'admin', password: 'long-enough-password', readOnly: true });
    expect(on.secrets).toContain('long-enough-password');
    const rw = loadConfig({
      ...base,
      BULL_BOARD_PASSWORD: 'long-enough-password',
      BULL_BOARD_READ_ONLY: 'false',
    });
    expect(rw.bullBoard?.readOnly).toBe(false);
  });

  it('refuse a short password or a read-only flag that is not true/false, naming the setting', () => {
    expect(() => loadConfig({ ...base, BULL_BOARD_PASSWORD: 'short' })).toThrow(
      /^BULL_BOARD_PASSWORD invalid: expected at least 12 characters/,
    );
    expect(() =>
      loadConfig({ ...base, BULL_BOARD_PASSWORD: 'long-enough-password', BULL_BOARD_READ_ONLY: 'yes' }),
    ).toThrow(/^BULL_BOARD_READ_ONLY invalid/);
  });
});
