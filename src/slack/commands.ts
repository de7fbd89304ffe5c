import { randomUUID } from 'node:crypto';
import type { App, RespondArguments, SlashCommand } from '@slack/bolt';
import { guard, rateGate } from '../auth/guard.ts';
import type { RateResult } from '../auth/rate-limit.ts';
import type { Deps } from '../deps.ts';
import { newRef } from '../errors.ts';
import { registerIncidentActions } from '../incidents/actions.ts';
import { declareFromSlash, registerIncidentViews } from '../incidents/interactions.ts';
import { registerPostmortemViews } from '../postmortem/interactions.ts';
import { withTimeout } from '../queue/connection.ts';
import { refusedKey } from '../queue/refused.ts';
import { prepare } from './deliver.ts';
import { registerMentions } from './mentions.ts';
import { createOutboundFilter, FilteredSlack, type OutboundFilter } from './outbound.ts';

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
  def: NonNullable<ReturnType<Deps['commands']['get']>>,
  userId: string,
  channelId: string,
): Promise<string[]> {
  if (!def.permissionFor) return def.examples;
  const out: string[] = [];
  for (const example of def.examples) {
    const text = example.replace(new RegExp(`^/${def.name}\\s*`), '');
    const parsed = text ? deps.commands.parse(def, text, deps) : undefined;
    const needed = parsed?.kind === 'ok' ? def.permissionFor(parsed.args) : undefined;
    if (!needed || (await deps.authorizer.may(userId, needed, channelId))) out.push(example);
  }
  return out;
}

type Ack = (response?: string | RespondArguments) => Promise<void>;

/** How long the acknowledgement path may wait for Redis before telling the user it is down. */
const ENQUEUE_TIMEOUT_MS = 1_500;

