import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, onTestFinished } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `npm run demo`'s script as a user would, without a terminal; resolves with its exit code and output. */
function runDemo(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 150_000) {
  return new Promise<{ code: number | null; out: string }>((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out });
    });
  });
}

describe('npm run demo', () => {
  it('says exactly what to install when Prometheus and Alertmanager are missing, and starts nothing', async () => {
    const emptyBin = mkdtempSync(join(tmpdir(), 'no-bin-'));
    onTestFinished(() => rmSync(emptyBin, { recursive: true, force: true }));
    const { code, out } = await runDemo(['--auto'], { PATH: emptyBin, HOME: process.env.HOME });
    expect(code).toBe(1);
    expect(out).toContain('sudo apt-get install prometheus prometheus-alertmanager');
    expect(out).not.toContain('demo running');
  });

  it('refuses a service it does not simulate, naming the ones it does', async () => {
    const { code, out } = await runDemo(['--auto', '--service', 'payments'], process.env);
    expect(code).toBe(2);
    expect(out).toContain(
      '--service payments: expected one of admin-api, marketplace-api, config-center, gateway',
    );
  });
});
