import { describe, expect, it } from 'vitest';
import incident from '../../commands/incident.ts';
import { loadConfig } from '../../src/config.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { incidentsFileSchema } from '../../src/incidents/config.ts';
import { declareModal, validateDeclare, validateUpdate } from '../../src/incidents/modals.ts';
import { labelOfSeverity, parseSeverity, severityOf } from '../../src/incidents/severity.ts';
import { policyFor } from '../../src/oncall/config.ts';
import { validateBlocks } from '../fakes/block-kit-rules.ts';

const t = createTranslator('zh-CN');
const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db' });
const parse = (positional: string[], flags: Record<string, string> = {}) =>
  incident.args.safeParse({ positional, flags });

describe('severity', () => {
  it('maps the manual severity labels to SEV1–SEV4 by default, unmapped to the default', () => {
    const c = config.file.incidents;
    expect(severityOf(c, { sev: null, severity: 'critical' })).toBe('SEV1');
    expect(severityOf(c, { sev: null, severity: 'warning' })).toBe('SEV3');
    expect(severityOf(c, { sev: null, severity: 'page-me' })).toBe('SEV3');
    expect(severityOf(c, { sev: 2, severity: 'warning' })).toBe('SEV2');
    expect(labelOfSeverity(c, 'SEV1')).toBe('critical');
  });

  it('is configurable, and refuses anything but SEV1–SEV4', () => {
    const c = incidentsFileSchema.parse({
      severities: { critical: 'SEV2', p1: 'SEV1' },
      defaultSeverity: 'SEV4',
    });
    expect(severityOf(c, { sev: null, severity: 'critical' })).toBe('SEV2');
    expect(severityOf(c, { sev: null, severity: 'other' })).toBe('SEV4');
    expect(labelOfSeverity(c, 'SEV1')).toBe('p1');
    expect(incidentsFileSchema.safeParse({ severities: { critical: 'SEV5' } }).success).toBe(false);
    expect(parseSeverity('sev2')).toBe('SEV2');
    expect(parseSeverity('1')).toBe('SEV1');
    expect(parseSeverity('SEV0')).toBeUndefined();
  });

  it('picks a SEVn escalation policy before the label policy', () => {
    const oncall = {
      policies: {
        SEV1: [{ after: 0, notify: 'here' }],
        critical: [{ after: 0, notify: 'primary' }],
      },
    } as unknown as Parameters<typeof policyFor>[0];
    expect(policyFor(oncall, 'critical', 1)[0]?.notify).toBe('here');
    expect(policyFor(oncall, 'critical', 2)[0]?.notify).toBe('primary');
  });
});

describe('/incident arguments', () => {
  it('a first word that is no subcommand is a title; flags give severity and service', () => {
    const r = parse(['网关', '502'], { severity: 'sev2', service: 'laojun-gateway' });
    expect(r.success && r.data).toEqual({
      sub: 'declare',
      title: '网关 502',
      severity: 'SEV2',
      service: 'laojun-gateway',
    });
    expect(incident.permissionFor?.(r.success ? r.data : (undefined as never))).toBe('incident:declare');
  });

  it('parses severity, update, ack and resolve with the permission each needs', () => {
    const sev = parse(['severity', '42', 'SEV1']);
    expect(sev.success && incident.permissionFor?.(sev.data)).toBe('incident:severity');
    const upd = parse(['update', '#42', '已回滚', '恢复中']);
    expect(upd.success && upd.data).toEqual({ sub: 'update', id: 42, text: '已回滚 恢复中' });
    expect(parse(['ack', '42']).success).toBe(true);
    expect(parse(['resolve', 'x']).success).toBe(false);
    expect(parse(['severity', '42', 'SEV9']).success).toBe(false);
    expect(parse(['x'], { severity: 'SEV7' }).success).toBe(false);
    expect(parse(['report', '42'], { severity: 'SEV1' }).success).toBe(false);
    expect(parse(['declare']).success).toBe(false);
  });
});

describe('declare and update modals', () => {
  it('build valid Block Kit, quote included, and check input', () => {
    const view = declareModal(
      t,
      { channel: 'C0OPS', quote: { text: 'x'.repeat(5_000), channel: 'C0OPS', ts: '1.2' } },
      ['laojun-gateway'],
      { severity: 'SEV3', title: '登录失败' },
    );
    expect(validateBlocks(view.blocks).ok).toBe(true);
    expect(String(view.private_metadata).length).toBeLessThanOrEqual(3_000);
    const bad = validateDeclare(
      t,
      { title: { value: { value: '' } }, severity: { value: { selected_option: { value: 'SEV9' } } } },
      ['laojun-gateway'],
    );
    expect(bad.ok).toBe(false);
    expect(!bad.ok && Object.keys(bad.errors).sort()).toEqual(['severity', 'title']);
    expect(validateUpdate(t, { update: { value: { value: '  ' } } }).ok).toBe(false);
    expect(validateUpdate(t, { update: { value: { value: 'ok' } } })).toEqual({
      ok: true,
      value: { text: 'ok' },
    });
  });
});
