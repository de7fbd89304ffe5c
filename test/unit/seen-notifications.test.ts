import { describe, expect, it } from 'vitest';
import type { IntakeResult } from '../../src/incidents/intake.ts';
import { SeenNotifications } from '../../src/incidents/receive.ts';

/** A stand-in for intake: counts its calls, answers when `release` is called (or fails). */
function store(outcome: 'stored' | 'fails') {
  let calls = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const run = async (): Promise<IntakeResult> => {
    calls++;
    await gate;
    if (outcome === 'fails') throw new Error('database unavailable');
    return {
      outcome: 'stored',
      dedupKey: 'k',
      incidentId: 1,
      decision: 'open',
      changed: true,
      version: 1,
      stormId: null,
      sync: [],
    };
  };
  return { run, calls: () => calls, release: () => release() };
}

describe('notifications this process has stored', () => {
  it('answers a delivery of one being stored as a duplicate once the first is stored, storing it once', async () => {
    const seen = new SeenNotifications();
    const s = store('stored');
    const first = seen.once('k', s.run);
    const second = seen.once('k', s.run);
    s.release();
    expect((await first).outcome).toBe('stored');
    expect(await second).toEqual({ outcome: 'duplicate', dedupKey: 'k' });
    // Later deliveries: answered at once, nothing stored.
    expect(await seen.once('k', s.run)).toEqual({ outcome: 'duplicate', dedupKey: 'k' });
    expect(s.calls()).toBe(1);
    // Another notification is stored as usual.
    const other = store('stored');
    other.release();
    expect((await seen.once('other', other.run)).outcome).toBe('stored');
    expect(other.calls()).toBe(1);
  });

  it('stores a delivery again when the first failed (nothing was stored)', async () => {
    const seen = new SeenNotifications();
    const failing = store('fails');
    const first = seen.once('k', failing.run);
    const retry = store('stored');
    const second = seen.once('k', retry.run);
    failing.release();
    retry.release();
    await expect(first).rejects.toThrow('database unavailable');
    expect((await second).outcome).toBe('stored');
    expect(retry.calls()).toBe(1);
  });
});
