import { describe, expect, it } from 'vitest';
import { peakTrend } from '../../src/digest/capacity.ts';

describe('capacity trend of the daily peaks', () => {
  it('follows the week, so one busy day does not pull the crossing date in', () => {
    // Peaks growing 5 req/s a day, then a spike today: the day-over-day difference would say +30.
    const trend = peakTrend([130, 100, 95, 90, 85, 80, 75]);
    expect(trend?.days).toBe(7);
    expect(trend?.slope).toBeGreaterThan(5);
    expect(trend?.slope).toBeLessThan(10);
  });

  it('skips days without data and needs at least two', () => {
    expect(peakTrend([120, undefined, 100])).toEqual({ slope: 10, days: 2 });
    expect(peakTrend([120, undefined])).toBeUndefined();
    expect(peakTrend([])).toBeUndefined();
  });

  it('is negative when traffic is shrinking', () => {
    expect(peakTrend([80, 90, 100])?.slope).toBeCloseTo(-10);
  });
});
