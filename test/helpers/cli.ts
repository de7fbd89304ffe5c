import { runCli } from '../../src/cli.ts';
import type { TestBot } from './bot.ts';

/**
 * Runs the `laojun` CLI against the bot's schema; returns the exit code and what it printed. `env`
 * adds settings (the incident channel, the operating-system user shown as the actor).
 */
export async function cli(
  t: TestBot,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = {
    write(chunk: string) {
      out += chunk;
      return true;
    },
  } as unknown as NodeJS.WritableStream;
  const code = await runCli(
    argv,
    { LOG_LEVEL: 'silent', DATABASE_URL: t.db.url, DATABASE_SCHEMA: t.db.schema, ...env },
    sink,
  );
  return { code, out };
}
