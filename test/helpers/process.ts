/**
 * Child processes for the service helpers (prometheus, alertmanager, redis-server): started detached in
 * their own process group, output kept in a ring buffer for error messages, registered for cleanup.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { registerCleanup } from './cleanup.ts';
import { sleep } from './wait.ts';

const LOG_LIMIT = 64 * 1024;

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isRunning(): boolean;
  /** The last 64 KiB of stdout+stderr. */
  logs(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL the process group now (a crash, for fault tests). */
  kill(): Promise<void>;
}

export interface SpawnOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** The first of `candidates` that is an executable (absolute path or found on PATH), else undefined. */
export function findExecutable(candidates: string[]): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const candidate of candidates) {
    const paths = candidate.includes('/') ? [candidate] : dirs.map((d) => join(d, candidate));
    for (const p of paths) {
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function spawnManaged(
  name: string,
  command: string,
  args: string[],
  opts: SpawnOptions = {},
): ManagedProcess {
  const child = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > LOG_LIMIT) output = output.slice(-LOG_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let running = true;
  let unregister: () => void = () => {};
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (err) => {
      running = false;
      unregister();
      append(Buffer.from(`\n[spawn error] ${err.message}\n`));
      resolve({ code: null, signal: null });
    });
    child.once('exit', (code, signal) => {
      running = false;
      unregister();
      resolve({ code, signal });
    });
  });
  if (child.pid !== undefined) unregister = registerCleanup({ kind: 'process', pid: child.pid });

  const signalGroup = (signal: NodeJS.Signals) => {
    if (!running || child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    }
  };

  return {
    name,
    pid: child.pid ?? -1,
    child,
    exited,
    isRunning: () => running,
    logs: () => output,
    async stop(graceMs = 5_000) {
      if (!running) {
        await exited;
        return;
      }
      signalGroup('SIGTERM');
      const result = await Promise.race([
        exited.then(() => 'exited' as const),
        sleep(graceMs).then(() => 'timeout'),
      ]);
      if (result === 'timeout') {
        signalGroup('SIGKILL');
        await exited;
      }
    },
    async kill() {
      signalGroup('SIGKILL');
      await exited;
    },
  };
}

/**
 * Polls `isReady` until it resolves true. Fails fast, with the process output, if the process exits.
 */
export async function waitForProcessReady(
  proc: ManagedProcess,
  isReady: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!proc.isRunning()) {
      const { code, signal } = await proc.exited;
      throw new ProcessStartError(
        `${proc.name} exited during startup (code ${code}, signal ${signal}):\n${proc.logs()}`,
        proc.logs(),
      );
    }
    try {
      if (await isReady()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) {
      await proc.stop(1_000);
      throw new ProcessStartError(
        `${proc.name} not ready after ${timeoutMs} ms:\n${proc.logs()}`,
        proc.logs(),
      );
    }
    await sleep(50);
  }
}

export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
  }
}

/** True for startup failures caused by a port taken between freePort() and bind. */
export function isAddressInUse(err: unknown): boolean {
  const text =
    err instanceof ProcessStartError ? err.output : err instanceof Error ? err.message : String(err);
  return /address already in use|could not bind|EADDRINUSE/i.test(text);
}

/** Runs `start` with a fresh port until it does not fail with "address already in use" (3 attempts). */
export async function withPortRetry<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts || !isAddressInUse(err)) throw err;
    }
  }
}

/** GET `url`, true on a 2xx answer. */
export async function httpOk(url: string, timeoutMs = 1_000): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.ok;
}
