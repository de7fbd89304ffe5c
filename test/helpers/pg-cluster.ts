/**
 * A throwaway PostgreSQL cluster of the machine's version (initdb + pg_ctl), for tests that need a
 * server of their own: slow queries (pg_stat_statements), lock waits, backups, PostgreSQL restarts.
 *
 * Run as the `postgres` user through `runuser` when the tests run as root (PostgreSQL refuses to run
 * as root). The first cluster of a test process runs initdb into a template that later clusters copy,
 * so a cluster is up in well under a second after the first (~1.5 s).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { makeTempDir, registerCleanup } from './cleanup.ts';
import { freePort } from './ports.ts';
import { findExecutable, isAddressInUse } from './process.ts';
import { sleep } from './wait.ts';

const execFileAsync = promisify(execFile);

export interface PgClusterOptions {
  /** Database created after start (with the pg_stat_statements extension). Default `laojun`. */
  database?: string;
  /** Extra postgresql.conf settings, e.g. `{ log_lock_waits: 'on', deadlock_timeout: '100ms' }`. */
  settings?: Record<string, string | number | boolean>;
}

export interface PgCluster {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` (trust auth). */
  url: string;
  /** The same server's `postgres` database. */
  adminUrl: string;
  port: number;
  database: string;
  /** The cluster's data directory (owned by `postgres`). */
  dataDir: string;
  /** Directory of the unix socket (and of the server log, `postgres.log`). */
  socketDir: string;
  /** Directory holding initdb, pg_ctl, pg_dump, pg_restore of the server's version. */
  binDir: string;
  /** Contents of the server log so far. */
  log(): string;
  /** Stops the server (fast shutdown) and removes the data dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Restarts the server on the same port. With `downtimeMs`, stops it, waits, then starts it again.
   * `mode` is pg_ctl's shutdown mode (default `fast`: clients are disconnected).
   */
  restart(opts?: { downtimeMs?: number; mode?: ShutdownMode }): Promise<void>;
  /** Stops the server but keeps the data dir (the port stays reserved for startServer). */
  stopServer(mode?: ShutdownMode): Promise<void>;
  /** Starts a server stopped with stopServer. */
  startServer(): Promise<void>;
  isRunning(): boolean;
}

export type ShutdownMode = 'smart' | 'fast' | 'immediate';

let binDirCache: string | undefined;

/** The PostgreSQL server binaries: $PG_BIN_DIR, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function pgBinDir(): string {
  if (binDirCache) return binDirCache;
  const candidates: string[] = [];
  if (process.env.PG_BIN_DIR) candidates.push(process.env.PG_BIN_DIR);
  if (existsSync('/usr/lib/postgresql')) {
    const versions = readdirSync('/usr/lib/postgresql')
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) {
      binDirCache = dir;
      return dir;
    }
  }
  const onPath = findExecutable(['pg_ctl']);
  if (onPath && existsSync(join(dirname(onPath), 'initdb'))) {
    binDirCache = dirname(onPath);
    return binDirCache;
  }
  throw new Error('PostgreSQL server binaries (initdb, pg_ctl) not found; set PG_BIN_DIR');
}

const asRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL binary, as the `postgres` user when we are root. */
async function runPg(bin: string, args: string[], cwd: string): Promise<string> {
  const path = join(pgBinDir(), bin);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const key of Object.keys(env)) if (key.startsWith('PG')) delete env[key];
  try {
    const { stdout } = await execFileAsync(cmd, argv, { cwd, env, timeout: 60_000 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${bin} ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

async function chownToPostgres(path: string): Promise<void> {
  if (asRoot) await execFileAsync('chown', ['-R', 'postgres:', path]);
}

let templatePromise: Promise<string> | undefined;

/** initdb once per test process; clusters copy the result. */
function template(): Promise<string> {
  templatePromise ??= (async () => {
    const dir = makeTempDir('pg-template');
    await chownToPostgres(dir.path);
    const dataDir = join(dir.path, 'data');
    await runPg(
      'initdb',
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '-A',
        'trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      dir.path,
    );
    return dataDir;
  })();
  templatePromise.catch(() => {
    templatePromise = undefined;
  });
  return templatePromise;
}

function confValue(value: string | number | boolean): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return `'${value.replaceAll("'", "''")}'`;
}

async function query(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function startPgCluster(opts: PgClusterOptions = {}): Promise<PgCluster> {
  const database = opts.database ?? 'laojun';
  const templateDir = await template();
  const tmp = makeTempDir('pg');
  const dataDir = join(tmp.path, 'data');
  const logFile = join(tmp.path, 'postgres.log');
  let unregisterServer: () => void = () => {};
  try {
    await execFileAsync('cp', ['-a', templateDir, dataDir]);
    await chownToPostgres(tmp.path);
    unregisterServer = registerCleanup({ kind: 'postgres', dataDir });
    const baseConf = readFileSync(join(dataDir, 'postgresql.conf'), 'utf8');

    const settings: Record<string, string | number | boolean> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: tmp.path,
      shared_preload_libraries: 'pg_stat_statements',
      'pg_stat_statements.track': 'all',
      fsync: false,
      synchronous_commit: false,
      full_page_writes: false,
      max_connections: 100,
      logging_collector: false,
      ...opts.settings,
    };

    let running = false;
    const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    const startServer = async () => {
      try {
        await runPg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '30'], tmp.path);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n--- postgres.log ---\n${log().slice(-4_000)}`);
      }
      running = true;
    };
    const stopServer = async (mode: ShutdownMode = 'fast') => {
      if (!running) return;
      await runPg('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '30'], tmp.path);
      running = false;
    };

    // Choose a port; another worker may take it first, hence the retry.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const lines = Object.entries({ ...settings, port }).map(([k, v]) => `${k} = ${confValue(v)}`);
      writeFileSync(
        join(dataDir, 'postgresql.conf'),
        `${baseConf}\n# laojun test cluster\n${lines.join('\n')}\n`,
      );
      try {
        await startServer();
        break;
      } catch (err) {
        if (attempt >= 3 || !isAddressInUse(err)) throw err;
      }
    }

    const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const url = `postgres://postgres@127.0.0.1:${port}/${database}`;
    if (database !== 'postgres') await query(adminUrl, `CREATE DATABASE "${database.replaceAll('"', '""')}"`);
    await query(url, 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements');

    let stopped: Promise<void> | undefined;
    return {
      url,
      adminUrl,
      port,
      database,
      dataDir,
      socketDir: tmp.path,
      binDir: pgBinDir(),
      log,
      isRunning: () => running,
      stopServer,
      startServer: async () => {
        if (!running) await startServer();
      },
      async restart({ downtimeMs, mode = 'fast' } = {}) {
        if (downtimeMs === undefined && running) {
          await runPg(
            'pg_ctl',
            ['restart', '-D', dataDir, '-l', logFile, '-m', mode, '-w', '-t', '30'],
            tmp.path,
          );
          return;
        }
        await stopServer(mode);
        if (downtimeMs) await sleep(downtimeMs);
        await startServer();
      },
      stop() {
        stopped ??= (async () => {
          try {
            await stopServer('fast');
          } catch {
            await stopServer('immediate').catch(() => {});
          }
          unregisterServer();
          tmp.remove();
        })();
        return stopped;
      },
    };
  } catch (err) {
    // Registered cleanup (postgres + dir) still runs at exit; do it now.
    await runPg('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w'], tmp.path).catch(() => {});
    unregisterServer();
    tmp.remove();
    throw err;
  }
}