/**
 * The slash-command path, all before Slack's 3-second deadline: (Bolt has verified the signature)
 * → command lookup → permission → argument parse (bad arguments: usage, nothing enqueued)
 * → enqueue → ack. A Redis outage is told to the user in the ack.
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
  const name = command.command.replace(/^\//, '');
  const def = deps.commands.get(name);
  // Job data, logs and the audit log never hold a secret a user pasted: the command runs on the
  // redacted text (parsed here, so a redaction that breaks the arguments is answered at once).
  const text = deps.redact(command.text ?? '');
  const audit = (outcome: Parameters<Deps['audit']['record']>[0]['outcome'], detail?: string) => {
    deps.metrics.commands.inc({ command: def?.name ?? 'unknown', outcome });
    // Fire and forget: the audit write must not delay the acknowledgement.
    deps.audit
      .record({
        userId: command.user_id,
        teamId: command.team_id,
        channelId: command.channel_id,
        command: def?.name ?? name,
        arguments: text,
        outcome,
        detail,
      })
      .catch((err) => deps.logger.warn({ err: (err as Error).message }, 'audit write failed'));
  };
  const ephemeral = (text: string) => ack({ response_type: 'ephemeral', text });

  if (!def) {
    audit('bad_args', 'unknown command');
    const mayRun = await commandsUserMayRun(deps, command.user_id, command.channel_id);
    return ephemeral(t('commands.unknownCommand', { command: command.command, list: mayRun.join(' ') }));
  }

  const gate = await guard(deps, {
    userId: command.user_id,
    channelId: command.channel_id,
    permission: def.permission,
    what: `/${def.name}`,
    // The point is taken below: with the enqueue when the command runs, on its own otherwise.
    skipRate: true,
  });
  if (!gate.ok) {
    audit(gate.outcome, def.permission);
    return ephemeral(gate.message);
  }

  // `/incident` alone asks for what is missing in a modal (opened now: the trigger lasts 3 s).
  if (def.name === 'incident' && !text.trim() && command.trigger_id) {
    const answer = await declareFromSlash(deps, command);
    return answer ? ephemeral(answer) : ack();
  }
  const parsed = deps.commands.parse(def, text, deps);
  if (parsed.kind !== 'ok') {
    const rate = await rateGate(deps, command.user_id);
    if (!rate.ok) {
      audit(rate.outcome, def.permission);
      return ephemeral(rate.message);
    }
  }
  if (parsed.kind === 'help') {
    audit('help');
    const help = deps.commands.help(
      def,
      t,
      deps.locale,
      await examplesUserMayRun(deps, def, command.user_id, command.channel_id),
    );
    const mayRun = await commandsUserMayRun(deps, command.user_id, command.channel_id);
    help.context = [t('common.labelled', { label: t('commands.youMayRun'), value: mayRun.join(' ') })];
    const { message } = prepare(deps, help);
    return ack({ response_type: 'ephemeral', text: message.text, blocks: message.blocks });
  }
  if (parsed.kind === 'error') {
    audit('bad_args', parsed.message);
    return ephemeral(deps.commands.usageError(def, parsed.message, t, parsed.config));
  }
  const needed = def.permissionFor?.(parsed.args);
  if (needed && needed !== def.permission) {
    const more = await deps.authorizer.check(command.user_id, command.channel_id, needed);
    if (!more.ok) {
      audit('denied', needed);
      return ephemeral(
        more.reason === 'channel'
          ? t('commands.channelDenied', { permission: needed, grantedBy: more.grantedBy })
          : t('commands.denied', { permission: needed, command: `/${def.name}`, grantedBy: more.grantedBy }),
      );
    }
  }

  // One round trip for the rate limit and the enqueue: the rate-limit script is written to Redis
  // first and the job right after it on the same connection, without waiting in between. A refused
  // command's job is marked refused by the script before it exists, and the worker drops it.
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
    refusable: true,
  };
  let rated: Promise<RateResult>;
  let queued: Promise<unknown>;
  if (deps.rateLimiter.consumeMarking) {
    rated = deps.rateLimiter.consumeMarking(command.user_id, refusedKey(deps.queues.prefix, jobId));
    queued = deps.queues.enqueue('run-command', data, { jobId });
  } else {
    // A limiter without the combined script: the check, then the enqueue.
    const gate = await rateGate(deps, command.user_id);
    rated = Promise.resolve(gate.ok ? { ok: true } : { ok: false, retryAfterMs: 0 });
    queued = gate.ok ? deps.queues.enqueue('run-command', data, { jobId }) : Promise.resolve();
  }
  const [rate, enqueue] = await Promise.allSettled([
    rated,
    withTimeout(queued, ENQUEUE_TIMEOUT_MS, 'enqueue'),
  ]);
  if (rate.status === 'fulfilled' && !rate.value.ok) {
    audit('rate_limited', def.permission);
    return ephemeral(
      t('commands.rateLimited', { seconds: Math.max(1, Math.ceil(rate.value.retryAfterMs / 1000)) }),
    );
  }
  if (enqueue.status === 'rejected') {
    const err = enqueue.reason as Error;
    const ref = newRef();
    deps.logger.error({ ref, command: def.name, err: err.message }, 'could not enqueue command');
    audit('queue_unavailable', `ref ${ref}`);
    return ephemeral(t('common.queueDown', { command: `/${def.name}`, ref }));
  }
  deps.metrics.commands.inc({ command: def.name, outcome: 'queued' });
  return ephemeral(t('common.working', { command: `/${def.name} ${text}`.trim() }));
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
  app.command(/^\/.+/, async ({ command, ack }) => handleSlashCommand(deps, command, ack));
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
      const actionId = (action as { action_id?: string }).action_id ?? '';
      await deps.audit
        .record({
          userId: body.user.id,
          teamId: body.team?.id,
          channelId: body.channel?.id,
          command: actionId.slice(0, 255),
          arguments: deps.redact(actionId.slice(0, 255)),
          source: 'button',
          outcome: 'bad_args',
          detail: 'unknown action',
          durationMs: 0,
        })
        .catch((err) => deps.logger.warn({ err: (err as Error).message }, 'audit write failed'));
      await respond(
        outboundOf(deps).message({
          response_type: 'ephemeral' as const,
          replace_original: false,
          text: deps.t('incidents.errors.unknownAction'),
        }),
      ).catch(() => {});
    },
  );
}
