import type { Job, JobsOptions } from 'bullmq';
import type { z } from 'zod';
import type { Deps } from '../deps.ts';

export type QueueName = 'commands' | 'incidents' | 'maintenance';
export const QUEUE_NAMES: readonly QueueName[] = ['commands', 'incidents', 'maintenance'];

export interface JobSchedule {
  /** Cron pattern (BullMQ job scheduler). */
  pattern: string;
  tz?: string;
}

/** One job: its name, queue, data schema, options, optional schedule, and handler. */
export interface JobDefinition<S extends z.ZodType = z.ZodType> {
  name: string;
  queue: QueueName;
  data: S;
  options?: JobsOptions;
  /** A schedule makes the job a BullMQ job scheduler (exactly once across replicas). */
  schedule?: (deps: Deps) => (JobSchedule & { data: z.input<S> }) | undefined;
  /** `token` is the worker's lock token (needed to move the job to delayed). */
  run(data: z.output<S>, deps: Deps, job: Job, token?: string): Promise<unknown>;
}

export function defineJob<S extends z.ZodType>(def: JobDefinition<S>): JobDefinition<S> {
  return def;
}

export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 3_600, count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3_600, count: 5_000 },
};
