import { afterAll, describe, expect, it } from 'vitest';
import { eventually, startTestBot, type TestBot } from '../helpers/bot.ts';
import { CHANNEL, configFile, alertGroup as group, postAlerts, roots, textOf } from '../helpers/incidents.ts';
import { settled } from '../helpers/settled.ts';

describe('a storm too big for one message', () => {
  let t: TestBot | undefined;
  afterAll(async () => {
    await t?.stop();
  });

  it('names what fits, counts the rest, and puts the full list in a file in its thread; none lost or doubled', async () => {
    t = await startTestBot({
      CONFIG_FILE: configFile('incidents:\n  storm:\n    maxNewIncidents: 2\n    windowSeconds: 60\n'),
    });
    const bot = t;
    const started = new Date(Date.now() - 60_000);
    // Two groups get roots of their own; then 300 with long names, far more than one message holds.
    for (const name of ['First0', 'First1'])
      expect((await postAlerts(bot.url, group(name, 1, 'firing', started))).status).toBe(200);
    // Their roots are posted before the storm begins (a root still waiting would join the storm).
    await eventually(() => roots(bot.slack).length === 2);
    const names = Array.from(
      { length: 300 },
      (_, i) => `LaojunGatewayUpstreamLatencyHigh${String(i).padStart(4, '0')}`,
    );
    for (let i = 0; i < names.length; i += 20) {
      const statuses = await Promise.all(
        names
          .slice(i, i + 20)
          .map(async (n) => (await postAlerts(bot.url, group(n, 1, 'firing', started))).status),
      );
      expect(statuses.every((s) => s === 200)).toBe(true);
    }

    const storm = await eventually(
      () => roots(bot.slack).find((m) => textOf(m).includes('300 个告警组（300 个告警中）')),
      60_000,
    );
    const text = textOf(storm);
    // Counts first, then names under their severity; what does not fit is counted and pointed to.
    expect(text).toContain('🔥 300 个告警中');
    expect(text).toContain('critical · 300 个告警组');
    const unnamed = Number(/还有 (\d+) 个告警组放不下/.exec(text)?.[1]);
    expect(unnamed).toBeGreaterThan(0);
    const shown = names.filter((n) => text.includes(n));
    expect(shown.length + unnamed).toBe(300);

    // The full list: one file in the storm message's thread, every group once.
    // The newest file (one per tenth of growth while the storm grows, a last one once it is quiet).
    const rowsOf = (u: { bytes: Buffer }) => u.bytes.toString('utf8').trimEnd().split('\n').slice(1);
    const file = await eventually(
      () =>
        bot.slack.uploads.find(
          (u) => u.completed && u.channel === CHANNEL && u.thread_ts === storm.ts && rowsOf(u).length === 300,
        ),
      60_000,
    );
    const rows = rowsOf(file);
    const listed = rows.map((r) => r.split('\t')[2]);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...names].sort());
    // Two roots and the storm message: nothing else at the top level.
    expect(roots(bot.slack)).toHaveLength(3);
    expect(bot.slack.rejected.filter((c) => c.status !== 429)).toEqual([]);
  });

  it('a group whose root is still waiting when the storm begins is named in the storm message instead', async () => {
    await t?.stop();
    // One post per 5 s: of the two groups before the storm, one root goes out, the other waits.
    t = await startTestBot({
      CONFIG_FILE: configFile('incidents:\n  postsPerSecond: 0.2\n  storm:\n    maxNewIncidents: 2\n'),
    });
    const bot = t;
    const started = new Date(Date.now() - 60_000);
    for (const name of ['Early0', 'Early1'])
      expect((await postAlerts(bot.url, group(name, 1, 'firing', started))).status).toBe(200);
    const stormed = Array.from({ length: 10 }, (_, i) => `Stormed${i}`);
    for (const name of stormed)
      expect((await postAlerts(bot.url, group(name, 1, 'firing', started))).status).toBe(200);

    // The storm message names all ten and the early group that had no root yet.
    const storm = await eventually(
      () => roots(bot.slack).find((m) => textOf(m).includes('11 个告警组（11 个告警中）')),
      30_000,
    );
    for (const name of stormed) expect(textOf(storm)).toContain(name);
    const early = ['Early0', 'Early1'];
    const inStorm = early.filter((n) => textOf(storm).includes(n));
    expect(inStorm).toHaveLength(1);
    // The other early group has its root; nothing else is at the top level, then or later.
    const own = roots(bot.slack).filter((m) => m.ts !== storm.ts);
    expect(own.map(textOf).join('\n')).toContain(early.find((n) => !inStorm.includes(n)));
    await settled(bot);
    expect(roots(bot.slack)).toHaveLength(2);
  });
});
