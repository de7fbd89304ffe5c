import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import type { Deps } from '../deps.ts';
import { createTranslator } from '../i18n/index.ts';
import type { RangeSeries } from '../sources/prometheus.ts';
import { DAY_SECONDS, type DigestQueries, quoteRegex } from './prom.ts';

/** [unix seconds, value]; null where there is no data (drawn as a gap, not joined across). */
export type ChartPoint = [number, number | null];

export interface ChartSeries {
  job: string;
  /** [unix seconds, requests per second], one point per step of the 24 h. */
  rps: ChartPoint[];
  /** [unix seconds, p95 in ms], one point per step of the 24 h. */
  p95Ms: ChartPoint[];
}

const STEP_SECONDS = 600;
/** More lines than this are unreadable; the busiest are drawn. */
const MAX_LINES = 8;

export function chartQueries(jobs: string) {
  const sel = `job=~${quoteRegex(jobs)}`;
  return {
    rps: `sum by (job) (rate(http_requests_total{${sel}}[10m]))`,
    p95: `histogram_quantile(0.95, sum by (job, le) (rate(http_request_duration_seconds_bucket{${sel}}[10m])))`,
  };
}

/**
 * The series on the query's full grid (`startSeconds` + k × step): a step Prometheus returned no
 * value for (the service was down, not scraped) or a non-finite one is null, so the chart breaks the
 * line there instead of joining the points on either side of an outage.
 */
export function onGrid(
  s: RangeSeries | undefined,
  grid: { startSeconds: number; stepSeconds: number; steps: number },
  scale = 1,
): ChartPoint[] {
  const byStep = new Map<number, number>();
  for (const [t, v] of s?.points ?? []) {
    if (Number.isFinite(v)) byStep.set(Math.round((t - grid.startSeconds) / grid.stepSeconds), v * scale);
  }
  return Array.from({ length: grid.steps }, (_, k) => [
    grid.startSeconds + k * grid.stepSeconds,
    byStep.get(k) ?? null,
  ]);
}

export async function collectChart(q: DigestQueries, jobs: string): Promise<ChartSeries[]> {
  const e = chartQueries(jobs);
  const [rps, p95] = await Promise.all([q.last24h(e.rps, STEP_SECONDS), q.last24h(e.p95, STEP_SECONDS)]);
  const total = (s: RangeSeries) => s.points.reduce((n, [, v]) => n + (Number.isFinite(v) ? v : 0), 0);
  const steps = DAY_SECONDS / STEP_SECONDS;
  const grid = {
    startSeconds: q.now.getTime() / 1000 - (steps - 1) * STEP_SECONDS,
    stepSeconds: STEP_SECONDS,
    steps,
  };
  return [...rps]
    .sort((a, b) => total(b) - total(a))
    .slice(0, MAX_LINES)
    .map((s) => {
      const job = s.labels.job ?? '';
      return {
        job,
        rps: onGrid(s, grid),
        p95Ms: onGrid(
          p95.find((p) => p.labels.job === job),
          grid,
          1000,
        ),
      };
    })
    .sort((a, b) => a.job.localeCompare(b.job));
}

/** Where Debian's CJK font packages put their fonts (fonts-wqy-microhei is in the bot's image). */
export const CJK_FONT_FILES = [
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
];

/** The first CJK font file that exists, or undefined: Chinese labels need one, else they render blank. */
export function findCjkFont(candidates: readonly string[] = CJK_FONT_FILES): string | undefined {
  return candidates.find((f) => existsSync(f));
}

/**
 * The chart's labels in the bot's language when a CJK font is installed (or the language needs none);
 * otherwise in English, which every font can draw.
 */
export function chartText(
  deps: Pick<Deps, 't' | 'locale'>,
  findFont: () => string | undefined = findCjkFont,
): { labels: ChartLabels; fontFile?: string } {
  const cjkFont = deps.locale === 'en' ? undefined : findFont();
  const t = deps.locale === 'en' || cjkFont ? deps.t : createTranslator('en');
  const labels = { title: t('digest.chartTitle'), rps: t('digest.chartRps'), p95: t('digest.chartP95') };
  return cjkFont ? { labels, fontFile: cjkFont } : { labels };
}

export interface ChartLabels {
  title: string;
  rps: string;
  p95: string;
}

/**
 * Request rate and p95 latency per API over 24 h as a PNG: ECharts renders SVG on the server,
 * resvg rasterises it. `fontFile` (a CJK font) is loaded besides the system fonts; resvg falls back to
 * it for glyphs the default font lacks.
 */
export function renderChart(series: ChartSeries[], opts: ChartOptions): Buffer {
  return new Resvg(chartSvg(series, opts), {
    background: '#ffffff',
    font: { loadSystemFonts: true, ...(opts.fontFile ? { fontFiles: [opts.fontFile] } : {}) },
  })
    .render()
    .asPng();
}

export interface ChartOptions {
  labels: ChartLabels;
  fontFile?: string;
  timeZone?: string;
  width?: number;
  height?: number;
}

/** The chart as SVG (ECharts' server-side renderer). */
export function chartSvg(series: ChartSeries[], opts: ChartOptions): string {
  const width = opts.width ?? 1000;
  const height = opts.height ?? 640;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  // Axis times in the digest's time zone, not the server's.
  const hhmm = new Intl.DateTimeFormat('en-GB', {
    timeZone: opts.timeZone ?? 'UTC',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const axisLabel = { formatter: (value: number) => hhmm.format(new Date(value)) };
  const line = (name: string, data: ChartPoint[], axis: number) => ({
    name,
    type: 'line' as const,
    showSymbol: false,
    // A missing step breaks the line: an outage shows as a gap, never as a line drawn through it.
    connectNulls: false,
    xAxisIndex: axis,
    yAxisIndex: axis,
    data: data.map(([t, v]) => [t * 1000, v ?? '-']),
  });
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    title: [
      { text: opts.labels.title, left: 'center', top: 6, textStyle: { fontSize: 16 } },
      { text: opts.labels.rps, left: 60, top: 40, textStyle: { fontSize: 12, fontWeight: 'normal' } },
      { text: opts.labels.p95, left: 60, top: '53%', textStyle: { fontSize: 12, fontWeight: 'normal' } },
    ],
    legend: { bottom: 4, type: 'plain', itemGap: 24, data: series.map((s) => s.job) },
    grid: [
      { left: 60, right: 30, top: 64, height: '32%' },
      { left: 60, right: 30, top: '59%', height: '28%' },
    ],
    xAxis: [
      { type: 'time', gridIndex: 0, axisLabel },
      { type: 'time', gridIndex: 1, axisLabel },
    ],
    yAxis: [
      { type: 'value', gridIndex: 0 },
      { type: 'value', gridIndex: 1 },
    ],
    series: series.flatMap((s) => [line(s.job, s.rps, 0), line(s.job, s.p95Ms, 1)]),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}
