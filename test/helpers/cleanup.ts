/**
 * Makes sure what the helpers start (processes, PostgreSQL clusters, temp dirs) does not outlive the
 * test process.
 *
 * - Every resource is registered here and unregistered when its helper stops it normally.
 * - On `process.on('exit')` the remaining ones are cleaned up synchronously.
 * - If the test process dies without running exit handlers (SIGKILL, a vitest worker torn down by a
 *   signal), a detached watchdog shell notices within half a second that its parent is gone and runs the
 *   same cleanup script.
 *
 * The cleanup script is plain `sh`, rewritten (atomically) whenever the registry changes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type CleanupResource =
  /** A process started detached (its own process group): the whole group gets SIGKILL. */
  | { kind: 'process'; pid: number }
  /** A PostgreSQL data dir: the postmaster named in postmaster.pid gets SIGQUIT (immediate shutdown). */
  | { kind: 'postgres'; dataDir: string }
  /** A directory removed recursively. */
  | { kind: 'dir'; path: string };

const resources = new Map<number, CleanupResource>();
let nextId = 1;
let stateDir: string | undefined;
let scriptPath: string | undefined;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function scriptFor(list: CleanupResource[]): string {
  const lines = ['#!/bin/sh', ''];
  // Processes first, then clusters, then directories (a process may still be writing into its dir).
  for (const r of list) {
    if (r.kind === 'process') {
      lines.push(`kill -KILL -- -${r.pid} 2>/dev/null || kill -KILL ${r.pid} 2>/dev/null`);
    }
  }
  for (const r of list) {
    if (r.kind === 'postgres') {
      const pidFile = shellQuote(join(r.dataDir, 'postmaster.pid'));
      lines.push(
        `if [ -f ${pidFile} ]; then p=$(head -n 1 ${pidFile}); if [ -n "$p" ] && kill -QUIT "$p" 2>/dev/null; then ` +
          `i=0; while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; ` +
          `kill -KILL "$p" 2>/dev/null; fi; fi`,
      );
    }
  }
  for (const r of list) {
    if (r.kind === 'postgres') lines.push(`rm -rf -- ${shellQuote(r.dataDir)}`);
    if (r.kind === 'dir') lines.push(`rm -rf -- ${shellQuote(r.path)}`);
  }
  return `${lines.join('\n')}\n`;
}

function writeScript(): void {
  if (!scriptPath) return;
  const tmp = `${scriptPath}.tmp`;
  writeFileSync(tmp, scriptFor([...resources.values()]), { mode: 0o700 });
  renameSync(tmp, scriptPath);
}

function runCleanupSync(): void {
  if (!scriptPath || resources.size === 0) return;
  writeScript();
  spawnSync('sh', [scriptPath], { stdio: 'ignore', timeout: 15_000 });
  resources.clear();
  writeScript();
}

function ensureWatchdog(): void {
  if (scriptPath) return;
  stateDir = mkdtempSync(join(tmpdir(), `laojun-watchdog-${process.pid}-`));
  scriptPath = join(stateDir, 'cleanup.sh');
  writeScript();
  // $1 parent pid, $2 cleanup script, $3 state dir. Polls the parent; when it is gone, cleans up.
  const watchdog = spawn(
    'sh',
    [
      '-c',
      'while kill -0 "$1" 2>/dev/null; do sleep 0.5; done; [ -f "$2" ] && sh "$2"; rm -rf -- "$3"',
      'laojun-test-watchdog',
      String(process.pid),
      scriptPath,
      stateDir,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.unref();
  process.once('exit', runCleanupSync);
  // vitest ends its fork workers with SIGTERM: clean up right away, then let the signal do what it
  // would have done (unless someone else handles it, in which case they already ran).
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    const onSignal = () => {
      runCleanupSync();
      process.off(signal, onSignal);
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Registers a resource for cleanup at process exit. Returns the function that unregisters it. */
export function registerCleanup(resource: CleanupResource): () => void {
  ensureWatchdog();
  const id = nextId++;
  resources.set(id, resource);
  writeScript();
  return () => {
    if (resources.delete(id)) writeScript();
  };
}

/**
 * A fresh temp dir (mode 0700) under the OS temp dir, registered for removal at exit. Returns the path
 * and a function that removes it now and unregisters it.
 */
export function makeTempDir(prefix: string): { path: string; remove: () => void } {
  const base = tmpdir();
  mkdirSync(base, { recursive: true });
  const path = mkdtempSync(join(base, `laojun-${prefix}-`));
  const unregister = registerCleanup({ kind: 'dir', path });
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true, maxRetries: 3 });
      unregister();
    },
  };
}
