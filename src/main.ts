import { createInterface } from 'node:readline';
import { type Bot, createBot } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';

/** Console mode: lines typed like `/status redis` run as slash commands, answers printed. */
function readConsoleCommands(bot: Bot): void {
  if (!process.stdin.isTTY) return;
  process.stdout.write('Console mode: type a slash command such as /status, or /status help.\n');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', async (line) => {
    const m = /^\/(\S+)\s*(.*)$/.exec(line.trim());
    if (!m) return;
    const [, command = '', text = ''] = m;
    const { deps } = bot;
    // Answers are printed through the port, so they pass the outbound filter like everything else.
    const say = (plain: string) => deps.slack.respond('console', { text: '', plain }).catch(() => {});
    const def = deps.commands.get(command);
    if (!def) {
      await say(
        deps.t('commands.unknownCommand', {
          command: `/${command}`,
          list: deps.commands
            .list()
            .map((c) => `/${c.name}`)
            .join(' '),
        }),
      );
      return;
    }
    const parsed = deps.commands.parse(def, text, deps);
    if (parsed.kind === 'error') {
      await say(deps.commands.usageError(def, parsed.message, deps.t));
      return;
    }
    if (parsed.kind === 'help') {
      await deps.slack.respond('console', {
        text: '',
        plain: (await import('./report/text.ts')).renderText(deps.commands.help(def, deps.t, deps.locale)),
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
      .catch((err) => say((err as Error).message));
  });
}

async function main(): Promise<void> {
  // Traces (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set) start before anything opens a server or a queue.
  const telemetry = process.env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim()
    ? (await import('./telemetry.ts')).startTelemetry(process.env)
    : undefined;
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`laojun-chatops: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const role = (process.env.BOT_ROLE ?? 'all') as 'all' | 'web' | 'worker';
  if (!['all', 'web', 'worker'].includes(role)) {
    process.stderr.write(
      'laojun-chatops: configuration error: BOT_ROLE invalid: expected all, web or worker\n',
    );
    process.exit(78);
  }
  const bot = await createBot(config, { role });
  let stopping = false;
  const shutdown = async (signal: string, code = 0) => {
    if (stopping) return;
    stopping = true;
    bot.deps.logger.info({ signal }, 'shutting down');
    try {
      await bot.stop();
      await telemetry?.shutdown().catch(() => {});
      process.exit(code);
    } catch (err) {
      bot.deps.logger.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // A promise nobody handles means a state nobody planned for (e.g. @slack/socket-mode 3.1 leaves
  // a refused reconnect unhandled, slackapi/node-slack-sdk#2656). Node would exit at once; instead
  // finish in-flight work like a SIGTERM and exit 1, so the supervisor restarts the bot.
  process.on('unhandledRejection', (reason) => {
    bot.deps.logger.fatal(
      { err: reason instanceof Error ? reason : new Error(String(reason)) },
      'unhandled promise rejection; stopping so that the bot is restarted',
    );
    void shutdown('unhandledRejection', 1);
  });
  await bot.start();
  if (config.slack.mode === 'console') readConsoleCommands(bot);
}

main().catch((err: Error) => {
  process.stderr.write(`laojun-chatops: failed to start: ${err.message}\n`);
  process.exit(1);
});
