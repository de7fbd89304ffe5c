import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decide, diffAlerts, type StoredAlert } from '../../src/incidents/diff.ts';
import { dedupKey, parseWebhook, type WebhookPayload } from '../../src/incidents/payload.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url), 'utf8'));

function payload(name: string, patch: (p: Record<string, unknown>) => void = () => {}): WebhookPayload {
  const raw = fixture(name) as Record<string, unknown>;
  patch(raw);
  const r = parseWebhook(raw);
  if (!r.ok) throw new Error(r.message);
  return r.payload;
}

const NOW = new Date('2026-11-25T20:00:00Z');

describe('webhook payload', () => {
  it('accepts every fixture, and newer fields such as notification_reason and routeLabels', () => {
    for (const name of [
      'ServiceDown',
      'HighErrorRate',
      'HighResponseTime',
      'DatabaseConnectionHigh',
      'DiskSpaceHigh',
    ]) {
      for (const status of ['firing', 'resolved']) {
        expect(parseWebhook(fixture(`${name}-${status}`)).ok).toBe(true);
      }
    }
    const newer = {
      ...(fixture('ServiceDown-firing') as object),
      notification_reason: 'first notification',
      routeLabels: { team: 'ops' },
      somethingFromTheFuture: [1, 2],
    };
    expect(parseWebhook(newer).ok).toBe(true);
  });

  it('refuses bodies that can never be accepted, naming the field', () => {
    const bad = (patch: Record<string, unknown>) =>
      parseWebhook({ ...(fixture('ServiceDown-firing') as object), ...patch });
    expect(bad({ version: '3' })).toMatchObject({ ok: false, message: expect.stringContaining('version') });
    expect(bad({ groupKey: undefined })).toMatchObject({
      ok: false,
      message: expect.stringContaining('groupKey'),
    });
    expect(bad({ alerts: [{ status: 'firing' }] })).toMatchObject({
      ok: false,
      message: expect.stringContaining('alerts.0'),
    });
    expect(parseWebhook([1, 2])).toMatchObject({ ok: false });
  });

  it('refuses a 100k-deep body and times outside years 1–9999, and still takes the zero time', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { x: deep };
    const good = fixture('ServiceDown-firing') as { alerts: Array<Record<string, unknown>> };
    expect(parseWebhook({ ...good, extra: deep })).toEqual({
      ok: false,
      message: 'nested deeper than 32 levels',
    });
    const at = (patch: Record<string, unknown>) =>
      parseWebhook({ ...good, alerts: good.alerts.map((a) => ({ ...a, ...patch })) });
    expect(at({ startsAt: '-200000-01-01T00:00:00Z' })).toMatchObject({
      ok: false,
      message: expect.stringMatching(
        /^alerts\.0\.startsAt: expected an RFC 3339 timestamp between the years 1 and 9999/,
      ),
    });
    expect(at({ endsAt: '+275760-09-13T00:00:00Z' })).toMatchObject({
      ok: false,
      message: expect.stringContaining('endsAt'),
    });
    expect(at({ endsAt: '0001-01-01T00:00:00Z' }).ok).toBe(true);
  });

  it('dedup key ignores alert order and timestamp spelling, but not status', () => {
    const a = payload('ServiceDown-firing', (p) => {
      const alert = (p.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
      p.alerts = [alert, { ...alert, fingerprint: 'bbbb', startsAt: '2026-11-25T19:28:27Z' }];
    });
    const b = {
      ...a,
      alerts: [...a.alerts].reverse().map((x) => ({ ...x, startsAt: new Date(x.startsAt).toISOString() })),
    };
    expect(dedupKey(b)).toBe(dedupKey(a));
    const resolved = payload('ServiceDown-resolved');
    expect(dedupKey(resolved)).not.toBe(dedupKey(payload('ServiceDown-firing')));
  });
});

