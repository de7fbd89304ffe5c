import { hostname } from 'node:os';
import { buildDeps, closeDeps } from './app.ts';
import { ConfigError, LOCAL_DATABASE_URL, loadConfig } from './config.ts';
import type { Deps } from './deps.ts';
import { newRef, UserError } from './errors.ts';
import { mapReportText } from './report/report.ts';
import { renderText } from './report/text.ts';
import type { AuditOutcome } from './store/audit.ts';
import { isBotTablesMissing } from './store/db.ts';

/** Exit codes (sysexits.h where one fits). */
export const EXIT = {
  ok: 0,
  refused: 1,
  reportError: 2,
  usage: 64,
  tablesMissing: 69,
  failed: 70,
  config: 78,
} as const;

/** A URL with its password replaced, for printing. */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** The CLI's own help: the commands, its options and its exit codes. */
function cliHelp(deps: Deps): string {
  const { t } = deps;
  return `${renderText(deps.commands.helpAll(t, deps.locale)).trimEnd()}\n\n${t('commands.cliUsage')}\n${t('commands.cliOptions')}\n${t('commands.cliExitCodes')}\n`;
}

/**
 * `laojun <command> [arguments] [--json] [--verbose]`: runs the same commands as Slack, in this
 * process, and prints text to `out` (`--json` prints the report's data); errors and notes go to `err`.
 * No Redis or Slack is needed. Each command run is recorded in the audit log (source `cli`) when the
 * bot's tables exist in the database.
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = out,
): Promise<number> {
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const words = argv.filter((a) => !['--json', '--verbose', '-v'].includes(a));
  const databaseUrl = env.DATABASE_URL || env.TARGET_DATABASE_URL || LOCAL_DATABASE_URL;
  let config: ReturnType<typeof loadConfig>;
  try {
    // The CLI stores only its audit entries; the bot's own database defaults to the target, then
    // to the local server.
    config = loadConfig({
      ...env,
      DATABASE_URL: databaseUrl,
      SLACK_BOT_TOKEN: undefined,
      SLACK_APP_TOKEN: undefined,
      LOG_LEVEL: env.LOG_LEVEL ?? 'error',
    });
  } catch (e) {
    if (e instanceof ConfigError) {
      err.write(`configuration error: ${e.message}\n`);
      return EXIT.config;
    }
    throw e;
  }
  const deps = buildDeps(config, { logDestination: err as never });
  const { t } = deps;
  if (verbose) {
    const source = env.DATABASE_URL
      ? 'DATABASE_URL'
      : env.TARGET_DATABASE_URL
        ? 'TARGET_DATABASE_URL'
        : 'default: DATABASE_URL is not set';
    err.write(
      `database: ${withoutPassword(config.databaseUrl)} (schema ${config.databaseSchema}; ${source})\n` +
        `target database: ${withoutPassword(config.targetDatabaseUrl)}\n`,
    );
  }
  try {
    const [first, ...rest] = words;
    let name = first;
    let args = rest;
    if (!name || name === 'help' || name === '--help' || name === '-h') {
      // `laojun help status` is `laojun status help`.
      if (!rest[0]) {
        out.write(cliHelp(deps));
        return EXIT.ok;
      }
      [name = '', ...args] = rest;
      args = ['help'];
    }
    const def = deps.commands.get(name);
    if (!def) {
      err.write(
        `${t('commands.unknownCommand', {
          command: name,
          list: deps.commands
            .list()
            .map((c) => c.name)
            .join(' '),
        })}\n${t('commands.cliUsage')}\n`,
      );
      return EXIT.usage;
    }
    const text = args.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ');
    const userId = env.USER || env.LOGNAME || 'cli';
    const started = Date.now();
    const audit = async (outcome: AuditOutcome, detail?: string) => {
      try {
        await deps.audit.record({
          userId,
          channelId: `cli@${hostname()}`,
          command: def.name,
          arguments: deps.redact(text),
          source: 'cli',
          outcome,
          detail: detail === undefined ? undefined : deps.redact(detail).slice(0, 500),
          durationMs: Date.now() - started,
        });
      } catch (e) {
        const reason = isBotTablesMissing(e)
          ? `no audit table in schema ${config.databaseSchema}`
          : (e as Error).message;
        if (verbose || !isBotTablesMissing(e)) err.write(`${t('commands.notAudited', { reason })}\n`);
      }
    };
    const parsed = deps.commands.parse(def, text, deps);
    if (parsed.kind === 'help') {
      await audit('help');
      out.write(renderText(deps.commands.help(def, t, deps.locale)));
      return EXIT.ok;
    }
    if (parsed.kind === 'error') {
      await audit('bad_args', parsed.message);
      err.write(`${deps.commands.usageError(def, parsed.message, t, parsed.config)}\n`);
      return parsed.config ? EXIT.config : EXIT.usage;
    }
    try {
      const report = await def.run(parsed.args, { deps, user: { id: userId }, source: 'cli' });
      const clean = mapReportText(report, deps.redact);
      await audit(
        report.tone === 'error' ? 'failed' : 'ok',
        report.tone === 'error' ? clean.title : undefined,
      );
      if (clean.document && !json) out.write(deps.redact(clean.document.content));
      else
        out.write(
          json ? `${deps.redact(JSON.stringify(clean.data ?? clean, null, 2))}\n` : renderText(clean),
        );
      return report.tone === 'error' ? EXIT.reportError : EXIT.ok;
    } catch (e) {
      if (e instanceof UserError) {
        await audit('failed', e.message);
        err.write(`${e.message}\n`);
        return EXIT.refused;
      }
      // Pointed at a database the bot never migrated (the CLI does not migrate).
      if (isBotTablesMissing(e)) {
        err.write(`${t('commands.tablesMissing', { schema: config.databaseSchema })}\n`);
        return EXIT.tablesMissing;
      }
      const ref = newRef();
      deps.logger.error({ ref, err: e }, 'cli command failed');
      await audit('failed', `ref ${ref}`);
      err.write(`${t('common.failedRef', { ref })}\n`);
      return EXIT.failed;
    }
  } finally {
    await closeDeps(deps);
  }
}
