import { randomUUID } from 'node:crypto';
import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { AnyCommand } from '../commands/define.ts';
import type { Deps } from '../deps.ts';
import type { Translate } from '../i18n/index.ts';
import { registerIncidentActions } from '../incidents/actions.ts';
import { registerIncidentViews } from '../incidents/interactions.ts';
import { registerPostmortemViews } from '../postmortem/interactions.ts';
import { prepare } from './deliver.ts';
import { registerMentions } from './mentions.ts';
import { createOutboundFilter, FilteredSlack, type OutboundFilter } from './outbound.ts';
import { type Answer, answerByResponse, runInteraction } from './pipeline.ts';

/** Slash commands this user may run here: help and refusals list only these. */
async function commandsUserMayRun(deps: Deps, userId: string, channelId: string): Promise<string[]> {
  const names: string[] = [];
  for (const c of deps.commands.list()) {
    if (await deps.authorizer.may(userId, c.permission, channelId)) names.push(`/${c.name}`);
  }
  return names;
}

/**
 * A command's examples without those needing a permission (`permissionFor`) the user lacks: help
 * shows only the subcommands they may run. An example that does not parse on its own is kept.
 */
async function examplesUserMayRun(
  deps: Deps,
  def: AnyCommand,
  userId: string,
  channelId: string,
): Promise<string[]> {
  if (!def.permissionFor && !def.interactive) return def.examples;
  const out: string[] = [];
  for (const example of def.examples) {
    const text = example.replace(new RegExp(`^/${def.name}\\s*`), '');
    // An example the interactive hook answers (bare `/incident` opens the declare modal) needs the
    // hook's permission; the others the permission their parsed arguments need.
    const hook = def.interactive?.wants({ userId, channelId, text, triggerId: 'example' })
      ? def.interactive.permission
      : undefined;
    const parsed = !hook && text ? deps.commands.parse(def, text, deps) : undefined;
    const needed = hook ?? (parsed?.kind === 'ok' ? def.permissionFor?.(parsed.args) : undefined);
    if (!needed || (await deps.authorizer.may(userId, needed, channelId))) out.push(example);
  }
  return out;
}

type Ack = (response?: string | RespondArguments) => Promise<void>;

/**
 * The slash-command path, all before Slack's 3-second deadline: (Bolt has verified the signature)
 * → command lookup → argument parse (on the redacted text) → the pipeline: authorise with the
 * permission the parsed request needs → enqueue (or, for help and bad arguments, answer at once)
 * → ack. A mention in an incident's thread takes the same path and is answered there.
 */