describe('diffAlerts', () => {
  it('first notification: every firing alert is added', () => {
    const d = diffAlerts([], payload('ServiceDown-firing'), NOW);
    expect(d.changes.map((c) => c.kind)).toEqual(['added']);
    expect(d.next).toHaveLength(1);
    expect(decide(undefined, d, NOW, 60_000)).toEqual({ kind: 'open' });
  });

  it('a repeat of the same content is not news', () => {
    const first = diffAlerts([], payload('ServiceDown-firing'), NOW);
    const again = diffAlerts(first.next, payload('ServiceDown-firing'), NOW);
    expect(again.changes).toEqual([]);
    expect(again.touched).toBe(false);
  });

  it('resolution resolves the stored alert; a late firing copy of the same episode changes nothing', () => {
    const fired = diffAlerts([], payload('ServiceDown-firing'), NOW).next;
    const resolved = diffAlerts(fired, payload('ServiceDown-resolved'), NOW);
    expect(resolved.changes.map((c) => c.kind)).toEqual(['resolved']);
    expect(resolved.next[0]?.status).toBe('resolved');
    expect(resolved.next[0]?.endsAt).toBe('2026-11-25T19:28:29.005Z');
    const stale = diffAlerts(resolved.next, payload('ServiceDown-firing'), NOW);
    expect(stale.changes).toEqual([]);
  });

  it('the same fingerprint with a later startsAt re-fires', () => {
    const fired = diffAlerts([], payload('ServiceDown-firing'), NOW).next;
    const resolved = diffAlerts(fired, payload('ServiceDown-resolved'), NOW).next;
    const again = payload('ServiceDown-firing', (p) => {
      ((p.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>).startsAt =
        '2026-11-25T19:40:00Z';
    });
    const d = diffAlerts(resolved, again, NOW);
    expect(d.changes.map((c) => c.kind)).toEqual(['refired']);
    expect(
      decide({ status: 'resolved', resolvedAt: new Date(NOW.getTime() - 60_000) }, d, NOW, 30 * 60_000),
    ).toEqual({
      kind: 'reopen',
    });
    expect(
      decide({ status: 'resolved', resolvedAt: new Date(NOW.getTime() - 3_600_000) }, d, NOW, 30 * 60_000),
    ).toEqual({
      kind: 'open',
    });
  });

  it('new fingerprints in an open group are added; alerts missing from an all-resolved group resolve', () => {
    const base = payload('ServiceDown-firing');
    const stored: StoredAlert[] = diffAlerts([], base, NOW).next;
    const two = payload('ServiceDown-firing', (p) => {
      const a = (p.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
      p.alerts = [a, { ...a, fingerprint: 'ffff0001', labels: { ...(a.labels as object), instance: 'b:1' } }];
    });
    const added = diffAlerts(stored, two, NOW);
    expect(added.changes.map((c) => [c.kind, c.alert.fingerprint])).toEqual([['added', 'ffff0001']]);
    const allResolved = payload('ServiceDown-resolved');
    const d = diffAlerts(added.next, allResolved, NOW);
    expect(d.changes.map((c) => c.kind).sort()).toEqual(['resolved', 'resolved']);
    expect(d.next.every((a) => a.status === 'resolved')).toBe(true);
  });

  it('a truncated resolved group does not resolve what it did not list', () => {
    const stored = diffAlerts(
      [],
      payload('ServiceDown-firing', (p) => {
        const a = (p.alerts as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
        p.alerts = [a, { ...a, fingerprint: 'ffff0002' }];
      }),
      NOW,
    ).next;
    const truncated = payload('ServiceDown-resolved', (p) => {
      p.truncatedAlerts = 1;
    });
    const d = diffAlerts(stored, truncated, NOW);
    expect(d.next.find((a) => a.fingerprint === 'ffff0002')?.status).toBe('firing');
  });

  it('a group that is only resolved and unknown is ignored', () => {
    const d = diffAlerts([], payload('DiskSpaceHigh-resolved'), NOW);
    expect(decide(undefined, d, NOW, 60_000).kind).toBe('ignore');
  });
});
