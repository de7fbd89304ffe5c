import { z } from 'zod';
import { postDailyDigest } from '../src/digest/post.ts';
import { deferIfRateLimited } from '../src/queue/defer.ts';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * The daily health digest: a BullMQ job scheduler (`digest.cron` in `digest.timezone`, default
 * 09:00 Asia/Shanghai) posts one message per day to SLACK_DIGEST_CHANNEL. The scheduler makes one
 * job per tick across replicas; the per-day row in `digest_runs` makes it one post per day even
 * when ticks, retries or replicas overlap.
 */
export default defineJob({
  name: 'daily-digest',
  queue: 'maintenance',
  data: z.object({}),
  options: { attempts: 4, backoff: { type: 'exponential', delay: 30_000 } },
  schedule(deps) {
    const digest = deps.config.file.digest;
    if (!digest.enabled || !deps.config.slack.digestChannel) return undefined;
    return { pattern: digest.cron, tz: digest.timezone, data: {} };
  },
  async run(_data, deps, job, token) {
    try {
      const result = await postDailyDigest(deps, job.id ?? job.name);
      if (result.outcome !== 'posted') deps.logger.info(result, 'daily digest not posted by this run');
      return result;
    } catch (err) {
      return deferIfRateLimited(err, job, token);
    }
  },
});
