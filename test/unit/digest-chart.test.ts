import { describe, expect, it } from 'vitest';
import { type ChartSeries, chartText, findCjkFont, renderChart } from '../../src/digest/chart.ts';
import { createTranslator } from '../../src/i18n/index.ts';

const now = 1_795_600_000;
const series: ChartSeries[] = [
  {
    job: 'laojun-gateway',
    rps: [
      [now - 600, 20],
      [now, 25],
    ],
    p95Ms: [
      [now - 600, 120],
      [now, 140],
    ],
  },
];

describe('digest chart labels', () => {
  const zh = { t: createTranslator('zh-CN'), locale: 'zh-CN' as const };

  it('are Chinese with a CJK font installed, English without one (a font without the glyphs draws blanks)', () => {
    expect(chartText(zh, () => '/fonts/cjk.ttc')).toEqual({
      labels: { title: '太上老君 API · 过去 24 小时', rps: '每秒请求数', p95: 'p95 延迟（毫秒）' },
      fontFile: '/fonts/cjk.ttc',
    });
    expect(chartText(zh, () => undefined)).toEqual({
      labels: { title: 'Laojun APIs, last 24 h', rps: 'requests per second', p95: 'p95 latency (ms)' },
    });
    expect(chartText({ t: createTranslator('en'), locale: 'en' }, () => '/fonts/cjk.ttc').labels.rps).toBe(
      'requests per second',
    );
  });

  it('finds the first CJK font file that exists', () => {
    expect(findCjkFont(['/nonexistent/a.ttc', '/nonexistent/b.ttc'])).toBeUndefined();
    expect(findCjkFont(['/nonexistent/a.ttc', import.meta.filename])).toBe(import.meta.filename);
  });

  it('draws Chinese text with the installed CJK font (different words, different pictures)', () => {
    const font = findCjkFont();
    expect(font, 'no CJK font: apt-get install fonts-wqy-microhei').toBeDefined();
    const draw = (title: string) =>
      renderChart(series, {
        labels: { title, rps: '每秒请求数', p95: '延迟' },
        fontFile: font,
        timeZone: 'Asia/Shanghai',
      });
    const a = draw('每秒请求数');
    const b = draw('延迟毫秒数');
    expect(a.subarray(1, 4).toString()).toBe('PNG');
    // Missing glyphs would all be drawn as the same blank box: the two images would be identical.
    expect(a.equals(b)).toBe(false);
  });
});
