import type { JobDefinition } from '../src/queue/jobs.ts';
import dailyDigest from './digest.ts';
import runCommand from './run-command.ts';

/** Every job. Adding a job = one file in this folder and one line here. */
// biome-ignore lint/suspicious/noExplicitAny: jobs of every data type live in one registry; each validates its own data.
export const JOBS: JobDefinition<any>[] = [runCommand, dailyDigest];
