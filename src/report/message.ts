import type { OutgoingMessage } from '../slack/port.ts';
import { renderBlocks } from './blocks.ts';
import type { Report } from './report.ts';
import { renderText } from './text.ts';

/**
 * A report as a message to post or edit: Block Kit for Slack, the terminal text for console mode.
 * For messages sized to fit one Slack message (incident roots, thread replies, storm messages).
 */
export function reportMessage(report: Report): OutgoingMessage {
  const { text, blocks } = renderBlocks(report);
  return { text, blocks, plain: renderText(report), ...(report.broadcast ? { broadcast: true } : {}) };
}
