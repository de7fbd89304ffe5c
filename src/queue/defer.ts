import { DelayedError, type Job } from 'bullmq';
import { SlackRateLimitedError } from '../slack/errors.ts';

/**
 * Slack said 429: put this job back for Retry-After without using up an attempt, and without
 * pausing the worker or other channels (BullMQ's DelayedError pattern). Other errors pass through.
 */
export async function deferIfRateLimited(err: unknown, job: Job, token: string | undefined): Promise<never> {
  if (err instanceof SlackRateLimitedError && token) {
    const jitter = Math.floor(Math.random() * 250);
    await job.moveToDelayed(Date.now() + err.retryAfterMs + jitter, token);
    throw new DelayedError();
  }
  throw err;
}
