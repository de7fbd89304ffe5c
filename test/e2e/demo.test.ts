import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { uniqueName, withSchema } from '../helpers/db.ts';
import { cleanupPrefix, testRedisUrl } from '../helpers/redis.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs `npm run demo`'s script as a user would, without a terminal; resolves with its exit code and output. */
function runDemo(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 150_000,
  onOutput?: (out: string, child: ChildProcess) => void,
) {
  return new Promise<{ code: number | null; out: string }>((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      onOutput?.(out, child);
    });
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
    // No sudo on this PATH (as on root machines and in containers): the command is given without it.
    expect(out).toContain('apt-get install prometheus prometheus-alertmanager');
    expect(out).not.toContain('sudo');
    expect(out).not.toContain('demo running');
  });

  it('shows an incident thread with its checklist and evidence when a service breaks, and its resolution when it is mended', async () => {
    const db = await withSchema({ prefix: 'demo' });
    onTestFinished(() => db.drop());
    const prefix = uniqueName('demo');
    onTestFinished(async () => {
      const redis = new Redis(testRedisUrl());
      await cleanupPrefix(redis, prefix).catch(() => {});
      await redis.quit();
    });
    const { code, out } = await runDemo(
      ['--auto', '--break-after', '2s', '--mend-after', '14s', '--resolve-timeout', '45s'],
      {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: prefix,
        SLACK_BOT_TOKEN: '',
        LOCALE: 'zh-CN',
      },
    );
    expect(out, out).toContain('console mode');
    expect(code, out).toBe(0);
    // The root message in the incident channel: the manual's ServiceDown about the broken service.
    const root = out.indexOf('│ 🔴 SEV1 ServiceDown\n');
    expect(root, out).toBeGreaterThan(out.indexOf('Broke admin-api'));
    expect(out).toContain('服务 laojun-admin-api 已停止');
    // The manual's checklist in the thread, unticked.
    const checklist = out.indexOf('☐ 确认故障范围和影响');
    expect(checklist).toBeGreaterThan(root);
    expect(out).toContain('☐ 更新运维文档');
    // On call: the demo's on-call person is named in the thread and paged by DM with the thread's link.
    expect(out.indexOf('📟 已通知值班人 @U0DEMOONCALL')).toBeGreaterThan(root);
    expect(out).toContain('📟 你正在值班：critical ServiceDown');
    // Evidence: a link to the graph in the demo's own Prometheus.
    const prometheus = /Prometheus (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(out).toContain(`Prometheus 图表 (${prometheus}/graph?`);
    // Evidence the bot posts into the thread: the broken service's status, from the demo's Prometheus.
    const evidence = out.indexOf('laojun-admin-api 状态');
    expect(evidence).toBeGreaterThan(root);
    expect(out).toMatch(/up\s+🔴 0\/1/);
    expect(out).toMatch(/\/health\s+🔴 HTTP 503/);
    // Mended: the root message turns resolved (first: it is what the channel shows) and the thread says so.
    const mended = out.indexOf('Mended admin-api');
    expect(out.indexOf('│ ✅ 已恢复 · ServiceDown\n')).toBeGreaterThan(mended);
    expect(out.indexOf('✅ 事件已恢复')).toBeGreaterThan(mended);
    expect(out).toContain('Resolved. Stopping everything the demo started.');
    // Without --keep-logs the folder it advertised is removed at the end.
    const logDir = /logs: (\S+) \(removed at the end; --keep-logs keeps them\)/.exec(out)?.[1];
    expect(logDir, out).toBeDefined();
    expect(existsSync(logDir as string)).toBe(false);
    // Everything it started is stopped.
    const am = /Alertmanager (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    for (const url of [prometheus, am]) {
      await expect(fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  }, 150_000);

  it('Ctrl-C stops everything it started', async () => {
    const db = await withSchema({ prefix: 'demo' });
    onTestFinished(() => db.drop());
    let interrupted = false;
    const { code, out } = await runDemo(
      ['--auto', '--break-after', '60s', '--mend-after', '90s', '--keep-logs'],
      {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: uniqueName('demo'),
        SLACK_BOT_TOKEN: '',
      },
      60_000,
      (text, child) => {
        if (!interrupted && text.includes('--auto: breaking')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    );
    expect(out).toContain('Stopping everything the demo started');
    expect(code, out).toBe(130);
    // --keep-logs: the folder it advertised is still there, with the bot's log.
    const kept = /Logs and configurations kept in (\S+)/.exec(out)?.[1];
    expect(kept, out).toBe(/logs: (\S+) \(kept\)/.exec(out)?.[1]);
    onTestFinished(() => rmSync(kept as string, { recursive: true, force: true }));
    expect(existsSync(join(kept as string, 'bot.log'))).toBe(true);
    const urls = [...out.matchAll(/(?:Prometheus|Alertmanager|bot) (http:\/\/127\.0\.0\.1:\d+)/g)].map(
      (m) => m[1],
    );
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      await expect(fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    }
  }, 90_000);

  it('refuses a service it does not simulate, naming the ones it does', async () => {
    const { code, out } = await runDemo(['--auto', '--service', 'payments'], process.env);
    expect(code).toBe(2);
    expect(out).toContain(
      '--service payments: expected one of admin-api, marketplace-api, config-center, gateway',
    );
  });
});
