/** Helpers for the diagnostics tests: a CONFIG_FILE on disk, everything the fake Slack received, job counts. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { inboxKey } from '../../src/queue/inbox.ts';
import type { FakeSlack } from '../fakes/slack-api.ts';
import type { TestBot } from './bot.ts';
import { makeTempDir } from './cleanup.ts';
import { waitUntil } from './wait.ts';

/** Writes `config` as YAML to a temp file (removed at exit) and returns its path for CONFIG_FILE. */
export function writeConfigFile(config: Record<string, unknown>): string {
  const dir = makeTempDir('laojun-config');
  const path = join(dir.path, 'laojun.yml');
  writeFileSync(path, stringify(config));
  return path;
}

/** Every byte the fake Slack was sent: API calls, messages, response_url posts and uploaded files. */
export function slackTraffic(slack: FakeSlack): string {
  return [
    JSON.stringify(slack.calls),
    JSON.stringify(slack.messages),
    JSON.stringify(slack.responses),
    ...slack.uploads.map((u) => u.bytes.toString('utf8')),
  ].join('\n');
}

/**
 * Jobs in any state on the bot's commands queue, once the command inbox is empty: every command the
 * acknowledgement path accepted has been moved into BullMQ by the relay (src/queue/inbox.ts), so a
 * command accepted by mistake is counted too.
 */
export async function commandJobCount(t: TestBot): Promise<number> {
  const { queues } = t.bot.deps;
  await waitUntil(async () => (await queues.connection.xlen(inboxKey(queues.prefix))) === 0, {
    timeoutMs: 10_000,
    message: 'the command inbox to be moved into BullMQ',
  });
  const counts = await queues.queue('commands').getJobCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

/** The plain text and blocks of a response_url answer, as one string to search. */
export function answerText(body: unknown): string {
  const b = body as { text?: string; blocks?: unknown[] };
  return `${b.text ?? ''}\n${JSON.stringify(b.blocks ?? [])}`;
}
