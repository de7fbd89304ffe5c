import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_SERVICES, loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { DEFAULT_CHECKLIST } from '../../src/incidents/checklist.ts';
import { fillTemplate, serviceOf } from '../../src/incidents/evidence.ts';
import { renderReport } from '../../src/incidents/render-thread.ts';
import type { Incident, IncidentEvent } from '../../src/incidents/store.ts';
import { createRedactor } from '../../src/redact.ts';

const base = { DATABASE_URL: 'postgres://x@127.0.0.1/db' };
const withFile = (yaml: string) =>
  loadConfig({ ...base, CONFIG_FILE: '/etc/laojun.yml' }, { readFile: () => yaml });

describe('incidents.evidence settings', () => {
  it('defaults to the manual’s alerts and lets CONFIG_FILE replace one alert’s list', () => {
    expect(loadConfig(base).file.incidents.evidence.ServiceDown?.map((i) => i.command)).toEqual([
      'status',
      'logs',
    ]);
    const c = withFile(
      'incidents:\n  evidence:\n    ServiceDown: [{command: status, args: "{{service}}"}]\n    DiskSpaceHigh: []\n',
    );
    expect(c.file.incidents.evidence.ServiceDown).toEqual([{ command: 'status', args: '{{service}}' }]);
    expect(c.file.incidents.evidence.DiskSpaceHigh).toEqual([]);
    expect(c.file.incidents.evidence.DatabaseConnectionHigh).toHaveLength(3);
  });

  it('refuses an unknown command with the setting named', () => {
    let err: unknown;
    try {
      withFile('incidents:\n  evidence:\n    ServiceDown: [{command: backup, args: now}]\n');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('incidents.evidence.ServiceDown.0.command');
  });
});

describe('evidence templates', () => {
  it('fills labels and refuses missing or unsafe values', () => {
    expect(fillTemplate('{{service}} --level error', { service: 'laojun-admin-api' })).toBe(
      'laojun-admin-api --level error',
    );
    expect(fillTemplate('{{job}}', {})).toBeUndefined();
    expect(fillTemplate('{{job}}', { job: 'x; --since 9999d' })).toBeUndefined();
  });

  it('finds the service of a job label', () => {
    expect(serviceOf({ job: 'laojun-admin-api' }, DEFAULT_SERVICES)).toBe('laojun-admin-api');
    expect(serviceOf({ job: 'node-exporter' }, DEFAULT_SERVICES)).toBeUndefined();
    expect(serviceOf({ service: 'redis' }, DEFAULT_SERVICES)).toBe('redis');
  });
});

describe('command events in the incident report', () => {
  it('shows evidence and commands run by a user, in both languages', () => {
    const config = loadConfig(base);
    const inc = {
      id: 3,
      alertname: 'ServiceDown',
      startedAt: new Date(),
      checklist: {},
    } as unknown as Incident;
    const ev = (actor: string, outcome: string): IncidentEvent =>
      ({
        id: 1,
        incidentId: 3,
        at: new Date('2026-11-25T20:00:00Z'),
        kind: 'command',
        actor,
        data: { command: 'status', args: 'laojun-admin-api', title: 'laojun-admin-api status', outcome },
      }) as unknown as IncidentEvent;
    for (const [locale, auto, user] of [
      ['en', 'Evidence /status laojun-admin-api', '<@U1> ran /status laojun-admin-api'],
      ['zh-CN', '自动取证 /status laojun-admin-api', '<@U1> 在线程中运行 /status laojun-admin-api'],
    ] as const) {
      const ctx = {
        t: createTranslator(locale),
        locale,
        redact: createRedactor([], []),
        config,
        checklist: DEFAULT_CHECKLIST,
        now: new Date(),
      };
      const text = JSON.stringify(
        renderReport(inc, [ev('laojun-bot', 'ok'), ev('U1', 'failed')], ctx).message,
      );
      expect(text).toContain(auto);
      expect(text).toContain(user);
    }
  });
});