export async function handleSlashCommand(
  deps: Deps,
  command: SlashCommand,
  rawAck: Ack,
  /** A command by mention in an incident's thread: answered there, recorded in its timeline. */
  thread?: { threadTs: string; incidentId: number; jobId: string },
): Promise<void> {
  const { t } = deps;
  // The acknowledgement is an outgoing payload too: through the outbound filter.
  const ack = filteredAck(outboundOf(deps), rawAck);
  const answer = async (a?: Answer) => {
    if (a === undefined) return ack();
    if (typeof a === 'string') return ack({ response_type: 'ephemeral', text: a });
    if ('errors' in a) return ack({ response_type: 'ephemeral', text: Object.values(a.errors).join('\n') });
    return ack({ response_type: 'ephemeral', text: a.text, ...(a.blocks ? { blocks: a.blocks } : {}) });
  };
  const name = command.command.replace(/^\//, '');
  const def = deps.commands.get(name);
  // Job data, logs and the audit log never hold a secret a user pasted: the command runs on the
  // redacted text (parsed here, so a redaction that breaks the arguments is answered at once).
  const text = deps.redact(command.text ?? '');
  const base = {
    kind: thread ? ('mention' as const) : ('command' as const),
    userId: command.user_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    what: `/${def?.name ?? name}`,
    audited: def?.name ?? name,
    arguments: text,
  };

  if (!def) {
    const unknown = async () => {
      const mayRun = await commandsUserMayRun(deps, command.user_id, command.channel_id);
      return t('commands.unknownCommand', { command: command.command, list: mayRun.join(' ') });
    };
    return runInteraction(
      deps,
      { ...base, needs: { unknown: 'unknown command', answer: unknown } },
      { run: async () => undefined },
      answer,
    );
  }

  const request = {
    userId: command.user_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    text,
    ...(command.trigger_id ? { triggerId: command.trigger_id } : {}),
  };
  const hook = def.interactive;
  if (hook?.wants(request)) {
    return runInteraction(
      deps,
      { ...base, audited: hook.permission, arguments: hook.audited ?? text, needs: hook.permission },
      {
        run: async () => {
          const r = await hook.run(deps, request);
          return { outcome: 'ok', detail: r.detail, answer: r.answer };
        },
      },
      answer,
    );
  }

  const parsed = deps.commands.parse(def, text, deps);
  if (parsed.kind !== 'ok') {
    // Help and bad arguments run nothing and need only the command's own permission: a user who
    // may not use the command at all is told so (and who grants it) rather than how to type it, as
    // before; what a subcommand needs is not known until its arguments parse.
    return runInteraction(
      deps,
      { ...base, needs: def.permission },
      {
        run: async () =>
          parsed.kind === 'help'
            ? { outcome: 'help', answer: await helpAnswer(deps, def, command) }
            : {
                outcome: 'bad_args',
                detail: parsed.message,
                answer: deps.commands.usageError(def, parsed.message, t, parsed.config),
              },
      },
      answer,
    );
  }

  const jobId = thread?.jobId ?? randomUUID();
  const data = {
    command: def.name,
    text,
    userId: command.user_id,
    teamId: command.team_id,
    channelId: command.channel_id,
    responseUrl: command.response_url || undefined,
    ...(thread ? { threadTs: thread.threadTs, incidentId: thread.incidentId } : {}),
    source: 'slack' as const,
    receivedAt: Date.now(),
  };
  return runInteraction(
    deps,
    // The permission the parsed request needs: a subcommand's own (`permissionFor`), else the command's.
    { ...base, needs: def.permissionFor?.(parsed.args) ?? def.permission },
    {
      enqueue: { name: 'run-command', data, jobId },
      queued: working(t, `/${def.name} ${text}`.trim()),
    },
    answer,
  );
}

/** `common.working` around its one value, translated once per translator (i18next's lookup and
 * interpolation were ~5% of the acknowledgement path's CPU). */
const workingParts = new WeakMap<Translate, readonly [string, string]>();
function working(t: Translate, command: string): string {
  let parts = workingParts.get(t);
  if (!parts) {
    const marker = '\u0000';
    const [before = '', after = ''] = t('common.working', { command: marker }).split(marker);
    parts = [before, after];
    workingParts.set(t, parts);
  }
  return parts[0] + command + parts[1];
}

/** A command's help, with its examples and the commands narrowed to what this user may run. */
async function helpAnswer(deps: Deps, def: AnyCommand, command: SlashCommand): Promise<Answer> {
  const { t } = deps;
  const help = deps.commands.help(
    def,
    t,
    deps.locale,
    await examplesUserMayRun(deps, def, command.user_id, command.channel_id),
  );
  const mayRun = await commandsUserMayRun(deps, command.user_id, command.channel_id);
  help.context = [t('common.labelled', { label: t('commands.youMayRun'), value: mayRun.join(' ') })];
  const { message } = prepare(deps, help);
  return { text: message.text, blocks: message.blocks as KnownBlock[] };
}

/** The filter deps.slack applies, or one like it (deps built by hand in tests). */
export function outboundOf(deps: Pick<Deps, 'slack' | 'redact'>): OutboundFilter {
  return deps.slack instanceof FilteredSlack ? deps.slack.filter : createOutboundFilter(deps.redact);
}

function filteredAck(filter: OutboundFilter, ack: Ack): Ack {
  return (response) =>
    ack(
      response === undefined
        ? undefined
        : typeof response === 'string'
          ? filter.text(response, true)
          : filter.message(response),
    );
}

/** Registers every Slack handler on the Bolt app. */
export function registerSlackHandlers(app: App, deps: Deps): void {
  // Slash commands are answered by global middleware, before Bolt's listeners: Bolt runs every
  // listener's middleware chain for every request (each matcher on a fresh copy of the arguments),
  // and with the eight listeners below that fan-out was ~55 µs of the ~250 µs CPU an acknowledged
  // command costs (bench/ack.ts; one listener: ~193 µs). Every command name is the bot's, so
  // nothing is lost by not matching names; anything else goes on to the listeners.
  app.use(async (args) => {
    if (!('command' in args)) return args.next();
    return handleSlashCommand(deps, args.command, args.ack);
  });
  registerMentions(app, deps);
  registerIncidentActions(app, deps);
  registerPostmortemViews(app, deps);
  registerIncidentViews(app, deps);
  // URL buttons (links in reports) send an action too: acknowledge it so Slack shows no warning.
  app.action({ type: 'block_actions', action_id: /^link_\d+$/ }, async ({ ack }) => {
    await ack();
  });
  // Anything else is not ours (an old message, a forged payload): say so instead of timing out.
  app.action(
    { type: 'block_actions', action_id: /^(?!incident_|link_\d+$)/ },
    async ({ ack, respond, body, action }) => {
      await ack();
      const actionId = ((action as { action_id?: string }).action_id ?? '').slice(0, 255);
      await runInteraction(
        deps,
        {
          kind: 'action',
          userId: body.user.id,
          teamId: body.team?.id,
          channelId: body.channel?.id,
          what: actionId,
          audited: actionId,
          arguments: actionId,
          needs: { unknown: 'unknown action', answer: () => deps.t('incidents.errors.unknownAction') },
        },
        { run: async () => undefined },
        // Bolt's respond does not pass the outbound filter deps.slack applies: filtered here.
        answerByResponse(deps, (message) => respond(outboundOf(deps).message(message))),
      );
    },
  );
}
