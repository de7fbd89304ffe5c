import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// One log line through the bot's logger, with its default destination.
const SCRIPT = `
import { createLogger } from './src/logger.ts';
const logger = createLogger({ level: 'info', environment: 'development', redact: (s) => s.replaceAll('hunter2', '[REDACTED]') });
logger.info({ port: 8080, password: 'x', note: 'pw hunter2' }, 'laojun chatops started');
`;

function run(argv: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(argv[0] as string, argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', () => resolvePromise(out));
  });
}

const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', SCRIPT];

describe('log output', () => {
  it('is JSON lines when stdout is not a terminal', async () => {
    const out = await run(node);
    const line = JSON.parse(out.trim()) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'info',
      msg: 'laojun chatops started',
      port: 8080,
      environment: 'development',
    });
    expect(out).not.toContain('hunter2');
  });

  it.skipIf(!existsSync('/usr/bin/script'))(
    'is readable lines, still redacted, when stdout is a terminal',
    async () => {
      // util-linux `script` gives the child a pseudo-terminal.
      const quoted = node.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
      const out = await run(['/usr/bin/script', '-qec', quoted, '/dev/null']);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips terminal colours
      const plain = out.replace(/\u001b\[[0-9;]*m/g, '');
      expect(plain).toMatch(/INFO: laojun chatops started/);
      expect(plain).toMatch(/port: 8080/);
      expect(plain).not.toContain('{"level"');
      expect(plain).not.toContain('hunter2');
      expect(plain).toContain('[REDACTED]');
    },
  );
});
