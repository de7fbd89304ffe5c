import { buildDeps, closeDeps } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { newRef, UserError } from './errors.ts';
import { renderText } from './report/text.ts';
import { isBotTablesMissing } from './store/db.ts';

/**
 * `laojun <command> [arguments]`: runs the same commands as Slack, in this process, and prints
 * text (`--json` prints the report's data). No Redis or Slack is needed.
 */
export async function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv,
  out: NodeJS.WritableStream,
): Promise<number> {
  const json = argv.includes('--json');
  const words = argv.filter((a) => a !== '--json');
  let config: ReturnType<typeof loadConfig>;
  try {
    // The CLI does not store anything; point the bot's own database at the target when unset.
    config = loadConfig({
      ...env,
      DATABASE_URL:
        env.DATABASE_URL ?? env.TARGET_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      SLACK_BOT_TOKEN: undefined,
      SLACK_APP_TOKEN: undefined,
      LOG_LEVEL: env.LOG_LEVEL ?? 'error',
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      out.write(`configuration error: ${err.message}\n`);
      return 78;
    }
    throw err;
  }
  const deps = buildDeps(config, { logDestination: process.stderr as never });
  try {
    const [name, ...rest] = words;
    if (!name || name === 'help' || name === '--help') {
      out.write(renderText(deps.commands.helpAll(deps.t, deps.locale)));
      return 0;
    }
    const def = deps.commands.get(name);
    if (!def) {
      out.write(
        `${deps.t('commands.unknownCommand', {
          command: name,
          list: deps.commands
            .list()
            .map((c) => c.name)
            .join(' '),
        })}\n`,
      );
      return 64;
    }
    const text = rest.map((w) => (/\s/.test(w) ? `"${w}"` : w)).join(' ');
    const parsed = deps.commands.parse(def, text, deps);
    if (parsed.kind === 'help') {
      out.write(renderText(deps.commands.help(def, deps.t, deps.locale)));
      return 0;
    }
    if (parsed.kind === 'error') {
      out.write(`${deps.commands.usageError(def, parsed.message, deps.t)}\n`);
      return 64;
    }
    try {
      const report = await def.run(parsed.args, { deps, user: { id: env.USER ?? 'cli' }, source: 'cli' });
      const clean = (await import('./report/report.ts')).mapReportText(report, deps.redact);
      if (clean.document && !json) out.write(deps.redact(clean.document.content));
      else out.write(json ? `${JSON.stringify(clean.data ?? clean, null, 2)}\n` : renderText(clean));
      return report.tone === 'error' ? 2 : 0;
    } catch (err) {
      if (err instanceof UserError) {
        out.write(`${err.message}\n`);
        return 1;
      }
      // Pointed at a database the bot never migrated (the CLI does not migrate).
      if (isBotTablesMissing(err)) {
        out.write(`${deps.t('commands.tablesMissing', { schema: config.databaseSchema })}\n`);
        return 69;
      }
      const ref = newRef();
      deps.logger.error({ ref, err }, 'cli command failed');
      out.write(`${deps.t('common.failedRef', { ref })}\n`);
      return 70;
    }
  } finally {
    await closeDeps(deps);
  }
}
