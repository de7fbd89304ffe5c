import type { KnownBlock } from '@slack/types';
import { guard } from '../auth/guard.ts';
import type { RateResult } from '../auth/rate-limit.ts';
import type { Deps } from '../deps.ts';
import { newRef, UserError } from '../errors.ts';
import { withTimeout } from '../queue/connection.ts';
import { appendToInbox } from '../queue/inbox.ts';
import type { AuditOutcome } from '../store/audit.ts';

/**
 * The one path every interaction takes once Bolt has verified its signature and the caller has
 * identified it (who, where, what, which permission): authorise (permission, channel, rate limit)
 * → run now or enqueue → answer → audit, with the two tiers of errors in one place. Slash commands,
 * mentions, incident buttons/selects/checkboxes, post-incident buttons, modal submissions and the
 * message shortcut all come through here; each caller only identifies the request and says how an
 * answer reaches the user.
 */

export type InteractionKind = 'command' | 'action' | 'view' | 'shortcut' | 'mention';

/** What the user sees: a text, a message (help has blocks), or a modal's field errors. */
export type Answer = string | { text: string; blocks?: KnownBlock[] } | { errors: Record<string, string> };

/** A request the bot does not know (an unknown command or action, a modal without metadata). */
export interface Unknown {
  /** The audit row's detail. */
  unknown: string;
  answer: () => Answer | Promise<Answer>;
}

export interface Interaction {
  kind: InteractionKind;
  userId: string;
  teamId?: string;
  channelId?: string;
  /** What the user did, as a refusal names it: `/status`, an action id, a modal's callback id. */
  what: string;
  /** The audit row's `command`: a command's name, or the permission of a button, modal or shortcut. */
  audited: string;
  /** What the user sent, for the audit row (redacted here). */
  arguments: string;
  /** The permission the request needs (as parsed: a subcommand's own), or why it is not known. */
  needs: string | Unknown;
}

/** How a run ended; thrown errors are turned into one of these by the pipeline. */
export interface Outcome {
  outcome: AuditOutcome;
  detail?: string;
  answer?: Answer;
}

/** The work behind an interaction: run now (answered when done), or enqueued for a worker. */
export type Work =
  | {
      /** `answer` answers early (a modal must be closed within 3 s); the first answer wins. */
      run: (answer: (a?: Answer) => Promise<void>) => Promise<Outcome | undefined>;
    }
  | {
      enqueue: { name: string; data: unknown; jobId: string };
      /** The acknowledgement once the job is queued. */
      queued: Answer;
    };

/** How long the acknowledgement path may wait for Redis before telling the user it is down. */
const ENQUEUE_TIMEOUT_MS = 1_500;

/** Slash commands and mentions are counted by command; buttons and modals are not (yet). */
const counted = (kind: InteractionKind) => kind === 'command' || kind === 'mention';

/**
 * Runs one interaction through the pipeline. `answer` delivers an answer (ack, response_url, a
 * thread reply, a modal's errors); it is called at most once, and with no argument for an empty ack.
 */
export async function runInteraction(
  deps: Deps,
  req: Interaction,
  work: Work,
  answer: (a?: Answer) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  let answered = false;
  const once = async (a?: Answer) => {
    if (answered) return;
    answered = true;
    await answer(a);
  };
  const audit = async (outcome: AuditOutcome, detail?: string) => {
    // An unknown command's name is whatever the user typed: not a metric label.
    const label = typeof req.needs === 'string' ? req.audited : 'unknown';
    if (counted(req.kind)) deps.metrics.commands.inc({ command: label, outcome });
    await deps.audit
      .record({
        userId: req.userId,
        teamId: req.teamId,
        channelId: req.channelId,
        command: req.audited,
        arguments: deps.redact(req.arguments),
        source: counted(req.kind) ? 'slack' : 'button',
        outcome,
        detail,
        durationMs: Date.now() - started,
      })
      .catch((err) => deps.logger.warn({ err }, 'audit write failed'));
  };
  // The answer goes first: the audit write must not delay it.
  const finish = async (o: Outcome) => {
    await once(o.answer);
    await audit(o.outcome, o.detail);
  };

  if (typeof req.needs !== 'string') {
    return finish({ outcome: 'bad_args', detail: req.needs.unknown, answer: await req.needs.answer() });
  }
  const outcome = await authoriseAndRun(deps, req, req.needs, work, once).catch((err) =>
    errorOutcome(deps, req, err),
  );
  // Queued: the worker writes this request's audit row (with the job's id) when it has run.
  if (outcome === 'queued') return;
  await finish(outcome);
}

