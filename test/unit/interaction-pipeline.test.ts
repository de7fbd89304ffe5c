import type { RespondArguments, SlashCommand } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../commands/index.ts';
import { createAuthorizer } from '../../src/auth/authorize.ts';
import { permissionsSchema } from '../../src/auth/config.ts';
import { CommandRegistry } from '../../src/commands/registry.ts';
import { loadConfig } from '../../src/config.ts';
import type { Deps } from '../../src/deps.ts';
import { UserError } from '../../src/errors.ts';
import { createTranslator } from '../../src/i18n/index.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';
import { readInboxEntry } from '../../src/queue/inbox.ts';
import { createRedactor } from '../../src/redact.ts';
import { handleSlashCommand } from '../../src/slack/commands.ts';
import { type Answer, type Interaction, runInteraction } from '../../src/slack/pipeline.ts';
import type { AuditEntry } from '../../src/store/audit.ts';
import { logSink } from '../helpers/bot.ts';

/**
 * The interaction pipeline with the bot's real authorizer, registry, translator and logger, and
 * recording stand-ins for what would reach Redis, PostgreSQL and Slack (passed in, nothing mocked).
 * Commands are run in a DM, where the ops-channel role does not apply: a user has exactly the
 * permissions their role gives.
 */
function pipelineOf(roles: Record<string, { members: string[]; permissions: string[] }>) {
  const config = loadConfig({ DATABASE_URL: 'postgres://x@127.0.0.1/db', LOCALE: 'en' });
  const permissions = permissionsSchema.parse({ channels: ['C0OPS'], admins: ['U0ADMIN'], roles });
  const audits: AuditEntry[] = [];
  const enqueued: Array<{ name: string; data: unknown }> = [];
  const modals: unknown[] = [];
  const logs: string[] = [];
  const redact = createRedactor(['pw-0123456789']);
  const deps = {
    config: { ...config, file: { ...config.file, permissions } },
    logger: createLogger({ level: 'info', environment: 'test', redact, destination: logSink(logs) }),
    redact,
    t: createTranslator('en'),
    locale: 'en',
    metrics: createMetrics(),
    commands: new CommandRegistry(COMMANDS),
    authorizer: createAuthorizer({ file: { ...config.file, permissions } }, async () => []),
    rateLimiter: {
      consume: async () => ({ ok: true }),
      // The script's append, recorded: what the relay would move into BullMQ.
      consumeAppending: async (_user: string, _stream: string, entry: string[]) => {
        const { name, data } = readInboxEntry(entry);
        enqueued.push({ name: name ?? '', data: JSON.parse(data ?? 'null') });
        return { ok: true };
      },
    },
    audit: {
      record: async (e: AuditEntry) => {
        audits.push(e);
      },
    },
    queues: {
      prefix: 'test',
      parse: (name: string, data: unknown) => ({ def: { name, queue: 'commands' }, data }),
    },
    slack: {
      openView: async (_trigger: string, view: unknown) => {
        modals.push(view);
        return { id: 'V1', hash: 'h' };
      },
    },
    now: () => new Date(),
  } as unknown as Deps; // only the members the pipeline and these commands use

  const slash = async (user: string, command: string, text: string, triggerId = '') => {
    const acks: Array<string | RespondArguments | undefined> = [];
    const body: SlashCommand = {
      token: '',
      command,
      text,
      user_id: user,
      user_name: '',
      team_id: 'T0TEAM',
      team_domain: '',
      channel_id: 'D0DM',
      channel_name: '',
      api_app_id: '',
      response_url: 'https://hooks.slack.com/commands/1',
      trigger_id: triggerId,
    };
    await handleSlashCommand(deps, body, async (r) => {
      acks.push(r);
    });
    const ack = acks[0];
    return { count: acks.length, text: typeof ack === 'string' ? ack : (ack?.text ?? '') };
  };
  return { deps, slash, audits, enqueued, modals, logs };
}

