import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { CommandRegistry } from '../../src/commands/registry.ts';
import { createTranslator, type Locale } from '../../src/i18n/index.ts';
import { type ConsoleDeps, handleConsoleLine } from '../../src/slack/console-input.ts';
import type { ResponseBody } from '../../src/slack/port.ts';

/** Console mode's line handler with a recording Slack port and queue: what the user sees, what runs. */
function consoleOf(locale: Locale = 'zh-CN') {
  const printed: string[] = [];
  const replies: ResponseBody[] = [];
  const enqueued: Array<{ name: string; data: unknown }> = [];
  const deps = {
    t: createTranslator(locale),
    locale,
    commands: new CommandRegistry(COMMANDS),
    slack: {
      respond: async (_url: string, body: ResponseBody) => {
        replies.push(body);
      },
    },
    queues: {
      enqueue: async (name: string, data: unknown) => {
        enqueued.push({ name, data });
        return undefined;
      },
    },
  } as unknown as ConsoleDeps; // only the members console mode uses
  const type = (line: string) => handleConsoleLine(deps, line, (text) => printed.push(text));
  return { type, printed, replies, enqueued };
}

describe('console mode input', () => {
  it('answers a line without a leading / with the commands and how to use them', async () => {
    const c = consoleOf();
    await c.type('status');
    const out = c.printed.join('');
    expect(out).toContain('命令以 / 开头：请输入 `/status`。');
    expect(out).toContain('/status [service]');
    expect(out).toContain('/backup');
    expect(out).toContain('`/<命令> help` 查看某个命令的用法');
    expect(c.enqueued).toEqual([]);
  });

  it('answers a line that is no command at all, "/" alone and /help with the list of commands', async () => {
    for (const line of ['hello', '/', '/help']) {
      const c = consoleOf('en');
      await c.type(line);
      const out = c.printed.join('');
      expect(out, line).toContain('Available commands');
      expect(out, line).toContain('/slowquery');
      expect(out, line).toContain('`/<command> help` shows how to use one');
      expect(out, line).not.toContain('Unknown command');
    }
  });

  it('names an unknown command and lists the real ones; an empty line prints nothing', async () => {
    const c = consoleOf('en');
    await c.type('/nope');
    await c.type('   ');
    expect(c.printed.join('')).toMatch(
      /^Unknown command `\/nope`\. Available: \/status .*\n.*\/<command> help/,
    );
    expect(c.printed).toHaveLength(1);
  });

  it('runs a slash command as a job, and shows a command’s own help', async () => {
    const c = consoleOf();
    await c.type('/status redis');
    expect(c.enqueued).toMatchObject([{ name: 'run-command', data: { command: 'status', text: 'redis' } }]);
    await c.type('/status help');
    expect(c.replies[0]?.plain).toContain('/status 帮助');
  });
});
