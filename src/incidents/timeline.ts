import type { Deps } from '../deps.ts';
import { addCommandEvent } from './store.ts';

export interface CommandRun {
  /** The run-command job: a retried delivery records the run once. */
  jobId: string;
  command: string;
  /** Arguments, already redacted. */
  text: string;
  userId: string;
  outcome: 'ok' | 'failed';
  title: string;
}

/**
 * A command run into an incident's thread (evidence or a button) joins the incident's timeline: it
 * appears in the generated incident report but is not posted again as a thread reply.
 */
export async function recordCommandEvent(deps: Deps, incidentId: number, run: CommandRun): Promise<void> {
  const data = {
    jobId: run.jobId,
    command: run.command,
    args: deps.redact(run.text),
    outcome: run.outcome,
    title: deps.redact(run.title),
  };
  await addCommandEvent(deps.pool, incidentId, data, run.userId, deps.now());
}
