import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { permissionsSchema } from '../auth/config.ts';
import { backupFileSchema } from '../backup/config.ts';
import { diagnosticsSchema } from '../diagnostics/config.ts';
import { digestFileSchema } from '../digest/config.ts';
import { incidentsFileSchema } from '../incidents/config.ts';
import { oncallFileSchema } from '../oncall/config.ts';
import { postmortemFileSchema } from '../postmortem/config.ts';
import { ConfigError } from './error.ts';

/**
 * The optional YAML `CONFIG_FILE`: structured settings (services, checklist, permissions, incidents,
 * on call, schedules, locale). Every section is optional; the defaults are the manual's.
 */

const serviceSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,62}$/, 'expected a lowercase service name'),
  job: z.string().min(1).optional(),
  kind: z.enum(['http', 'postgres', 'redis', 'minio', 'elasticsearch']).default('http'),
  healthUrl: z.string().url().optional(),
  description: z.string().optional(),
});
export type ServiceConfig = z.infer<typeof serviceSchema>;

export const DEFAULT_SERVICES: ServiceConfig[] = [
  { name: 'laojun-gateway', job: 'laojun-gateway', kind: 'http', description: 'API 网关 :8083' },
  { name: 'laojun-admin-api', job: 'laojun-admin-api', kind: 'http', description: '管理后台 API :8080' },
  {
    name: 'laojun-marketplace-api',
    job: 'laojun-marketplace-api',
    kind: 'http',
    description: '插件市场 API :8081',
  },
  { name: 'laojun-config-center', job: 'laojun-config-center', kind: 'http', description: '配置中心 :8082' },
  { name: 'postgresql', kind: 'postgres' },
  { name: 'redis', kind: 'redis' },
  { name: 'minio', kind: 'minio' },
  { name: 'elasticsearch', kind: 'elasticsearch' },
];

const checklistSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9_]+$/, 'expected a phase id like immediate_actions'),
      title: z.string().min(1).optional(),
      items: z.array(z.string().min(1).max(150)).min(1).max(10),
    }),
  )
  .min(1)
  .max(6);

/** The YAML file (`CONFIG_FILE`): everything optional; defaults are the manual's. */
export const fileSchema = z
  .object({
    locale: z.enum(['zh-CN', 'en']).optional(),
    services: z.array(serviceSchema).min(1).optional(),
    checklist: checklistSchema.optional(),
    permissions: permissionsSchema,
    links: z
      .object({
        grafana: z.string().url().optional(),
        kibana: z.string().url().optional(),
        alertmanager: z.string().url().optional(),
        runbook: z.string().url().optional(),
      })
      .default({}),
    probes: z
      .object({ timeoutMs: z.number().int().min(100).max(30_000).default(2_000) })
      .default({ timeoutMs: 2_000 }),
    redact: z.array(z.string().min(1).superRefine(checkPattern)).default([]),
    queue: z
      .object({
        /**
         * How long a job stays locked to a worker that stopped answering (killed, frozen) before
         * another worker takes it over; workers renew the lock at half this while they run.
         */
        lockDurationMs: z.number().int().min(5_000).max(600_000).default(30_000),
      })
      .default({ lockDurationMs: 30_000 }),
    digest: digestFileSchema,
    backup: backupFileSchema,
    incidents: incidentsFileSchema,
    diagnostics: diagnosticsSchema,
    postmortem: postmortemFileSchema,
    oncall: oncallFileSchema,
  })
  .passthrough();

export type FileConfig = z.infer<typeof fileSchema>;

function describeIssue(issue: z.core.$ZodIssue, source: string): string {
  const path = issue.path.join('.');
  return `${source}${path ? ` ${path}` : ''}: ${issue.message}`;
}

/**
 * Reads and validates `CONFIG_FILE` (the defaults when there is none). Throws ConfigError with one
 * line naming the file and the setting; never the source line (it can hold a password).
 */
export function readConfigFile(path: string | undefined, read: (path: string) => string): FileConfig {
  if (!path) return fileSchema.parse({});
  let source: string;
  try {
    source = read(path);
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE ${path}: cannot read it: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (err) {
    throw new ConfigError(`CONFIG_FILE ${path}: cannot read YAML: ${yamlErrorWithoutSource(err)}`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ConfigError(first ? describeIssue(first, `CONFIG_FILE ${path}`) : 'CONFIG_FILE invalid');
  }
  return parsed.data;
}

/**
 * A YAML error without the source excerpt the parser appends (the offending line can hold a
 * password): the reason and where, e.g. `Missing closing "quote (line 3, column 13)`.
 */
export function yamlErrorWithoutSource(err: unknown): string {
  const e = err as Error & { linePos?: Array<{ line: number; col: number }> };
  const first = (e.message ?? '').split('\n')[0] ?? '';
  const pos = e.linePos?.[0];
  if (pos) {
    const reason = first.replace(/ at line \d+, column \d+:?$/, '');
    return `${reason} (line ${pos.line}, column ${pos.col})`;
  }
  // Errors without a position (an unresolved alias) end with the source text after ': '.
  return first.replace(/: .*$/, '');
}

/** A `redact:` entry must compile the way the redactor compiles it. */
function checkPattern(pattern: string, ctx: z.RefinementCtx): void {
  try {
    new RegExp(pattern, 'g');
  } catch (err) {
    const why = (err as Error).message.split(': ').at(-1) ?? 'invalid';
    ctx.addIssue({ code: 'custom', message: `not a valid regular expression (${why})` });
  }
}
