import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { Logger } from '../logger.ts';
import { BackupError } from './errors.ts';

const execFileAsync = promisify(execFile);

/** Things a test (or an operator) may observe about a running backup. */
export interface BackupHooks {
  /** A tool was started (pg_dump, pg_restore, redis-cli). */
  onChild?(name: string, child: ChildProcess): void;
  /** Bytes written so far for the current object. */
  onProgress?(bytes: number): void;
}

export interface TargetContext {
  logger: Logger;
  signal: AbortSignal;
  hooks?: BackupHooks;
}

/** A child process whose stderr is kept (bounded) and whose exit is a promise. */
export interface Tool {
  child: ChildProcess;
  /** Resolves on exit 0; rejects with BackupError naming the tool, the signal or the last stderr lines. */
  done: Promise<void>;
  stderr(): string;
}

/**
 * Starts a tool with secrets in its environment only (never on the command line), killed when the
 * signal aborts.
 */
export function startTool(
  ctx: TargetContext,
  name: string,
  bin: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Tool {
  const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-4_000);
  });
  const onAbort = () => child.kill('SIGTERM');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', (e) => {
      const code = (e as NodeJS.ErrnoException).code;
      reject(
        new BackupError(
          code === 'ENOENT' ? `${name} not found (${bin}): install it` : `${name}: ${e.message}`,
        ),
      );
    });
    child.once('close', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      const last = err.trim().split('\n').slice(-3).join(' / ');
      if (ctx.signal.aborted)
        return reject(new BackupError(`${name} stopped: ${String(ctx.signal.reason ?? 'aborted')}`));
      if (signal) return reject(new BackupError(`${name} was killed (${signal})${last ? `: ${last}` : ''}`));
      reject(new BackupError(`${name} failed (exit ${code})${last ? `: ${last}` : ''}`));
    });
  });
  done.catch(() => {});
  ctx.hooks?.onChild?.(name, child);
  return { child, done, stderr: () => err };
}

/** `pg_dump (PostgreSQL) 15.20 (Debian ...)` → 15. */
export async function toolMajorVersion(bin: string): Promise<number> {
  try {
    const { stdout } = await execFileAsync(bin, ['--version']);
    const m = /(\d+)(?:\.\d+)?/.exec(stdout);
    if (!m) throw new Error(`unexpected version output: ${stdout}`);
    return Number(m[1]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupError(
      code === 'ENOENT'
        ? `${bin} not found: install postgresql-client`
        : `${bin} --version: ${(err as Error).message}`,
    );
  }
}
