import type { z } from 'zod';
import type { Deps } from '../deps.ts';
import type { Localized } from '../i18n/index.ts';
import type { Report } from '../report/report.ts';
import type { FlagSpec, ParsedArgv } from './argv.ts';

export interface CommandContext {
  deps: Deps;
  user: { id: string; teamId?: string };
  channelId?: string;
  /** Set when the command runs inside an incident thread. */
  threadTs?: string;
  source: 'slack' | 'cli' | 'button' | 'schedule' | 'incident';
  /** The BullMQ job running it, when there is one. */
  jobId?: string;
}

/**
 * A slash command as data plus a handler. `args` turns the parsed slash text into typed arguments;
 * its error messages are shown to the user with the usage line.
 */
export interface CommandDefinition<A = unknown> {
  name: string;
  summary: Localized;
  /** Usage line, e.g. `/status [service]`. */
  usage: string;
  examples: string[];
  /** Permission the user needs, e.g. `status`, `backup:run`. */
  permission: string;
  /** A stricter permission for some arguments (e.g. `/backup list` vs `/backup postgres`), checked after parsing. */
  permissionFor?(args: A): string;
  /** Options the slash text may carry, e.g. `{ limit: 'string', verbose: 'boolean' }`. */
  flags?: FlagSpec;
  args: z.ZodType<A, ParsedArgv>;
  /**
   * Checks that need the configuration (e.g. known service names); returns a message for the user, or
   * `{ config }` when the arguments are fine but the bot is not configured for them (CLI exit 78).
   */
  validate?(args: A, deps: Deps): string | { config: string } | undefined;
  run(args: A, ctx: CommandContext): Promise<Report>;
  /**
   * A request this command answers in the acknowledgement instead of parsing and enqueueing it,
   * because the answer cannot wait for a worker (a modal: its trigger lasts 3 s). `wants` says
   * which slash requests these are; `permission` is what they need; `run` returns the ephemeral
   * text to acknowledge with (undefined: an empty acknowledgement) and the audit row's detail.
   */
  interactive?: InteractiveHook;
}

/** A slash request as the interactive hook sees it (the text is already redacted). */
export interface InteractiveRequest {
  userId: string;
  teamId?: string;
  channelId: string;
  text: string;
  /** Slack's trigger_id (none for a mention): opens a modal, once, within 3 s. */
  triggerId?: string;
}

export interface InteractiveHook {
  wants(request: InteractiveRequest): boolean;
  permission: string;
  /** The audit row's `arguments` (the request's text by default). */
  audited?: string;
  run(deps: Deps, request: InteractiveRequest): Promise<{ answer?: string; detail?: string }>;
}

export function defineCommand<A>(def: CommandDefinition<A>): CommandDefinition<A> {
  return def;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds commands of every argument type; each is checked by its own zod schema.
export type AnyCommand = CommandDefinition<any>;