describe('slash commands through the interaction pipeline', () => {
  const roles = {
    declarers: { members: ['U0DECLARE'], permissions: ['incident:declare'] },
    readers: { members: ['U0READER'], permissions: ['incident:report'] },
  };

  it('authorises a subcommand with its own permission, not the command’s base one', async () => {
    const p = pipelineOf(roles);
    const r = await p.slash('U0DECLARE', '/incident', 'declare Users cannot log in');
    expect(r.text).toContain('/incident declare Users cannot log in');
    expect(r.text).not.toContain('incident:report');
    expect(p.enqueued).toMatchObject([
      { name: 'run-command', data: { command: 'incident', text: 'declare Users cannot log in' } },
    ]);
    expect(p.audits).toEqual([]);
  });

  it('refuses a subcommand the user lacks, naming its permission, and enqueues nothing', async () => {
    const p = pipelineOf(roles);
    const r = await p.slash('U0READER', '/incident', 'ack 42');
    expect(r.text).toContain('`incident:ack`');
    expect(r.text).toContain('<@U0ADMIN>');
    expect(p.enqueued).toEqual([]);
    expect(p.audits).toMatchObject([
      { command: 'incident', arguments: 'ack 42', outcome: 'denied', detail: 'incident:ack' },
    ]);
    expect(p.audits[0]?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('answers help and bad arguments under the command’s own permission', async () => {
    const p = pipelineOf(roles);
    // Nothing runs, so only the command's permission is asked: a reader gets the usage line…
    const usage = await p.slash('U0READER', '/incident', 'ack');
    expect(usage.text).toContain('Usage');
    // …and a user without it is told who grants it, not how to type the command.
    const refused = await p.slash('U0DECLARE', '/incident', 'help');
    expect(refused.text).toContain('`incident:report`');
    expect(p.audits.map((a) => [a.userId, a.outcome])).toEqual([
      ['U0READER', 'bad_args'],
      ['U0DECLARE', 'denied'],
    ]);
  });

  it('opens the declare modal for /incident alone through the command’s interactive hook', async () => {
    const p = pipelineOf(roles);
    const r = await p.slash('U0DECLARE', '/incident', '', 'trigger-1');
    expect(r).toEqual({ count: 1, text: '' });
    expect(p.modals).toHaveLength(1);
    expect(p.enqueued).toEqual([]);
    expect(p.audits).toMatchObject([
      { command: 'incident:declare', arguments: 'modal', outcome: 'ok', detail: 'modal opened' },
    ]);
    // The hook asks for its own permission: a reader may read reports but not declare.
    const refused = await p.slash('U0READER', '/incident', '', 'trigger-2');
    expect(refused.text).toContain('`incident:declare`');
    expect(p.modals).toHaveLength(1);
  });
});

describe('the two tiers of errors', () => {
  const request: Interaction = {
    kind: 'action',
    userId: 'U0ADMIN',
    channelId: 'C0OPS',
    what: 'incident_ack',
    audited: 'incident:ack',
    arguments: 'incident_ack 7',
    needs: 'incident:ack',
  };
  /** Runs `run` as the work of an interaction; returns what the pipeline answered and the recorders. */
  async function interact(
    run: (answer: (a?: Answer) => Promise<void>) => Promise<undefined>,
    req: Interaction = request,
  ) {
    const p = pipelineOf({});
    const answers: Array<Answer | undefined> = [];
    await runInteraction(p.deps, req, { run }, async (a) => {
      answers.push(a);
    });
    return { ...p, answers };
  }

  it('shows a UserError’s text and audits it as failed', async () => {
    const p = await interact(async () => {
      throw new UserError('Incident not found.');
    });
    expect(p.answers).toEqual(['Incident not found.']);
    expect(p.audits).toMatchObject([{ outcome: 'failed', detail: 'Incident not found.', source: 'button' }]);
  });

  it('logs anything else as the error with a reference (secrets removed) and shows only the reference', async () => {
    const p = await interact(async () => {
      throw new TypeError('cannot reach postgres://bot:pw-0123456789@db/chatops');
    });
    const ref = /ref (\w+)/.exec(p.audits[0]?.detail ?? '')?.[1] ?? '';
    expect(ref).toMatch(/^[0-9a-f]{8}$/);
    expect(p.answers).toHaveLength(1);
    expect(String(p.answers[0])).toContain(ref);
    expect(String(p.answers[0])).not.toContain('postgres');
    const entry = p.logs.map((l) => JSON.parse(l)).find((l) => l.ref === ref);
    expect(entry?.err).toMatchObject({ type: 'TypeError' });
    expect(entry.err.stack).toContain('interaction-pipeline.test');
    expect(p.logs.join('\n')).not.toContain('pw-0123456789');
  });

  it('answers once: an early answer (a closed modal) is not followed by a second one', async () => {
    const p = await interact(
      async (answer) => {
        await answer();
        throw new Error('after the modal closed');
      },
      { ...request, kind: 'view' },
    );
    expect(p.answers).toEqual([undefined]);
    expect(p.audits).toMatchObject([{ outcome: 'failed' }]);
  });
});
