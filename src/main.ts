import { createInterface } from 'node:readline';
import { type Bot, createBot } from './app.ts';
import { ConfigError, LOCAL_DATABASE_URL, loadConfig } from './config.ts';
import { handleConsoleLine } from './slack/console-input.ts';

/** Console mode: lines typed like `/status redis` run as slash commands, answers printed. */
function readConsoleCommands(bot: Bot): void {
  if (!process.stdin.isTTY) return;
  process.stdout.write(`${bot.deps.t('commands.consoleReady')}\n`);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    // Answers are printed through the port, so they pass the outbound filter like everything else.
    void handleConsoleLine(bot.deps, line, (text) => {
      bot.deps.slack.respond('console', { text: '', plain: text }).catch(() => {});
    });
  });
}

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  // Console mode (no Slack token) is for trying the bot on a workstation: its own database defaults
  // to the local server, as for the CLI and the demo. With Slack, DATABASE_URL stays required.
  const consoleDefault = !process.env.SLACK_BOT_TOKEN?.trim() && !process.env.DATABASE_URL?.trim();
  const env = consoleDefault ? { ...process.env, DATABASE_URL: LOCAL_DATABASE_URL } : process.env;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`laojun-chatops: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  // Traces (off unless OTEL_EXPORTER_OTLP_ENDPOINT is set) start before anything opens a server or a queue.
  const telemetry = config.telemetry
    ? (await import('./telemetry.ts')).startTelemetry(config.telemetry)
    : undefined;
  const role = config.role;
  let bot: Bot;
  try {
    bot = await createBot(config, { role, queueTelemetry: telemetry?.queue });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`laojun-chatops: configuration error: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  if (consoleDefault) {
    bot.deps.logger.info(
      { database: LOCAL_DATABASE_URL, schema: config.databaseSchema },
      'console mode: DATABASE_URL is not set, using the local PostgreSQL',
    );
  }
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
