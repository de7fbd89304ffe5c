import type { DigestQueries } from './prom.ts';

export interface InstanceFigures {
  instance: string;
  cpuAvg?: number;
  cpuMax?: number;
  memoryAvg?: number;
  memoryMax?: number;
  /** Used fraction now (worst filesystem of the instance). */
  diskUsed?: number;
  /** Days until the disk reaches the threshold at the 24 h trend; negative = already over; undefined = not filling. */
  diskDays?: number;
}

export interface ResourceFigures {
  instances: InstanceFigures[];
  postgres: Array<{ instance: string; peak: number; max?: number }>;
  redis: { usedBytes?: number; peakBytes?: number; maxBytes?: number; hitRatio?: number };
}

/**
 * The manual's metric names (cpu_usage_percent, memory_usage_percent, disk_free_bytes /
 * disk_total_bytes, db_connections_active / db_connections_max, cache_hits_total /
 * cache_misses_total). Redis memory has no name in the manual: redis_exporter's
 * redis_memory_used_bytes / redis_memory_max_bytes, and its keyspace counters when the
 * application's cache counters are absent.
 */
export function resourceQueries(threshold: number) {
  const free0 = 'predict_linear(disk_free_bytes[24h], 0)';
  const free1d = 'predict_linear(disk_free_bytes[24h], 86400)';
  const hits = (h: string, m: string) =>
    `sum(increase(${h}[24h])) / (sum(increase(${h}[24h])) + sum(increase(${m}[24h])))`;
  return {
    cpuAvg: 'avg by (instance) (avg_over_time(cpu_usage_percent[24h]))',
    cpuMax: 'max by (instance) (max_over_time(cpu_usage_percent[24h]))',
    memoryAvg: 'avg by (instance) (avg_over_time(memory_usage_percent[24h]))',
    memoryMax: 'max by (instance) (max_over_time(memory_usage_percent[24h]))',
    diskUsed: 'max by (instance) (1 - disk_free_bytes / disk_total_bytes)',
    // Days until free space falls to (1 - threshold) of the total, from the 24 h linear fit; only
    // filesystems that are filling (the fitted free space a day from now is lower).
    diskDays: `min by (instance) ((${free0} - ${(1 - threshold).toFixed(4)} * disk_total_bytes) / ((${free0} - ${free1d}) > 0))`,
    pgPeak: 'max by (instance) (max_over_time(db_connections_active[24h]))',
    pgMax: 'max by (instance) (db_connections_max)',
    redisUsed: 'max(redis_memory_used_bytes)',
    redisPeak: 'max(max_over_time(redis_memory_used_bytes[24h]))',
    redisMax: 'max(redis_memory_max_bytes > 0)',
    hitRatio: `(${hits('cache_hits_total', 'cache_misses_total')}) or (${hits('redis_keyspace_hits_total', 'redis_keyspace_misses_total')})`,
  };
}

export async function collectResources(q: DigestQueries, threshold: number): Promise<ResourceFigures> {
  const e = resourceQueries(threshold);
  const [cpuAvg, cpuMax, memAvg, memMax, diskUsed, diskDays, pgPeak, pgMax] = await Promise.all([
    q.byLabel(e.cpuAvg, 'instance'),
    q.byLabel(e.cpuMax, 'instance'),
    q.byLabel(e.memoryAvg, 'instance'),
    q.byLabel(e.memoryMax, 'instance'),
    q.byLabel(e.diskUsed, 'instance'),
    q.byLabel(e.diskDays, 'instance'),
    q.byLabel(e.pgPeak, 'instance'),
    q.byLabel(e.pgMax, 'instance'),
  ]);
  const [usedBytes, peakBytes, maxBytes, hitRatio] = await Promise.all([
    q.scalar(e.redisUsed),
    q.scalar(e.redisPeak),
    q.scalar(e.redisMax),
    q.scalar(e.hitRatio),
  ]);
  const names = [...new Set([...cpuAvg.keys(), ...memAvg.keys(), ...diskUsed.keys()])].sort();
  return {
    instances: names.map((instance) => ({
      instance,
      cpuAvg: cpuAvg.get(instance),
      cpuMax: cpuMax.get(instance),
      memoryAvg: memAvg.get(instance),
      memoryMax: memMax.get(instance),
      diskUsed: diskUsed.get(instance),
      diskDays: diskDays.get(instance),
    })),
    postgres: [...pgPeak.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([instance, peak]) => ({ instance, peak, max: pgMax.get(instance) })),
    redis: { usedBytes, peakBytes, maxBytes, hitRatio },
  };
}
