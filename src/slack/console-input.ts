import type { Deps } from '../deps.ts';
import { renderText } from '../report/text.ts';

/** What console mode needs to answer a typed line. */
export type ConsoleDeps = Pick<Deps, 't' | 'locale' | 'commands' | 'slack' | 'queues'>;

/** The list of commands and how to use them, as printed for `/help`, `/` or a line without `/`. */
function consoleHelp(deps: ConsoleDeps, typed?: string): string {
  const { t } = deps;
  const lines: string[] = [];
  const first = typed?.trim().split(/\s+/)[0];
  const def = first ? deps.commands.get(first) : undefined;
  if (def && first) lines.push(t('commands.consoleSlash', { command: `/${typed?.trim()}` }));
  lines.push(renderText(deps.commands.helpAll(deps.t, deps.locale)).trimEnd());
  lines.push(t('commands.consoleHint'));
  return `${lines.join('\n')}\n`;
}

/**
 * Console mode: a line typed like `/status redis` runs as the slash command (its answer is printed by
 * the console Slack port); `/help`, `/` alone or a line without a leading `/` print the commands and
 * how to get help. Answers to bad input are written with `write`.
 */
export async function handleConsoleLine(
  deps: ConsoleDeps,
  line: string,
  write: (text: string) => void,
): Promise<void> {
  const trimmed = line.trim();
  if (!trimmed) return;
  const m = /^\/(\S*)\s*(.*)$/.exec(trimmed);
  const [, command = '', text = ''] = m ?? [];
  if (!m || command === '' || /^(help|-h|--help|帮助)$/i.test(command)) {
    write(consoleHelp(deps, m ? undefined : trimmed));
    return;
  }
  const { t } = deps;
  const def = deps.commands.get(command);
  if (!def) {
    write(
      `${t('commands.unknownCommand', {
        command: `/${command}`,
        list: deps.commands
          .list()
          .map((c) => `/${c.name}`)
          .join(' '),
      })}\n${t('commands.consoleHint')}\n`,
    );
    return;
  }
  const parsed = deps.commands.parse(def, text, deps as Deps);
  if (parsed.kind === 'error') {
    write(`${deps.commands.usageError(def, parsed.message, t, parsed.config)}\n`);
    return;
  }
  if (parsed.kind === 'help') {
    await deps.slack.respond('console', {
      text: '',
      plain: renderText(deps.commands.help(def, t, deps.locale)),
    });
    return;
  }
  await deps.queues
    .enqueue('run-command', {
      command: def.name,
      text,
      userId: 'console',
      channelId: 'console',
      source: 'slack',
      receivedAt: Date.now(),
    })
    .catch((err) => write(`${(err as Error).message}\n`));
}
