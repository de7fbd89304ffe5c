/**
 * Redis for tests: the machine's shared server (every test isolates itself with a unique key/queue
 * prefix and deletes its keys afterwards), or a private `redis-server` for fault tests that stop and
 * restart Redis.
 */
import net from 'node:net';
import type { Redis } from 'ioredis';
import { makeTempDir } from './cleanup.ts';
import { uniqueName } from './db.ts';
import { freePort } from './ports.ts';
import {
  findExecutable,
  type ManagedProcess,
  spawnManaged,
  waitForProcessReady,
  withPortRetry,
} from './process.ts';
import { sleep } from './wait.ts';

export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';
}

/**
 * A key prefix / BullMQ prefix unique to this process and call, e.g. `test_1234_9f2c01ab`.
 * No `:` in it (BullMQ refuses `:` in queue names); add your own separator when building keys.
 */
export function uniquePrefix(base = 'test'): string {
  return uniqueName(base);
}

function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, '\\$&');
}

/**
 * Deletes every key starting with `prefix` (SCAN + UNLINK). Returns how many were deleted.
 * Honours the client's own `keyPrefix` option (it is prepended to `prefix`).
 */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  if (!prefix) throw new Error('cleanupPrefix: refusing an empty prefix');
  const clientPrefix = redis.options.keyPrefix ?? '';
  const pattern = `${escapeGlob(clientPrefix + prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) {
      // SCAN returns full key names; the client prepends keyPrefix to the keys it is given.
      const names = keys.map((k) =>
        clientPrefix && k.startsWith(clientPrefix) ? k.slice(clientPrefix.length) : k,
      );
      deleted += await redis.unlink(...names);
    }
  } while (cursor !== '0');
  return deleted;
}

export interface RedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Kills the server and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /**
   * Stops the server (SIGTERM; `crash: true` for SIGKILL), waits `downtimeMs`, starts a new one on the
   * same port. Data is not persisted: the new server is empty.
   */
  restart(opts?: { downtimeMs?: number; crash?: boolean }): Promise<void>;
  /** Stops the server, keeping the port for startServer. */
  stopServer(opts?: { crash?: boolean }): Promise<void>;
  startServer(): Promise<void>;
  isRunning(): boolean;
  logs(): string;
}

/** Resolves true when a RESP PING on host:port answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
  });
}

/** A private `redis-server` (no persistence) on a free port. */
export async function startRedisServer(opts: { args?: string[] } = {}): Promise<RedisServer> {
  const bin = findExecutable([process.env.REDIS_SERVER_BIN ?? 'redis-server', '/usr/bin/redis-server']);
  if (!bin) throw new Error('redis-server not found (apt-get install redis-server)');
  const tmp = makeTempDir('redis');
  let proc: ManagedProcess | undefined;

  const launch = async (port: number) => {
    const p = spawnManaged(
      `redis-server:${port}`,
      bin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        tmp.path,
        '--daemonize',
        'no',
        '--logfile',
        '',
        ...(opts.args ?? []),
      ],
      { cwd: tmp.path },
    );
    await waitForProcessReady(p, () => ping(port), 10_000);
    proc = p;
  };

  let port = 0;
  try {
    await withPortRetry(async () => {
      port = await freePort();
      await launch(port);
    });
  } catch (err) {
    tmp.remove();
    throw err;
  }

  const stopServer = async ({ crash = false } = {}) => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    if (crash) await p.kill();
    else await p.stop();
  };
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    isRunning: () => proc?.isRunning() ?? false,
    logs: () => proc?.logs() ?? '',
    stopServer,
    async startServer() {
      if (!proc) await launch(port);
    },
    async restart({ downtimeMs = 0, crash = false } = {}) {
      await stopServer({ crash });
      if (downtimeMs) await sleep(downtimeMs);
      await launch(port);
    },
    stop() {
      stopped ??= (async () => {
        await stopServer({ crash: true });
        tmp.remove();
      })();
      return stopped;
    },
  };
}
