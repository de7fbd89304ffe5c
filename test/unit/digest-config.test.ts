import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const env = { DATABASE_URL: 'postgres://bot@127.0.0.1:5432/test', CONFIG_FILE: '/etc/laojun/config.yml' };
const load = (yaml: string) => loadConfig(env, { readFile: () => yaml });

describe('digest schedule in CONFIG_FILE', () => {
  it('defaults to 09:00 every day, Asia/Shanghai, with the manual capacity plan', () => {
    const d = load('locale: zh-CN\n').file.digest;
    expect(d).toMatchObject({
      enabled: true,
      cron: '0 9 * * *',
      timezone: 'Asia/Shanghai',
      diskThreshold: 0.85,
    });
    expect(d.capacity).toEqual({ peakRps: 1000, avgResponseMs: 200, requestGrowthPerYear: 0.3 });
  });

  it('takes a cron and a time zone', () => {
    const d = load('digest:\n  cron: "30 8 * * 1-5"\n  timezone: Europe/Berlin\n').file.digest;
    expect(d.cron).toBe('30 8 * * 1-5');
    expect(d.timezone).toBe('Europe/Berlin');
  });

  it('refuses a cron with an out-of-range field, naming the setting', () => {
    expect(() => load('digest:\n  cron: "61 9 * * *"\n')).toThrow(ConfigError);
    expect(() => load('digest:\n  cron: "61 9 * * *"\n')).toThrow(
      /CONFIG_FILE .* digest\.cron: invalid cron "61 9 \* \* \*"/,
    );
  });

  it('refuses a cron with the wrong number of fields', () => {
    expect(() => load('digest:\n  cron: "every morning"\n')).toThrow(
      /digest\.cron: .*expected 5 cron fields/,
    );
  });

  it('refuses an unknown time zone, naming the setting', () => {
    expect(() => load('digest:\n  timezone: Asia/Beijing\n')).toThrow(
      /digest\.timezone: unknown time zone; expected an IANA name like Asia\/Shanghai/,
    );
  });
});