/** Authorise, then run the work now (its outcome) or enqueue it ('queued', answered already). */
async function authoriseAndRun(
  deps: Deps,
  req: Interaction,
  permission: string,
  work: Work,
  answer: (a?: Answer) => Promise<void>,
): Promise<Outcome | 'queued'> {
  const enqueue = 'enqueue' in work;
  const gate = await guard(deps, {
    userId: req.userId,
    channelId: req.channelId,
    permission,
    what: req.what,
    // A button (or a shortcut's menu) cannot be used elsewhere: "use an ops channel" would be wrong advice.
    button: req.kind === 'action' || req.kind === 'shortcut',
    // An enqueued request takes its rate-limit point with the enqueue, below.
    skipRate: enqueue,
  });
  if (!gate.ok) return { outcome: gate.outcome, detail: permission, answer: gate.message };
  if (!enqueue) return (await work.run(answer)) ?? { outcome: 'ok' };
  const refused = await enqueueWork(deps, req, permission, work);
  if (refused) return refused;
  if (counted(req.kind)) deps.metrics.commands.inc({ command: req.audited, outcome: 'queued' });
  await answer(work.queued);
  return 'queued';
}

/** The two tiers: a UserError is shown as it is; anything else is logged with a reference, shown alone. */
function errorOutcome(deps: Deps, req: Interaction, err: unknown): Outcome {
  if (err instanceof UserError) return { outcome: 'failed', detail: err.message, answer: err.message };
  const ref = newRef();
  deps.logger.error({ ref, err, kind: req.kind, what: req.what }, 'interaction failed');
  return { outcome: 'failed', detail: `ref ${ref}`, answer: deps.t('common.failedRef', { ref }) };
}

/**
 * One round trip for the rate limit and the enqueue: the rate-limit script appends the job to the
 * command inbox only when the point it takes is within the limit (`consumeAppending`), and a relay
 * on the workers moves it into BullMQ (src/queue/inbox.ts). Returns the refusal (rate limit, or
 * Redis down: told to the user), or undefined once the job is queued.
 */
async function enqueueWork(
  deps: Deps,
  req: Interaction,
  permission: string,
  work: Extract<Work, { enqueue: unknown }>,
): Promise<Outcome | undefined> {
  let rate: RateResult;
  try {
    rate = await withTimeout(
      appendToInbox(deps.queues, work.enqueue, (stream, entry) =>
        deps.rateLimiter.consumeAppending(req.userId, stream, entry),
      ),
      ENQUEUE_TIMEOUT_MS,
      'enqueue',
    );
  } catch (err) {
    const ref = newRef();
    deps.logger.error({ ref, what: req.what, err }, 'could not enqueue');
    return {
      outcome: 'queue_unavailable',
      detail: `ref ${ref}`,
      answer: deps.t('common.queueDown', { command: req.what, ref }),
    };
  }
  if (!rate.ok) {
    const seconds = Math.max(1, Math.ceil(rate.retryAfterMs / 1000));
    return {
      outcome: 'rate_limited',
      detail: permission,
      answer: deps.t('commands.rateLimited', { seconds }),
    };
  }
  return undefined;
}

/** The message an answer through a response_url is. */
export interface EphemeralReply {
  response_type: 'ephemeral';
  replace_original: false;
  text: string;
}

/**
 * An answer to a button, select or shortcut: an ephemeral message through its response_url, next
 * to (not replacing) the message the user clicked in. No answer: nothing sent.
 */
export function answerByResponse(
  deps: Pick<Deps, 'logger'>,
  respond: (message: EphemeralReply) => Promise<unknown>,
): (a?: Answer) => Promise<void> {
  return async (a) => {
    if (a === undefined) return;
    const text = typeof a === 'string' ? a : 'errors' in a ? Object.values(a.errors).join('\n') : a.text;
    await respond({ response_type: 'ephemeral', replace_original: false, text }).catch((err) =>
      deps.logger.warn({ err }, 'could not answer an interaction'),
    );
  };
}

/** A modal submission's answer: errors shown on its fields (a text goes on the first one), or it closes. */
export function answerView(ack: ViewAck, firstBlock: string): (a?: Answer) => Promise<void> {
  return (a) => {
    if (a === undefined) return ack();
    const errors =
      typeof a === 'string' ? { [firstBlock]: a } : 'errors' in a ? a.errors : { [firstBlock]: a.text };
    return ack({ response_action: 'errors', errors });
  };
}

export type ViewAck = (response?: {
  response_action: 'errors';
  errors: Record<string, string>;
}) => Promise<void>;

/** A modal's fields that do not validate: shown on the fields, audited as bad arguments. */
export function invalid(errors: Record<string, string>): Outcome {
  return { outcome: 'bad_args', detail: Object.keys(errors).join(','), answer: { errors } };
}
