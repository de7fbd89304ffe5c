import type { Deps } from '../deps.ts';
import type { Report } from '../report/report.ts';
import { prepare } from '../slack/deliver.ts';

/** Posts a scheduled backup or drill report to SLACK_DIGEST_CHANNEL (logged loudly when there is none). */
export async function postToDigest(deps: Deps, report: Report): Promise<void> {
  const channel = deps.config.slack.digestChannel;
  const { message, plain } = prepare(deps, report);
  if (!channel) {
    deps.logger.error(
      { report: plain },
      'no SLACK_DIGEST_CHANNEL / SLACK_INCIDENT_CHANNEL: backup report not posted',
    );
    return;
  }
  await deps.slack.postMessage({ channel, text: message.text, blocks: message.blocks, plain });
  if (message.file) {
    await deps.slack.uploadFile({
      channel,
      filename: message.file.filename,
      title: message.file.title,
      content: message.file.content,
    });
  }
}
