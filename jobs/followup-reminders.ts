import { z } from 'zod';
import { sendDueReminders } from '../src/postmortem/reminders.ts';
import { requeueTracker } from '../src/postmortem/tracker.ts';
import { defineJob } from '../src/queue/jobs.ts';

/**
 * Every `postmortem.followups.checkEverySeconds`: DMs follow-up owners before the due date and
 * again once it has passed (each reminder once, whatever the number of replicas).
 */
export default defineJob({
  name: 'followup-reminders',
  queue: 'maintenance',
  data: z.object({}).passthrough(),
  options: { attempts: 1, removeOnComplete: { count: 10 }, removeOnFail: { count: 50 } },
  schedule: (deps) => {
    const every = deps.config.file.postmortem.followups.checkEverySeconds;
    return {
      pattern:
        every < 60
          ? `*/${every} * * * * *`
          : `0 */${Math.min(59, Math.max(1, Math.round(every / 60)))} * * * *`,
      data: {},
    };
  },
  async run(_data, deps) {
    const reminders = await sendDueReminders(deps);
    // Follow-ups whose tracker job was lost (Redis flushed) are sent again.
    const tracker = await requeueTracker(deps);
    return { ...reminders, tracker };
  },
});
