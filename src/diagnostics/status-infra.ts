import type { ServiceConfig } from '../config.ts';
import type { Deps } from '../deps.ts';
import type { Tone } from '../report/report.ts';
import { clusterHealth } from '../sources/elasticsearch.ts';
import { minioLive } from '../sources/http-health.ts';
import { connections } from '../sources/pg-diagnostics.ts';
import { postgresHealth } from '../sources/postgres.ts';
import { probe } from '../sources/probe.ts';
import { redisHealth } from '../sources/redis.ts';
import { type Check, fig, fromProbe } from './checks.ts';
import { healthCheck } from './status-http.ts';
import { formatBytes, formatPct } from './text.ts';

/** Checks of PostgreSQL, Redis, MinIO and Elasticsearch services (each probe with its own timeout). */
export async function infraChecks(deps: Deps, service: ServiceConfig, detail: boolean): Promise<Check[]> {
  const { t } = deps;
  const timeoutMs = deps.config.file.probes.timeoutMs;
  const notConfigured = (id: string, setting: string): Check[] => [
    {
      id,
      label: t(`diagnostics.status.${id}`),
      tone: 'unknown',
      value: t('diagnostics.status.notConfigured', { setting }),
      brief: true,
    },
  ];
  const withHealth = async (checks: Check[]) =>
    service.healthUrl ? [...checks, await healthCheck(deps, service, detail)] : checks;

  switch (service.kind) {
    case 'postgres': {
      const pool = deps.sources.targetDb();
      const [h, c] = await Promise.all([
        probe(timeoutMs, () => postgresHealth(pool)),
        detail ? probe(timeoutMs, () => connections(pool)) : undefined,
      ]);
      const checks = [
        fromProbe('connections', t('diagnostics.status.connections'), h, (v, ms) => {
          const ratio = v.connections / v.maxConnections;
          const tone: Tone = ratio > 0.8 ? 'warn' : 'ok';
          return {
            tone,
            value: `PostgreSQL ${v.version}, ${v.connections}/${v.maxConnections} (${formatPct(ratio, 0)}), ${ms} ms`,
            figures: {
              version: fig(v.version),
              connections: fig(v.connections, 'count'),
              maxConnections: fig(v.maxConnections, 'count'),
              usedRatio: fig(ratio, 'ratio'),
              latency: fig(ms, 'ms'),
            },
          };
        }),
      ];
      if (c) {
        checks.push(
          fromProbe(
            'byState',
            t('diagnostics.status.byState'),
            c,
            (v) => {
              const byState = new Map<string, number>();
              for (const g of v.groups) byState.set(g.state, (byState.get(g.state) ?? 0) + g.count);
              return {
                tone: 'info',
                value: [...byState.entries()].map(([s, n]) => `${s} ${n}`).join(', ') || '—',
              };
            },
            false,
          ),
        );
      }
      return withHealth(checks);
    }
    case 'redis': {
      const r = await probe(timeoutMs, () => redisHealth(deps.sources.targetRedis()));
      const checks = [
        fromProbe('memory', t('diagnostics.status.memory'), r, (v, ms) => {
          const ratio = v.maxMemory > 0 ? v.usedMemory / v.maxMemory : 0;
          const memory =
            v.maxMemory > 0
              ? `${formatBytes(v.usedMemory)}/${formatBytes(v.maxMemory)} (${formatPct(ratio, 0)})`
              : `${formatBytes(v.usedMemory)} (${t('diagnostics.status.noMaxmemory')})`;
          return {
            tone: ratio > 0.9 ? 'warn' : 'ok',
            value: `Redis ${v.version}, ${memory}, ${ms} ms`,
            figures: {
              version: fig(v.version),
              usedMemory: fig(v.usedMemory, 'bytes'),
              // 0: no maxmemory set.
              maxMemory: fig(v.maxMemory, 'bytes'),
              ...(v.maxMemory > 0 ? { usedRatio: fig(ratio, 'ratio') } : {}),
              latency: fig(ms, 'ms'),
            },
          };
        }),
        fromProbe('clients', t('diagnostics.status.clients'), r, (v) => ({
          tone: 'ok',
          value: String(v.clients),
          figures: { clients: fig(v.clients, 'count') },
        })),
        fromProbe('hitRatio', t('diagnostics.status.hitRatio'), r, (v) => ({
          tone: 'ok',
          value: v.hitRatio === undefined ? t('diagnostics.status.noData') : formatPct(v.hitRatio),
          ...(v.hitRatio === undefined ? {} : { figures: { hitRatio: fig(v.hitRatio, 'ratio') } }),
        })),
      ];
      return withHealth(checks);
    }
    case 'minio': {
      const endpoint = deps.config.minio.endpoint;
      if (!endpoint) return notConfigured('live', 'MINIO_ENDPOINT');
      const r = await probe(timeoutMs, (signal) => minioLive(deps.fetch, endpoint, signal));
      return withHealth([
        fromProbe('live', t('diagnostics.status.live'), r, (h, ms) => ({
          tone: h.ok ? 'ok' : 'error',
          value: `HTTP ${h.status}, ${ms} ms`,
          figures: { httpStatus: fig(h.status), latency: fig(ms, 'ms') },
        })),
      ]);
    }
    case 'elasticsearch': {
      const es = deps.sources.elasticsearch;
      if (!es) return notConfigured('cluster', 'ELASTICSEARCH_URL');
      const r = await probe(timeoutMs, (signal) => clusterHealth(es(), signal));
      return withHealth([
        fromProbe('cluster', t('diagnostics.status.cluster'), r, (h, ms) => ({
          tone: h.status === 'green' ? 'ok' : h.status === 'yellow' ? 'warn' : 'error',
          value: detail
            ? `${h.status}, ${h.clusterName}, ${t('diagnostics.status.esNodes', { n: h.nodes })}, ${t('diagnostics.status.esUnassigned', { n: h.unassignedShards })}, ${ms} ms`
            : `${h.status}, ${t('diagnostics.status.esNodes', { n: h.nodes })}, ${ms} ms`,
          figures: {
            status: fig(h.status),
            nodes: fig(h.nodes, 'count'),
            unassignedShards: fig(h.unassignedShards, 'count'),
            latency: fig(ms, 'ms'),
          },
        })),
      ]);
    }
    default:
      return withHealth([]);
  }
}
