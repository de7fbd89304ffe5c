/**
 * `npm run bench:backup`: the manual's PostgreSQL backup script against the bot's backup, on one
 * pgbench database, in the same run.
 *
 *   BENCH_SCALE=10 (default; pgbench -i scale, ~150 MB)   BENCH_SCALE=70 ≈ 1 GB
 *
 * Prints wall time, peak RSS, size for: the manual's script as written (pg_dump > file; gzip file),
 * the same as a pipe (pg_dump | gzip > file), and the bot's backup (pg_dump custom format streamed,
 * sha256 re-read and pg_restore --list verification included) run in a child process of its own so
 * its peak RSS is the bot's alone. Then the restore time of the bot's dump (pg_restore into a new
 * database) and of the manual's (gunzip | psql).
 */
import { execFile, spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pgEnv } from '../src/backup/postgres.ts';
import { makeTempDir } from '../test/helpers/cleanup.ts';
import { startPgCluster } from '../test/helpers/pg-cluster.ts';

const execFileAsync = promisify(execFile);

interface Measure {
  ms: number;
  bytes: number;
  /** Peak RSS in MiB of the measured process tree's largest member we can see. */
  rssMiB?: number;
}

/** Runs a shell command under GNU time when available; returns wall ms and the peak RSS of the command. */
async function timed(cmd: string, env: NodeJS.ProcessEnv): Promise<{ ms: number; rssMiB?: number }> {
  const t0 = performance.now();
  const { stderr } = await execFileAsync(
    'bash',
    [
      '-c',
      `command -v /usr/bin/time >/dev/null && exec /usr/bin/time -f 'RSS %M' bash -c ${JSON.stringify(cmd)} || exec bash -c ${JSON.stringify(cmd)}`,
    ],
    {
      env,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const rss = /RSS (\d+)/.exec(stderr);
  return { ms: performance.now() - t0, rssMiB: rss ? Number(rss[1]) / 1024 : undefined };
}

/** The bot's backup in a child process: prints one JSON line { ms, bytes, location, rssMiB }. */
async function child(): Promise<void> {
  const { buildDeps, closeDeps } = await import('../src/app.ts');
  const { loadConfig } = await import('../src/config.ts');
  const { migrate } = await import('../src/store/db.ts');
  const { runBackup } = await import('../src/backup/run.ts');
  const config = loadConfig(process.env, { databaseSchema: process.env.BENCH_SCHEMA ?? 'bench_backup' });
  const deps = buildDeps(config, { logDestination: { write: () => true } as never });
  await migrate(config.databaseUrl, config.databaseSchema, deps.logger);
  const baseline = process.memoryUsage.rss();
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  const t0 = performance.now();
  const r = await runBackup(deps, 'postgres', { trigger: 'cli' });
  const ms = performance.now() - t0;
  clearInterval(sampler);
  await closeDeps(deps);
  if (r.status !== 'ok') throw new Error(JSON.stringify(r));
  const maxRss = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(
    `${JSON.stringify({ ms, bytes: r.bytes, location: r.location, rssMiB: maxRss, baselineMiB: baseline / 1048576 })}\n`,
  );
}

function runChild(
  env: NodeJS.ProcessEnv,
): Promise<Measure & { location: string; rssMiB: number; baselineMiB: number }> {
  return new Promise((resolve, reject) => {
    const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));
    const p = spawn(tsx, [fileURLToPath(import.meta.url), '--child'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bot backup child exited ${code}`));
      resolve(JSON.parse(out.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const scale = Number(process.env.BENCH_SCALE ?? 10);
  const cluster = await startPgCluster({
    database: 'laojun',
    settings: { max_wal_size: '2GB', checkpoint_timeout: '30min' },
  });
  const dir = makeTempDir('bench-backup');
  try {
    const env = { ...pgEnv(cluster.url), LC_ALL: 'C' };
    console.log(`pgbench -i -s ${scale} …`);
    await execFileAsync('pgbench', ['-i', '-q', '-s', String(scale), '--no-vacuum'], { env });
    await execFileAsync('psql', ['-qc', 'VACUUM ANALYZE'], { env });
    const { stdout } = await execFileAsync(
      'psql',
      ['-tAc', 'SELECT pg_size_pretty(pg_database_size(current_database()))'],
      { env },
    );
    console.log(`database size: ${stdout.trim()} (scale ${scale})\n`);

    const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
    const manualFile = join(dir.path, 'laojun_manual.sql');
    const pipeFile = join(dir.path, 'laojun_pipe.sql.gz');
    const runs = { manual: [] as number[], pipe: [] as number[], bot: [] as number[] };
    let manualBytes = 0;
    let pipeBytes = 0;
    let manualRss: number | undefined;
    let bot!: Awaited<ReturnType<typeof runChild>>;
    let botRss = 0;
    // The machine is shared: rounds interleave the three so load hits them alike; medians are printed.
    for (let round = 0; round < rounds; round++) {
      // 1. The manual's script as written: pg_dump > file; gzip file.
      await execFileAsync('rm', ['-f', manualFile, `${manualFile}.gz`, pipeFile]);
      const manual = await timed(`pg_dump > ${manualFile} && gzip ${manualFile}`, env);
      runs.manual.push(manual.ms);
      manualRss = manual.rssMiB;
      manualBytes = statSync(`${manualFile}.gz`).size;
      // 2. The same as a pipe.
      runs.pipe.push((await timed(`pg_dump | gzip > ${pipeFile}`, env)).ms);
      pipeBytes = statSync(pipeFile).size;
      // 3. The bot, in a process of its own.
      bot = await runChild({
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
        TARGET_DATABASE_URL: cluster.url,
        BACKUP_DIR: join(dir.path, 'bot'),
        BENCH_SCHEMA: `bench_backup_${process.pid}`,
        LOG_LEVEL: 'silent',
      });
      runs.bot.push(bot.ms);
      botRss = Math.max(botRss, bot.rssMiB);
      console.log(
        `round ${round + 1}: manual ${sec(manual.ms)}, pipe ${sec(runs.pipe.at(-1) ?? 0)}, bot ${sec(bot.ms)}`,
      );
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

    // Restores.
    await execFileAsync('psql', ['-qc', 'CREATE DATABASE restore_bot', '-d', 'postgres'], { env });
    const restoreBot = await timed(`pg_restore --no-owner -d restore_bot ${bot.location}`, env);
    await execFileAsync('psql', ['-qc', 'CREATE DATABASE restore_manual', '-d', 'postgres'], { env });
    const restoreManual = await timed(
      `gunzip -c ${manualFile}.gz | psql -q -o /dev/null -d restore_manual`,
      env,
    );

    const rows: Array<[string, string, string, string]> = [
      [
        'manual script (pg_dump > f; gzip f)',
        sec(median(runs.manual)),
        mib(manualBytes),
        manualRss ? `${manualRss.toFixed(0)} MiB (largest tool)` : '?',
      ],
      ['pg_dump \\| gzip', sec(median(runs.pipe)), mib(pipeBytes), '—'],
      [
        'bot /backup postgres (verified)',
        sec(median(runs.bot)),
        mib(bot.bytes),
        `${botRss.toFixed(0)} MiB (bot process; ${bot.baselineMiB.toFixed(0)} MiB before the backup)`,
      ],
    ];
    console.log(`\nmedians of ${rounds} rounds:\n| run | wall time | size | peak RSS |\n|---|---|---|---|`);
    for (const r of rows) console.log(`| ${r.join(' | ')} |`);
    console.log(`\nratio bot / manual script: ${(median(runs.bot) / median(runs.manual)).toFixed(2)}`);
    console.log(`ratio bot / pg_dump | gzip: ${(median(runs.bot) / median(runs.pipe)).toFixed(2)}`);
    console.log(
      `restore: bot dump (pg_restore) ${sec(restoreBot.ms)}; manual dump (gunzip | psql) ${sec(restoreManual.ms)}`,
    );
    await execFileAsync('psql', ['-qc', `DROP SCHEMA IF EXISTS bench_backup_${process.pid} CASCADE`], {
      env: { ...process.env, PGDATABASE: 'test', PGHOST: '127.0.0.1', PGUSER: 'postgres' },
    }).catch(() => {});
  } finally {
    await cluster.stop();
    dir.remove();
  }
}

if (process.argv.includes('--child')) {
  child().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
