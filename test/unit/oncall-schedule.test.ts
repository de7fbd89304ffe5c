import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { type OncallConfig, oncallFileSchema, policyFor } from '../../src/oncall/config.ts';
import { nextShift, type Override, onCallAt, scheduleFor, secondaryAt } from '../../src/oncall/schedule.ts';

const base = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', CONFIG_FILE: 'oncall.yml' };

function parse(yaml: object): OncallConfig {
  return oncallFileSchema.parse(yaml) as OncallConfig;
}

function configError(yaml: string, env: Record<string, string> = {}): string {
  try {
    loadConfig({ ...base, ...env }, { readFile: () => yaml });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
}

const at = (iso: string) => new Date(iso);

describe('on-call schedules', () => {
  // Weekly rotation handing off Mondays 09:00 in Berlin; 2026-03-29 is the spring DST change there.
  const berlin = parse({
    schedules: [
      {
        name: 'platform',
        timeZone: 'Europe/Berlin',
        layers: [
          { users: ['UALICE', 'UBOB', 'UCAROL'], rotation: '1w', handoff: '09:00', start: '2026-03-02' },
        ],
      },
    ],
  }).schedules[0];
  if (!berlin) throw new Error('no schedule');

  it('hands off at the local hand-off time, before and after a DST change', () => {
    // 2026-03-02 09:00 CET = 08:00 UTC: Alice's first week.
    expect(onCallAt(berlin, [], at('2026-03-02T07:59:00Z'))?.user).toBe('UCAROL');
    expect(onCallAt(berlin, [], at('2026-03-02T08:00:00Z'))?.user).toBe('UALICE');
    expect(onCallAt(berlin, [], at('2026-03-09T08:00:00Z'))?.user).toBe('UBOB');
    expect(onCallAt(berlin, [], at('2026-03-23T08:00:00Z'))?.user).toBe('UALICE');
    // After the change (CEST, UTC+2) 09:00 local is 07:00 UTC: the hand-off follows local time.
    expect(onCallAt(berlin, [], at('2026-03-30T06:59:00Z'))?.user).toBe('UALICE');
    expect(onCallAt(berlin, [], at('2026-03-30T07:00:00Z'))?.user).toBe('UBOB');
    expect(nextShift(berlin, [], at('2026-03-24T12:00:00Z'))).toEqual({
      user: 'UBOB',
      from: at('2026-03-30T07:00:00Z'),
    });
  });

  it('hands off across the autumn DST change in another zone (New York, 2026-11-01)', () => {
    const ny = parse({
      schedules: [
        {
          name: 'us',
          timeZone: 'America/New_York',
          layers: [{ users: ['UONE', 'UTWO'], rotation: '1d', handoff: '08:00', start: '2026-10-30' }],
        },
      ],
    }).schedules[0];
    if (!ny) throw new Error('no schedule');
    // 2026-10-31 08:00 EDT = 12:00 UTC (UTWO); 2026-11-01 08:00 EST = 13:00 UTC (UONE again).
    expect(onCallAt(ny, [], at('2026-10-31T12:00:00Z'))?.user).toBe('UTWO');
    expect(onCallAt(ny, [], at('2026-11-01T12:30:00Z'))?.user).toBe('UTWO');
    expect(onCallAt(ny, [], at('2026-11-01T13:00:00Z'))?.user).toBe('UONE');
  });

  it('lets a higher layer take its restricted hours and an override win over both', () => {
    const s = parse({
      schedules: [
        {
          name: 'platform',
          timeZone: 'Asia/Shanghai',
          layers: [
            { users: ['UNIGHT'], rotation: '1w', start: '2026-01-05' },
            {
              name: 'office',
              users: ['UDAY1', 'UDAY2'],
              rotation: '1d',
              handoff: '09:00',
              start: '2026-01-05',
              restrict: { from: '09:00', to: '18:00', weekdays: [1, 2, 3, 4, 5] },
            },
          ],
        },
      ],
    }).schedules[0];
    if (!s) throw new Error('no schedule');
    // Monday 2026-01-05 10:00 CST = 02:00 UTC: office hours.
    expect(onCallAt(s, [], at('2026-01-05T02:00:00Z'))).toMatchObject({ user: 'UDAY1', source: 'office' });
    expect(secondaryAt(s, [], at('2026-01-05T02:00:00Z'))).toBe('UDAY2');
    // 19:00 CST: the bottom layer.
    expect(onCallAt(s, [], at('2026-01-05T11:00:00Z'))?.user).toBe('UNIGHT');
    // Saturday 10:00 CST: not an office day.
    expect(onCallAt(s, [], at('2026-01-10T02:00:00Z'))?.user).toBe('UNIGHT');
    expect(nextShift(s, [], at('2026-01-05T02:00:00Z'))).toEqual({
      user: 'UNIGHT',
      from: at('2026-01-05T10:00:00Z'),
    });
    const tonight: Override = {
      id: 1,
      schedule: 'platform',
      userId: 'UTAKER',
      startsAt: at('2026-01-05T12:00:00Z'),
      endsAt: at('2026-01-06T00:00:00Z'),
      createdBy: 'UTAKER',
    };
    expect(onCallAt(s, [tonight], at('2026-01-05T13:00:00Z'))).toMatchObject({
      user: 'UTAKER',
      source: 'override',
    });
    expect(onCallAt(s, [tonight], at('2026-01-06T00:00:00Z'))?.user).toBe('UNIGHT');
    expect(nextShift(s, [tonight], at('2026-01-05T11:00:00Z'))).toEqual({
      user: 'UTAKER',
      from: tonight.startsAt,
    });
  });

  it('picks the schedule covering the labels, else the fallback', () => {
    const c = parse({
      fallback: 'ops',
      schedules: [
        { name: 'ops', timeZone: 'UTC', layers: [{ users: ['UOPS'], rotation: '1d' }] },
        {
          name: 'db',
          timeZone: 'UTC',
          covers: { service: ['postgresql'], team: ['dba'] },
          layers: [{ users: ['UDBA'], rotation: '1d' }],
        },
      ],
    });
    expect(scheduleFor(c.schedules, c.fallback, { service: 'postgresql' })?.name).toBe('db');
    expect(scheduleFor(c.schedules, c.fallback, { team: 'dba' })?.name).toBe('db');
    expect(scheduleFor(c.schedules, c.fallback, { job: 'laojun-gateway' })?.name).toBe('ops');
  });

  it('has default policies per severity: critical climbs to @here, warning does not', () => {
    const c = parse({
      opsGroup: 'S0OPS',
      schedules: [{ name: 'a', timeZone: 'UTC', layers: [{ users: ['U1A'], rotation: '1d' }] }],
    });
    expect(policyFor(c, 'critical').map((s) => s.notify)).toEqual([
      'primary',
      'secondary',
      'usergroup',
      'here',
    ]);
    expect(policyFor(c, 'warning').map((s) => s.notify)).not.toContain('here');
  });
});

describe('on-call configuration is refused at start, naming the setting', () => {
  const schedule = (layer: string, zone = 'Asia/Shanghai') => `oncall:
  schedules:
    - name: platform
      timeZone: ${zone}
      layers:
        - ${layer}
`;
  it('an unknown time zone', () => {
    expect(configError(schedule('{ users: [U012ABC], rotation: 1w }', 'Asia/Beijing'))).toMatch(
      /oncall\.schedules\.0\.timeZone: expected an IANA time zone/,
    );
  });
  it('an empty rotation', () => {
    expect(configError(schedule('{ users: [], rotation: 1w }'))).toMatch(
      /oncall\.schedules\.0\.layers\.0\.users: a rotation needs at least one participant/,
    );
  });
  it('a name where an ID belongs', () => {
    expect(configError(schedule('{ users: [alice], rotation: 1w }'))).toMatch(
      /oncall\.schedules\.0\.layers\.0\.users\.0: expected a Slack user ID/,
    );
  });
  it('a bad rotation length, an unknown fallback and a missing webhook token variable', () => {
    expect(configError(schedule('{ users: [U012ABC], rotation: weekly }'))).toMatch(/layers\.0\.rotation/);
    expect(configError(`${schedule('{ users: [U012ABC], rotation: 1w }')}  fallback: nope\n`)).toMatch(
      /oncall\.fallback: no schedule named nope/,
    );
    const hook = `${schedule('{ users: [U012ABC], rotation: 1w }')}  policies:
    critical:
      - { after: 0m, notify: primary, webhook: { url: "http://sms.example/page", tokenEnv: PAGER_TOKEN } }
`;
    expect(configError(hook)).toMatch(
      /oncall\.policies\.critical\.0\.webhook\.tokenEnv: PAGER_TOKEN is not set/,
    );
    const c = loadConfig({ ...base, PAGER_TOKEN: 'pager-secret-123' }, { readFile: () => hook });
    expect(c.secrets).toContain('pager-secret-123');
  });
});

describe('the documented examples', () => {
  /** The first ```yaml block of a Markdown file that starts with `oncall:`. */
  function example(file: string): string {
    const text = readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');
    const block = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .find((b) => b.startsWith('oncall:'));
    if (!block) throw new Error(`no oncall: example in ${file}`);
    return block;
  }
  it('README and docs/oncall.md examples are valid configuration', () => {
    for (const file of ['README.md', 'docs/oncall.md']) {
      const c = loadConfig({ ...base, PAGER_TOKEN: 'pager-secret-123' }, { readFile: () => example(file) });
      expect(c.file.oncall?.schedules.length, file).toBeGreaterThan(0);
    }
  });
});
