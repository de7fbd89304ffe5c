/**
 * The demo's real Prometheus and Alertmanager (Debian's `prometheus` and `prometheus-alertmanager`
 * packages): configurations derived from the files shipped in deploy/, processes started on free
 * ports and stopped by their pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The command that installs Debian packages here: as root `apt-get install …` (root machines and
 * containers have no sudo), otherwise with sudo when it exists, else the same command to run as root.
 */
export function aptInstall(
  packages: string[],
  opts: { uid?: number; path?: string } = { uid: process.getuid?.(), path: process.env.PATH },
): string {
  const command = `apt-get install ${packages.join(' ')}`;
  if (opts.uid === 0) return command;
  if (findOnPath(['sudo'], opts.path ?? '')) return `sudo ${command}`;
  return `${command}   (as root)`;
}

/** The first candidate found on PATH. */
export function findOnPath(candidates: string[], path = process.env.PATH ?? ''): string | undefined {
  for (const name of candidates) {
    for (const dir of path.split(delimiter).filter(Boolean)) {
      const file = join(dir, name);
      try {
        accessSync(file, constants.X_OK);
        return file;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
}

/** The manual's rules with a short `for:` and short rate windows, so the demo does not take minutes. */
export function demoRules(manualRulesYaml: string, forDuration = '3s', window = '15s'): string {
  const doc = parse(manualRulesYaml) as { groups: Array<{ rules: Rule[] }> };
  for (const group of doc.groups) {
    for (const rule of group.rules) {
      rule.for = forDuration;
      rule.expr = rule.expr.replace(/\[\d+[smh]\]/g, `[${window}]`);
    }
  }
  return `# The Laojun manual's alert rules with for: ${forDuration} and rate windows of ${window} (demo).\n${stringify(doc)}`;
}

/**
 * The shipped alertmanager.yml (the manual's route and the bot's web.hook receiver) pointed at the demo's
 * bot, with the bearer token in a file and demo timings (a resolved notification waits for group_interval).
 */
export function demoAlertmanagerConfig(shippedYaml: string, botUrl: string, tokenFile: string): string {
  const doc = parse(shippedYaml) as {
    route: Record<string, unknown>;
    receivers: Array<{
      name: string;
      webhook_configs?: Array<{ url: string; http_config?: { authorization?: Record<string, string> } }>;
    }>;
  };
  Object.assign(doc.route, { group_wait: '1s', group_interval: '4s' });
  for (const receiver of doc.receivers) {
    for (const hook of receiver.webhook_configs ?? []) {
      hook.url = `${botUrl}/alerts`;
      if (hook.http_config?.authorization) hook.http_config.authorization.credentials_file = tokenFile;
    }
  }
  return stringify(doc);
}

export interface ScrapeJob {
  job: string;
  hostPort: string;
}

export function demoPrometheusConfig(opts: {
  jobs: ScrapeJob[];
  rulesFile: string;
  alertmanagerHostPort: string;
}): string {
  return stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [opts.rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [opts.alertmanagerHostPort] }] }] },
    scrape_configs: opts.jobs.map((j) => ({
      job_name: j.job,
      metrics_path: '/metrics',
      static_configs: [{ targets: [j.hostPort] }],
    })),
  });
}

export interface RunningProcess {
  name: string;
  url: string;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, name: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}); see ${logFile}`);
    const ok = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} not ready within 30 s; see ${logFile}`);
}

/** Children still running; killed when the demo's process exits however it exits (never orphaned). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Starts a Prometheus-style server binary and waits for `/-/ready`. Output goes to `<dir>/<name>.log`. */
export async function startProcess(opts: {
  name: string;
  bin: string;
  args: string[];
  port: number;
  dir: string;
}): Promise<RunningProcess> {
  const logFile = join(opts.dir, `${opts.name}.log`);
  const log = createWriteStream(logFile);
  const child = spawn(opts.bin, opts.args, { cwd: opts.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const url = `http://127.0.0.1:${opts.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitReady(url, child, opts.name, logFile);
  } catch (err) {
    await stop();
    throw err;
  }
  return { name: opts.name, url, stop };
}

export function writeFile(dir: string, name: string, content: string): string {
  const file = join(dir, name);
  writeFileSync(file, content, { mode: 0o600 });
  return file;
}
