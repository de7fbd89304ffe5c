import { describe, expect, it } from 'vitest';
import { Slots } from '../../src/store/slots.ts';

describe('Slots (webhook transactions leave database connections to the workers)', () => {
  it('runs at most `size` at once, the rest in arrival order, and frees the slot on failure', async () => {
    const slots = new Slots(2);
    let running = 0;
    let most = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const task = (i: number, fail = false) =>
      slots.run(async () => {
        running += 1;
        most = Math.max(most, running);
        order.push(i);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        if (fail) throw new Error(`task ${i} failed`);
        return i;
      });
    const all = [task(0, true), task(1), task(2), task(3)].map((p) => p.catch((e: Error) => e.message));
    // Release whichever tasks are running until every one has finished.
    while (gates.length || running) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(all)).toEqual(['task 0 failed', 1, 2, 3]);
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3]);
    // A failure gave its slot back: two more can run at once again.
    const again = await Promise.all([slots.run(async () => 'a'), slots.run(async () => 'b')]);
    expect(again).toEqual(['a', 'b']);
  });
});
