import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { Deps } from '../src/deps.ts';
import type { Report, Tone } from '../src/report/report.ts';
import { probe } from '../src/sources/probe.ts';

/** Disk usage per instance, the manual's DiskSpaceHigh expression without its threshold. */
export const DISK_QUERY = '1 - disk_free_bytes / disk_total_bytes';
const WARN = 0.85;

const args = z.object({
  positional: z.array(z.string()).max(0, 'no arguments expected'),
  flags: z.object({}),
});

const gib = (bytes: number) => `${(bytes / 1024 ** 3).toFixed(1)} GiB`;

/** `/disk`: used share of every instance's disk from Prometheus; unknown with the reason when it cannot say. */
export async function diskReport(deps: Deps): Promise<Report> {
  const { t } = deps;
  const title = t('diagnostics.disk.title');
  const prom = deps.sources.prometheus;
  if (!prom) {
    return {
      title,
      tone: 'unknown',
      summary: t('diagnostics.status.notConfigured', { setting: 'PROMETHEUS_URL' }),
    };
  }
  const timeoutMs = deps.config.file.probes.timeoutMs;
  const [used, free] = await Promise.all([
    probe(timeoutMs, () => prom.query(DISK_QUERY, { timeoutMs })),
    probe(timeoutMs, () => prom.query('disk_free_bytes', { timeoutMs })),
  ]);
  if (!used.ok) return { title, tone: 'unknown', summary: `⚪ ${deps.redact(used.reason)}` };
  if (used.value.length === 0) return { title, tone: 'unknown', summary: t('diagnostics.disk.noData') };
  const key = (l: Record<string, string>) =>
    `${l.instance ?? ''}|${l.job ?? ''}|${l.mountpoint ?? l.device ?? ''}`;
  const freeBy = new Map((free.ok ? free.value : []).map((s) => [key(s.labels), s.value]));
  const rows = [...used.value]
    .sort((a, b) => b.value - a.value)
    .slice(0, 30)
    .map((s) => {
      const f = freeBy.get(key(s.labels));
      return [
        `${s.value >= WARN ? '🟠' : '🟢'} ${s.labels.instance ?? '—'}`,
        s.labels.job ?? '—',
        s.labels.mountpoint ?? s.labels.device ?? '—',
        `${(s.value * 100).toFixed(1)}%`,
        f === undefined ? '—' : gib(f),
      ];
    });
  const high = used.value.filter((s) => s.value >= WARN).length;
  const tone: Tone = high > 0 ? 'warn' : 'ok';
  return {
    title,
    tone,
    summary: t('diagnostics.disk.summary', { count: used.value.length, high, threshold: WARN * 100 }),
    blocks: [
      {
        kind: 'table',
        table: {
          columns: t('diagnostics.disk.columns', { returnObjects: true }) as string[],
          rows: rows.map((r) => r.map((c) => deps.redact(c))),
        },
      },
    ],
    context: [DISK_QUERY],
  };
}

export default defineCommand({
  name: 'disk',
  summary: {
    'zh-CN': '各实例磁盘使用率（Prometheus：1 - disk_free_bytes / disk_total_bytes）',
    en: 'Disk usage per instance (Prometheus: 1 - disk_free_bytes / disk_total_bytes)',
  },
  usage: '/disk',
  examples: ['/disk'],
  permission: 'status',
  args,
  run: (_a, ctx) => diskReport(ctx.deps),
});
