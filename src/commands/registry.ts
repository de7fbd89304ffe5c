import type { Deps } from '../deps.ts';
import type { Translate } from '../i18n/index.ts';
import { type Locale, pick } from '../i18n/index.ts';
import type { Report } from '../report/report.ts';
import { ArgvError, parseArgv } from './argv.ts';
import type { AnyCommand } from './define.ts';

export type ParseResult =
  | { kind: 'help' }
  | { kind: 'ok'; args: unknown }
  /** `config`: the arguments are fine but the bot is not configured for them (no usage line). */
  | { kind: 'error'; message: string; config?: boolean };

/** Commands by name, built once at start; duplicate names are refused. Generates help. */
export class CommandRegistry {
  private readonly byName = new Map<string, AnyCommand>();

  constructor(commands: readonly AnyCommand[]) {
    for (const c of commands) {
      if (!/^[a-z][a-z0-9-]{0,30}$/.test(c.name)) throw new Error(`invalid command name "${c.name}"`);
      if (this.byName.has(c.name)) throw new Error(`duplicate command "${c.name}"`);
      this.byName.set(c.name, c);
    }
  }

  get(name: string): AnyCommand | undefined {
    return this.byName.get(name.replace(/^\//, '').toLowerCase());
  }

  list(): AnyCommand[] {
    return [...this.byName.values()];
  }

  /** Parses slash text for a command: `help` (or `-h`) asks for help; errors come back as text for the user. */
  parse(command: AnyCommand, text: string, deps: Pick<Deps, 't'> & Partial<Deps>): ParseResult {
    const { t } = deps;
    const trimmed = text.trim();
    if (/^(help|--help|-h|帮助)$/i.test(trimmed)) return { kind: 'help' };
    try {
      const argv = parseArgv(trimmed, command.flags);
      const result = command.args.safeParse(argv);
      if (!result.success) {
        const issue = result.error.issues[0];
        return { kind: 'error', message: issue?.message ?? 'invalid arguments' };
      }
      const problem = deps.config ? command.validate?.(result.data, deps as Deps) : undefined;
      if (typeof problem === 'object') return { kind: 'error', message: problem.config, config: true };
      if (problem) return { kind: 'error', message: problem };
      return { kind: 'ok', args: result.data };
    } catch (err) {
      if (err instanceof ArgvError) return { kind: 'error', message: t(`args.${err.key}`, err.detail) };
      throw err;
    }
  }

  /** Help for one command. */
  /** A command's help; `examples` narrows the examples (to the subcommands the user may run). */
  help(command: AnyCommand, t: Translate, locale: Locale, examples = command.examples): Report {
    return {
      title: t('commands.helpTitle', { command: command.name }),
      tone: 'info',
      summary: pick(command.summary, locale),
      blocks: [
        {
          kind: 'fields',
          fields: [
            { label: t('commands.usage', { usage: '' }).replace(/[:：]\s*$/, ''), value: command.usage },
            { label: t('commands.permission'), value: command.permission },
          ],
        },
        { kind: 'code', title: t('commands.examples'), text: examples.join('\n') },
      ],
    };
  }

  /** Help listing commands; `visible` filters to what the user may run. */
  helpAll(t: Translate, locale: Locale, visible: (c: AnyCommand) => boolean = () => true): Report {
    const rows = this.list()
      .filter(visible)
      .map((c) => [c.usage, pick(c.summary, locale)]);
    return {
      title: t('commands.helpAll'),
      tone: 'info',
      blocks: [
        { kind: 'table', table: { columns: [t('commands.columnCommand'), t('commands.columnWhat')], rows } },
      ],
    };
  }

  /** A user-facing answer to bad arguments: the reason and the usage line. */
  usageError(command: AnyCommand, message: string, t: Translate, config = false): string {
    if (config) return message;
    return `${t('commands.badArgs', { reason: message })}\n${t('commands.usage', { usage: command.usage })}\n${t('common.labelled', { label: t('commands.examples'), value: command.examples.map((e) => `\`${e}\``).join('  ') })}`;
  }
}
