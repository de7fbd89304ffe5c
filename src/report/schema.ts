import { z } from 'zod';
import type { Report, ReportBlock, ReportControl } from './report.ts';

/**
 * The one schema of a `Report`, for job data: a report kept in a job (computed once, posted on a
 * retry) is checked when the job reads it back. `data` (raw data) is never kept in a job.
 */
const tone = z.enum(['ok', 'warn', 'error', 'unknown', 'info']);

const option = z.object({ label: z.string(), value: z.string(), description: z.string().optional() });

const control: z.ZodType<ReportControl> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('button'),
    id: z.string(),
    label: z.string(),
    value: z.string().optional(),
    style: z.enum(['primary', 'danger']).optional(),
  }),
  z.object({
    kind: z.literal('select'),
    id: z.string(),
    placeholder: z.string(),
    options: z.array(option),
    initial: z.string().optional(),
  }),
  z.object({
    kind: z.literal('user-select'),
    id: z.string(),
    placeholder: z.string(),
    initialUser: z.string().optional(),
  }),
  z.object({
    kind: z.literal('checkboxes'),
    id: z.string(),
    options: z.array(option),
    checked: z.array(z.string()).optional(),
  }),
]);

const block: z.ZodType<ReportBlock> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('text'),
    text: z.string(),
    markup: z.boolean().optional(),
    max: z.number().int().positive().optional(),
    id: z.string().optional(),
    control: control.optional(),
  }),
  z.object({
    kind: z.literal('fields'),
    fields: z.array(z.object({ label: z.string(), value: z.string(), tone: tone.optional() })),
    markup: z.boolean().optional(),
  }),
  z.object({
    kind: z.literal('table'),
    table: z.object({
      title: z.string().optional(),
      columns: z.array(z.string()),
      rows: z.array(z.array(z.string())),
    }),
  }),
  z.object({ kind: z.literal('code'), title: z.string().optional(), text: z.string() }),
  z.object({ kind: z.literal('context'), items: z.array(z.string()), markup: z.boolean().optional() }),
  z.object({ kind: z.literal('actions'), id: z.string().optional(), controls: z.array(control) }),
  z.object({ kind: z.literal('divider') }),
]);

export const reportSchema: z.ZodType<Report> = z.object({
  title: z.string(),
  tone: tone.optional(),
  summary: z.string().optional(),
  blocks: z.array(block).optional(),
  links: z.array(z.object({ label: z.string(), url: z.string() })).optional(),
  context: z.array(z.string()).optional(),
  notification: z.string().optional(),
  broadcast: z.boolean().optional(),
  data: z.unknown().optional(),
  document: z.object({ filename: z.string(), content: z.string() }).optional(),
});
