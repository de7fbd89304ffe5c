import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { ServiceConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import type { Report, ReportField, Tone } from '../src/report/report.ts';
import { postgresHealth } from '../src/sources/postgres.ts';
import { type ProbeResult, probe } from '../src/sources/probe.ts';
import { redisHealth } from '../src/sources/redis.ts';

const args = z
  .object({
    positional: z.array(z.string()).max(1, 'expected at most one service name'),
    flags: z.object({}),
  })
  .transform((a) => ({ service: a.positional[0]?.toLowerCase() }))
  .refine((a) => a.service === undefined || /^[a-z0-9][a-z0-9_.-]{0,62}$/.test(a.service), {
    message: 'a service name has lowercase letters, digits, - _ . only',
  });

interface Row {
  service: ServiceConfig;
  tone: Tone;
  detail: string;
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${Math.round((part / whole) * 100)}%` : '—';
}

/** `up` per Prometheus job, one query for all services. */
async function upByJob(deps: Deps): Promise<ProbeResult<Map<string, number[]>>> {
  const prometheus = deps.sources.prometheus;
  const timeoutMs = deps.config.file.probes.timeoutMs;
  if (!prometheus) return { ok: false, reason: deps.t('status.prometheusNotConfigured'), ms: 0 };
  return probe(timeoutMs, async () => {
    const samples = await prometheus.query('up{job=~"laojun-.*"}', { timeoutMs });
    const byJob = new Map<string, number[]>();
    for (const s of samples) {
      const job = s.labels.job ?? '';
      byJob.set(job, [...(byJob.get(job) ?? []), s.value]);
    }
    return byJob;
  });
}

async function checkService(
  deps: Deps,
  service: ServiceConfig,
  up: ProbeResult<Map<string, number[]>>,
): Promise<Row> {
  const { t } = deps;
  const timeoutMs = deps.config.file.probes.timeoutMs;
  const unknown = (reason: string): Row => ({ service, tone: 'unknown', detail: reason });
  switch (service.kind) {
    case 'http': {
      if (!up.ok) return unknown(up.reason);
      const job = service.job ?? service.name;
      const values = up.value.get(job);
      if (!values?.length) return unknown(t('status.noTargets', { job }));
      const healthy = values.filter((v) => v === 1).length;
      return {
        service,
        tone: healthy === values.length ? 'ok' : healthy === 0 ? 'error' : 'warn',
        detail: `up ${healthy}/${values.length}`,
      };
    }
    case 'postgres': {
      const r = await probe(timeoutMs, () => postgresHealth(deps.sources.targetDb()));
      if (!r.ok) return { service, tone: 'error', detail: r.reason };
      const v = r.value;
      const ratio = v.connections / v.maxConnections;
      return {
        service,
        tone: ratio > 0.8 ? 'warn' : 'ok',
        detail: `PostgreSQL ${v.version}, connections ${v.connections}/${v.maxConnections} (${pct(v.connections, v.maxConnections)}), ${r.ms} ms`,
      };
    }
    case 'redis': {
      const r = await probe(timeoutMs, () => redisHealth(deps.sources.targetRedis()));
      if (!r.ok) return { service, tone: 'error', detail: r.reason };
      const v = r.value;
      const memory =
        v.maxMemory > 0 ? `${mb(v.usedMemory)}/${mb(v.maxMemory)}` : `${mb(v.usedMemory)} (no maxmemory)`;
      const hit = v.hitRatio === undefined ? '' : `, hit ${(v.hitRatio * 100).toFixed(1)}%`;
      return {
        service,
        tone: 'ok',
        detail: `Redis ${v.version}, memory ${memory}, clients ${v.clients}${hit}, ${r.ms} ms`,
      };
    }
    default:
      return unknown(`${service.kind}: not checked by this version`);
  }
}

const STATE_KEY: Record<Tone, string> = {
  ok: 'status.up',
  warn: 'status.up',
  error: 'status.downState',
  unknown: 'status.unknownState',
  info: 'status.unknownState',
};

export default defineCommand({
  name: 'status',
  summary: {
    'zh-CN': '平台各服务、PostgreSQL 与 Redis 的健康状态',
    en: 'Health of every service, PostgreSQL and Redis',
  },
  usage: '/status [service]',
  examples: ['/status', '/status laojun-admin-api', '/status redis'],
  permission: 'status',
  args,
  validate(a, deps) {
    if (a.service && !deps.config.services.some((s) => s.name === a.service)) {
      return deps.t('status.unknownService', {
        service: a.service,
        list: deps.config.services.map((s) => s.name).join(', '),
      });
    }
    return undefined;
  },
  async run(a, ctx): Promise<Report> {
    const { deps } = ctx;
    const { t } = deps;
    const services = deps.config.services.filter((s) => !a.service || s.name === a.service);
    const needsUp = services.some((s) => s.kind === 'http');
    const up: ProbeResult<Map<string, number[]>> = needsUp
      ? await upByJob(deps)
      : { ok: true, value: new Map(), ms: 0 };
    const rows = await Promise.all(services.map((s) => checkService(deps, s, up)));
    const count = (tones: Tone[]) => rows.filter((r) => tones.includes(r.tone)).length;
    const down = count(['error']);
    const unknown = count(['unknown', 'info']);
    const upCount = count(['ok', 'warn']);
    const tone: Tone = down > 0 ? 'error' : count(['warn']) > 0 ? 'warn' : unknown > 0 ? 'unknown' : 'ok';
    const fields: ReportField[] = rows.map((r) => ({
      label: r.service.name,
      value: `${t(STATE_KEY[r.tone])} · ${r.detail}`,
    }));
    return {
      title: a.service ? t('status.titleService', { service: a.service }) : t('status.title'),
      tone,
      summary: t('status.summary', { up: upCount, down, unknown }),
      blocks: [{ kind: 'fields', fields }],
      context: [t('status.checkedAt', { time: deps.now().toISOString() })],
      data: rows.map((r) => ({ service: r.service.name, state: r.tone, detail: r.detail })),
    };
  },
});
