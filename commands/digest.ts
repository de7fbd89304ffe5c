import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import { collectDigest } from '../src/digest/collect.ts';
import { digestReport } from '../src/digest/render.ts';
import type { Report } from '../src/report/report.ts';

/** `/digest`: the daily digest now, for the asking user only (the chart comes with the daily post). */
export default defineCommand({
  name: 'digest',
  summary: {
    'zh-CN': '立即预览每日健康摘要（仅自己可见）',
    en: 'Preview the daily health digest now (only you see it)',
  },
  usage: '/digest',
  examples: ['/digest'],
  permission: 'digest',
  args: z
    .object({ positional: z.array(z.string()).max(0, 'takes no arguments'), flags: z.object({}) })
    .transform(() => ({})),
  async run(_args, ctx): Promise<Report> {
    const { deps } = ctx;
    const digest = deps.config.file.digest;
    const data = await collectDigest(deps, { saveSnapshot: false });
    const report = digestReport(data, { t: deps.t, timeZone: digest.timezone }, { preview: true });
    const channel = deps.config.slack.digestChannel;
    if (channel) {
      report.context = [
        ...(report.context ?? []),
        deps.t('digest.previewNote', { cron: digest.cron, tz: digest.timezone, channel }),
      ];
    }
    return report;
  },
});
