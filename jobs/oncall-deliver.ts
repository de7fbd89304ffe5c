import { z } from 'zod';
import { deliverOncall } from '../src/oncall/deliver.ts';
import { defineJob } from '../src/queue/jobs.ts';

/** One direct message or outbound webhook of a fired escalation step or reminder (src/oncall/deliver.ts). */
export default defineJob({
  name: 'oncall-deliver',
  queue: 'incidents',
  data: z.object({ deliveryId: z.number().int().positive() }),
  options: {
    attempts: 6,
    backoff: { type: 'exponential', delay: 1_000 },
    removeOnComplete: true,
    removeOnFail: { age: 3_600 },
  },
  async run(data, deps, job, token) {
    return deliverOncall(deps, data.deliveryId, job, token);
  },
});
