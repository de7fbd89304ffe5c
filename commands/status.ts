import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import { statusReport } from '../src/diagnostics/status.ts';

const args = z
  .object({
    positional: z.array(z.string()).max(1, 'expected at most one service name'),
    flags: z.object({}),
  })
  .transform((a) => ({ service: a.positional[0]?.toLowerCase() }))
  .refine((a) => a.service === undefined || /^[a-z0-9][a-z0-9_.-]{0,62}$/.test(a.service), {
    message: 'a service name has lowercase letters, digits, - _ . only',
  });

export default defineCommand({
  name: 'status',
  summary: {
    'zh-CN':
      '平台各服务的健康状态：up、请求率、p95、5xx 比例、/health、PostgreSQL、Redis、MinIO、Elasticsearch 与正在触发的告警',
    en: 'Health of every service: up, request rate, p95, 5xx ratio, /health, PostgreSQL, Redis, MinIO, Elasticsearch and alerts firing',
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
  run: (a, ctx) => statusReport(ctx.deps, a.service),
});
