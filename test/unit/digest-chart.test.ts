import { describe, expect, it } from 'vitest';
import {
  type ChartSeries,
  chartSvg,
  chartText,
  collectChart,
  findCjkFont,
  renderChart,
} from '../../src/digest/chart.ts';
import { DigestQueries } from '../../src/digest/prom.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { PrometheusClient } from '../../src/sources/prometheus.ts';

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

/** The data lines of an ECharts SVG: paths of many segments (axes, ticks and legend icons have few). */
function drawnLines(svg: string): string[] {
  return [...svg.matchAll(/<path d="([^"]+)"/g)]
    .map((m) => m[1] ?? '')
    .filter((d) => (d.match(/L/g)?.length ?? 0) > 20);
}

describe('digest chart data', () => {
  /** A Prometheus answering every range query with one series per job, missing where `down` says. */
  function prometheus(down: (t: number) => boolean): PrometheusClient {
    return new PrometheusClient('http://prometheus.test:9090', {
      fetch: async (input) => {
        const u = new URL(String(input));
        const start = Number(u.searchParams.get('start'));
        const end = Number(u.searchParams.get('end'));
        const step = Number(u.searchParams.get('step'));
        const values: Array<[number, string]> = [];
        for (let t = start; t <= end + 1e-6; t += step) if (!down(t)) values.push([t, '0.25']);
        return Response.json({
          status: 'success',
          data: { resultType: 'matrix', result: [{ metric: { job: 'laojun-gateway' }, values }] },
        });
      },
    });
  }

  it('a service down 6 of 24 hours is drawn with a gap, not a line through the outage', async () => {
    const end = new Date('2026-11-25T00:00:00Z');
    const endS = end.getTime() / 1000;
    const outage = (t: number) => t > endS - 12 * 3600 && t <= endS - 6 * 3600;
    const [gw] = await collectChart(new DigestQueries(prometheus(outage), end, 1_000), 'laojun-.*');
    if (!gw) throw new Error('no series');
    expect(gw.rps).toHaveLength(144);
    const missing = gw.rps.filter(([, v]) => v === null);
    expect(missing).toHaveLength(36);
    expect(missing.every(([t]) => outage(t))).toBe(true);
    expect(gw.p95Ms.filter(([, v]) => v === null)).toHaveLength(36);

    // The drawn line is two pieces: ECharts starts a new subpath (M) after the gap.
    const svg = chartSvg([gw], { labels: { title: 'x', rps: 'rps', p95: 'p95' } });
    const lines = drawnLines(svg);
    expect(lines).toHaveLength(2);
    for (const d of lines) expect(d.match(/M/g)).toHaveLength(2);

    const joined = chartSvg(
      [{ ...gw, rps: gw.rps.filter(([, v]) => v !== null), p95Ms: gw.p95Ms.filter(([, v]) => v !== null) }],
      { labels: { title: 'x', rps: 'rps', p95: 'p95' } },
    );
    const joinedLines = [...joined.matchAll(/<path d="([^"]+)"[^>]*stroke-width="2"/g)].map(
      (m) => m[1] ?? '',
    );
    for (const d of joinedLines) expect(d.match(/M/g)).toHaveLength(1);
  });
});
