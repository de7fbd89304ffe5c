/**
 * The Dockerfile's build stage, reproduced without Docker: only the files it COPYs, `npm run build`, then
 * the compiled bot started the way the image starts it (node dist/src/main.js) in the worker role, and
 * the simulated platform the compose "demo" profile builds (`--target demo`). Catches a file the image
 * forgets to copy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/bot.ts';
import { type TestSchema, uniqueName, withSchema } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { testRedisUrl } from '../helpers/redis.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `COPY <src...> <dest>` lines of the first (build) stage, without --from. */
function buildStageCopies(dockerfile: string): string[] {
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const build = stages[0] ?? '';
  return [...build.matchAll(/^COPY (?!--from)(.+)$/gm)].flatMap((m) => {
    const parts = (m[1] ?? '').trim().split(/\s+/);
    return parts.slice(0, -1);
  });
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  return new Promise<{ code: number | null; out: string }>((resolvePromise) => {
    const child = spawn(cmd, args, { cwd, env });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => resolvePromise({ code, out }));
  });
}

describe('the image build, without Docker', () => {
  let dir: string;
  let db: TestSchema;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'image-build-'));
    for (const source of buildStageCopies(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))) {
      cpSync(join(ROOT, source), join(dir, source), { recursive: true });
    }
    // npm ci's result, shared instead of reinstalled (the network is not needed for this check).
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    db = await withSchema({ prefix: 'img' });
  }, 120_000);
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('copies everything `npm run build` needs, and the compiled bot starts and is ready', async () => {
    const build = await run('npm', ['run', 'build'], dir);
    expect(build.code, build.out).toBe(0);
    for (const file of ['dist/src/main.js', 'dist/migrations']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    // The bot's image ships dist/ only: the simulated platform is not in it.
    expect(existsSync(join(dir, 'dist/demo'))).toBe(false);
    expect(existsSync(join(dir, 'dist/src/demo'))).toBe(false);
    // The compose "demo" profile's image (`--target demo`) runs the simulator compiled on its own.
    const demo = await run('npx', ['tsc', '-p', 'tsconfig.demo.json'], dir);
    expect(demo.code, demo.out).toBe(0);
    expect(existsSync(join(dir, 'dist-demo/demo/platform-main.js'))).toBe(true);

    const port = await freePort();
    const bot = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        BOT_ROLE: 'worker',
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: db.schema,
        REDIS_URL: testRedisUrl(),
        QUEUE_PREFIX: uniqueName('img'),
      },
    });
    children.push(bot);
    let log = '';
    bot.stdout.on('data', (d) => (log += d));
    bot.stderr.on('data', (d) => (log += d));
    const ready = await eventually(
      () => fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok),
      20_000,
      200,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${log}`);
    });
    expect(ready).toBe(true);
    expect(log).toContain('"role":"worker"');
    bot.kill('SIGTERM');
    await new Promise((r) => bot.once('exit', r));
  }, 120_000);
});
