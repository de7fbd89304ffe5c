import type { Writable } from 'node:stream';
import { markupToText } from '../report/markup.ts';
import type { OutgoingMessage, PostResult, ResponseBody, SlackPort } from './port.ts';

/**
 * Console mode (no SLACK_BOT_TOKEN): everything works, and what would be posted is printed as
 * text instead. Message timestamps are generated so threads and edits can be followed.
 */
export class ConsoleSlack implements SlackPort {
  readonly mode = 'console' as const;
  private seq = 0;

  constructor(private readonly out: Writable = process.stdout) {}

  private nextTs(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }

  private print(header: string, msg: OutgoingMessage): void {
    // Every message with blocks is rendered from a Report, which brings its terminal text along.
    const body = (msg.plain ?? markupToText(msg.text)).trimEnd();
    this.out.write(`\n┌─ ${header}\n${body.replace(/^/gm, '│ ')}\n└─\n`);
  }

  async postMessage(args: OutgoingMessage & { channel: string; threadTs?: string }): Promise<PostResult> {
    const ts = this.nextTs();
    this.print(
      args.threadTs ? `#${args.channel} thread ${args.threadTs} (reply ${ts})` : `#${args.channel} (${ts})`,
      args,
    );
    return { channel: args.channel, ts };
  }

  async updateMessage(args: OutgoingMessage & { channel: string; ts: string }): Promise<void> {
    this.print(`#${args.channel} edit of ${args.ts}`, args);
  }

  async postEphemeral(args: OutgoingMessage & { channel: string; user: string; threadTs?: string }) {
    this.print(
      `#${args.channel}${args.threadTs ? ` thread ${args.threadTs}` : ''} (only ${args.user} sees this)`,
      args,
    );
  }

  async uploadFile(args: { channel: string; threadTs?: string; filename: string; content: string | Buffer }) {
    const size = typeof args.content === 'string' ? Buffer.byteLength(args.content) : args.content.length;
    this.out.write(
      `\n[file ${args.filename}, ${size} bytes → #${args.channel}${args.threadTs ? ` thread ${args.threadTs}` : ''}]\n`,
    );
  }

  async respond(_responseUrl: string, body: ResponseBody): Promise<void> {
    this.print(`reply (${body.response_type ?? 'ephemeral'})`, body);
  }

  async openDirectMessage(userId: string): Promise<string> {
    return userId;
  }

  async userGroupMembers(): Promise<string[]> {
    return [];
  }

  async updateUserGroup(groupId: string, userIds: readonly string[]): Promise<void> {
    this.out.write(`\n[user group ${groupId} → ${userIds.join(', ')}]\n`);
  }
}
