/**
 * `npm run demo`: a simulated Laojun platform, a real Prometheus with the manual's rules, a real
 * Alertmanager with the manual's route, and the bot in console mode (or posting to Slack when tokens are
 * set). A key press or a timer breaks a service and mends it; the incident thread appears and resolves in
 * the terminal. Everything it starts is stopped on q, Ctrl-C or at the end of an --auto run.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { stringify } from 'yaml';
import { type Bot, createBot } from '../src/app.ts';
import { LOCAL_DATABASE_URL, loadConfig } from '../src/config.ts';
import { handleIncidentAction } from '../src/incidents/actions.ts';
import { newestUnacknowledged } from '../src/incidents/store.ts';
import { type Fault, type LaojunPlatform, startLaojunPlatform } from './platform.ts';
import {
  aptInstall,
  demoAlertmanagerConfig,
  demoPrometheusConfig,
  demoRules,
  findOnPath,
  freePort,
  type RunningProcess,
  startProcess,
  writeFile,
} from './stack.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface DemoOptions {
  auto: boolean;
  breakAfterMs: number;
  mendAfterMs: number;
  /** An --auto run fails when the incident has not resolved this long after the mend. */
  resolveTimeoutMs: number;
  service: string;
  fault: Fault;
  env: NodeJS.ProcessEnv;
  out: Writable;
  input?: NodeJS.ReadStream;
  /** Keep the folder with the logs and configurations (removed at the end otherwise, unless the run fails). */
  keepLogs?: boolean;
  /** Aborted on Ctrl-C / SIGTERM: everything started is stopped and runDemo resolves 130. */
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function checkServices(databaseUrl: string, redisUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.end();
  } catch (err) {
    return `PostgreSQL is not reachable (${(err as Error).message}). Install and start it (${aptInstall(['postgresql'])}) or set DATABASE_URL.`;
  }
  const redis = new Redis(redisUrl, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 0 });
  redis.on('error', () => {});
  try {
    await redis.connect();
    await redis.quit();
  } catch (err) {
    redis.disconnect();
    return `Redis is not reachable (${(err as Error).message}). Install and start it (${aptInstall(['redis-server'])}) or set REDIS_URL.`;
  }
  return undefined;
}

/** Drops what an earlier demo left (its own schema and queue prefix only). */
async function freshState(databaseUrl: string, schema: string, redisUrl: string, prefix: string) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
  await client.end();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
}

async function webhookNotifications(alertmanagerUrl: string): Promise<number> {
  const text = await fetch(`${alertmanagerUrl}/metrics`).then((r) => r.text());
  const m = /^alertmanager_notifications_total\{integration="webhook"\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

async function activeAlerts(alertmanagerUrl: string): Promise<number> {
  const alerts = (await fetch(`${alertmanagerUrl}/api/v2/alerts?active=true&silenced=false`).then((r) =>
    r.json(),
  )) as unknown[];
  return alerts.length;
}

async function queuesIdle(bot: Bot): Promise<boolean> {
  for (const name of ['incidents', 'commands'] as const) {
    const c = await bot.deps.queues.queue(name).getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    if (Object.values(c).some((n) => n > 0)) return false;
  }
  return true;
}

const DEMO_ONCALL = 'U0DEMOONCALL';
const DEMO_SECONDARY = 'U0DEMOSECOND';
const DEMO_OPS_GROUP = 'S0DEMOOPS';

/** Whether an incident's escalation has gone past its first step. */
async function escalatedOnce(bot: Bot): Promise<boolean> {
  const r = await bot.deps.pool
    .query("SELECT 1 FROM oncall_pages WHERE kind = 'step' AND step >= 1 AND fired_at IS NOT NULL LIMIT 1")
    .catch(() => ({ rowCount: 0 }));
  return (r.rowCount ?? 0) > 0;
}

/** The user the first step paged (the one who would press Acknowledge in Slack). */
async function pagedFirst(bot: Bot, incidentId: number): Promise<string> {
  const r = await bot.deps.pool.query(
    "SELECT targets FROM oncall_pages WHERE incident_id = $1 AND kind = 'step' AND step = 0 AND fired_at IS NOT NULL ORDER BY id DESC LIMIT 1",
    [incidentId],
  );
  const users = (r.rows[0]?.targets as { users?: string[] } | undefined)?.users;
  return users?.[0] ?? DEMO_ONCALL;
}

export async function runDemo(opts: DemoOptions): Promise<number> {
  const say = (line: string) => opts.out.write(`\n▶ ${line}\n`);
  const prometheusBin = findOnPath(['prometheus'], opts.env.PATH);
  const alertmanagerBin = findOnPath(['prometheus-alertmanager', 'alertmanager'], opts.env.PATH);
  if (!prometheusBin || !alertmanagerBin) {
    const missing = [!prometheusBin && 'prometheus', !alertmanagerBin && 'prometheus-alertmanager'].filter(
      Boolean,
    );
    opts.out.write(
      `The demo needs ${missing.join(' and ')} on PATH. Install them with:\n\n  ${aptInstall(['prometheus', 'prometheus-alertmanager'], { uid: process.getuid?.(), path: opts.env.PATH })}\n\n`,
    );
    return 1;
  }
  const databaseUrl = opts.env.DATABASE_URL ?? LOCAL_DATABASE_URL;
  const redisUrl = opts.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const schema = opts.env.DATABASE_SCHEMA ?? 'chatops_demo';
  const prefix = opts.env.QUEUE_PREFIX ?? 'laojun-demo';
  const problem = await checkServices(databaseUrl, redisUrl);
  if (problem) {
    opts.out.write(`${problem}\n`);
    return 1;
  }

  const dir = mkdtempSync(join(tmpdir(), 'laojun-demo-'));
  const started: Array<() => Promise<unknown>> = [];
  let stopping: Promise<void> | undefined;
  // A failed run keeps its logs (they are what explains the failure); a good one only when asked.
  let keep = opts.keepLogs === true;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const stop of started.reverse()) await stop().catch(() => {});
      if (keep) opts.out.write(`\n▶ Logs and configurations kept in ${dir}\n`);
      else rmSync(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await freshState(databaseUrl, schema, redisUrl, prefix);
    const platform: LaojunPlatform = await startLaojunPlatform();
    started.push(() => platform.close());
    const [promPort, amPort] = [await freePort(), await freePort()];
    const promUrl = `http://127.0.0.1:${promPort}`;
    const amUrl = `http://127.0.0.1:${amPort}`;

    const token = randomBytes(24).toString('hex');
    const configFile = writeFile(
      dir,
      'chatops.yml',
      stringify({
        services: [
          ...platform.services.map((s) => ({
            name: s.job,
            job: s.job,
            kind: 'http',
            healthUrl: `http://${s.hostPort}/health`,
          })),
          { name: 'postgresql', kind: 'postgres' },
          { name: 'redis', kind: 'redis' },
        ],
        links: { alertmanager: amUrl },
        // On call: the demo's on-call person is paged at once, then escalated from, until acknowledged.
        oncall: {
          tickSeconds: 0.5,
          opsGroup: DEMO_OPS_GROUP,
          schedules: [
            {
              name: 'platform',
              timeZone: 'Asia/Shanghai',
              // The rotation starts today, so the demo's on-call person is on call in any week (a
              // fixed start date made it the other person every second week).
              layers: [
                {
                  users: [DEMO_ONCALL, DEMO_SECONDARY],
                  rotation: '1w',
                  start: new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date()),
                },
              ],
            },
          ],
          policies: {
            critical: [
              { after: '0s', notify: 'primary' },
              { after: '4s', notify: 'secondary' },
              { after: '8s', notify: 'usergroup' },
              { after: '12s', notify: 'here' },
            ],
          },
        },
      }),
    );
    const config = loadConfig({
      ...opts.env,
      PORT: opts.env.PORT ?? '0',
      DATABASE_URL: databaseUrl,
      DATABASE_SCHEMA: schema,
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      ALERT_WEBHOOK_TOKEN: token,
      PROMETHEUS_URL: promUrl,
      ALERTMANAGER_URL: amUrl,
      CONFIG_FILE: configFile,
      SLACK_INCIDENT_CHANNEL: opts.env.SLACK_INCIDENT_CHANNEL ?? 'C0DEMO',
    });
    const botLog = join(dir, 'bot.log');
    const bot = await createBot(config, { consoleOut: opts.out, logDestination: createWriteStream(botLog) });
    started.push(() => bot.stop());
    await bot.start();
    const botUrl = bot.url ?? `http://127.0.0.1:${config.port}`;

    const tokenFile = writeFile(dir, 'alert-webhook-token', token);
    const amConfig = writeFile(
      dir,
      'alertmanager.yml',
      demoAlertmanagerConfig(
        readFileSync(join(ROOT, 'deploy/alertmanager/alertmanager.yml'), 'utf8'),
        botUrl,
        tokenFile,
      ),
    );
    const am: RunningProcess = await startProcess({
      name: 'alertmanager',
      bin: alertmanagerBin,
      port: amPort,
      dir,
      args: [
        `--config.file=${amConfig}`,
        `--storage.path=${join(dir, 'alertmanager-data')}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        `--web.external-url=${amUrl}`,
        '--cluster.listen-address=',
      ],
    });
    started.push(() => am.stop());

    const rulesFile = writeFile(
      dir,
      'laojun.yml',
      demoRules(readFileSync(join(ROOT, 'deploy/prometheus/rules/laojun.yml'), 'utf8')),
    );
    const promConfig = writeFile(
      dir,
      'prometheus.yml',
      demoPrometheusConfig({
        jobs: platform.services.map((s) => ({ job: s.job, hostPort: s.hostPort })),
        rulesFile,
        alertmanagerHostPort: `127.0.0.1:${amPort}`,
      }),
    );
    const prom: RunningProcess = await startProcess({
      name: 'prometheus',
      bin: prometheusBin,
      port: promPort,
      dir,
      args: [
        `--config.file=${promConfig}`,
        `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        `--web.external-url=${promUrl}`,
        '--rules.alert.resend-delay=1s',
      ],
    });
    started.push(() => prom.stop());

    say(
      [
        `Laojun demo running (${config.slack.mode === 'console' ? 'console mode: the incident channel is printed here' : `posting to Slack channel ${config.slack.incidentChannel}`}).`,
        `  platform: ${platform.services.map((s) => `${s.name} ${s.hostPort}`).join(', ')}`,
        `  Prometheus ${promUrl}   Alertmanager ${amUrl}   bot ${botUrl}`,
        `  logs: ${dir}${opts.keepLogs ? ' (kept)' : ' (removed at the end; --keep-logs keeps them)'}`,
        opts.auto
          ? `  --auto: breaking ${opts.service} (${opts.fault}) in ${opts.breakAfterMs / 1000}s, mending it at ${opts.mendAfterMs / 1000}s.`
          : `  Keys: b = break ${opts.service} (${opts.fault}), a = acknowledge (stops the escalation), m = mend it, q = quit.`,
        '  On call: the on-call person is notified at once, escalated from every 4s until someone acknowledges.',
      ].join('\n'),
    );

    // Acknowledge the open incident as the person who was paged first (the Acknowledge button).
    const acknowledge = async (): Promise<boolean> => {
      const id = await newestUnacknowledged(bot.deps.pool);
      if (!id) return false;
      const who = await pagedFirst(bot, id);
      await handleIncidentAction(bot.deps, { action_id: 'incident_ack', value: String(id) }, { userId: who });
      say(`Acknowledged incident #${id} as ${who}: the escalation stops.`);
      return true;
    };
    const breakIt = () => {
      platform.break(opts.service, opts.fault);
      say(
        `Broke ${opts.service} (${opts.fault}). Prometheus sees it within a second; the manual's rule fires after its for: (3s here).`,
      );
    };
    let mendedAt = 0;
    let notificationsAtMend = 0;
    const mendIt = async () => {
      platform.mend(opts.service);
      mendedAt = Date.now();
      notificationsAtMend = await webhookNotifications(amUrl).catch(() => 0);
      say(`Mended ${opts.service}. Alertmanager sends "resolved" at its next group_interval (4s here).`);
    };

    const aborted = new Promise<number>((resolveAbort) =>
      opts.signal?.addEventListener('abort', () => resolveAbort(130), { once: true }),
    );
    const interactive = async (): Promise<number> => {
      const input = opts.input ?? process.stdin;
      return await new Promise<number>((resolveExit) => {
        if (input.isTTY) input.setRawMode(true);
        input.resume();
        const onKey = (key: Buffer) => {
          const k = key.toString();
          if (k === 'b') breakIt();
          else if (k === 'a')
            void acknowledge().catch((err) => say(`not acknowledged: ${(err as Error).message}`));
          else if (k === 'm') void mendIt();
          else if (k === 'q' || k === '\u0003') {
            input.off('data', onKey);
            if (input.isTTY) input.setRawMode(false);
            input.pause();
            say('Stopping everything the demo started…');
            void stopAll().then(() => resolveExit(0));
          }
        };
        input.on('data', onKey);
        opts.signal?.addEventListener('abort', () => {
          input.off('data', onKey);
          if (input.isTTY) input.setRawMode(false);
          input.pause();
        });
      });
    };

    const auto = async (): Promise<number> => {
      await sleep(opts.breakAfterMs);
      breakIt();
      // Acknowledge once the escalation has climbed one step (the secondary was paged), if before the mend.
      const mendAt = Date.now() + Math.max(0, opts.mendAfterMs - opts.breakAfterMs);
      while (Date.now() < mendAt - 500 && !(await escalatedOnce(bot))) await sleep(250);
      if (Date.now() < mendAt - 500) await acknowledge().catch(() => false);
      await sleep(Math.max(0, mendAt - Date.now()));
      await mendIt();
      // Resolved: Alertmanager has no active alert, has posted since the mend, and the bot has caught up.
      const deadline = mendedAt + opts.resolveTimeoutMs;
      while (Date.now() < deadline) {
        const [active, sent] = await Promise.all([activeAlerts(amUrl), webhookNotifications(amUrl)]).catch(
          () => [1, 0],
        );
        if (active === 0 && sent > notificationsAtMend && (await queuesIdle(bot))) {
          await sleep(1_000);
          if (await queuesIdle(bot)) {
            say('Resolved. Stopping everything the demo started.');
            return 0;
          }
        }
        await sleep(500);
      }
      say(`Not resolved within ${opts.resolveTimeoutMs / 1000}s of the mend.`);
      keep = true;
      return 1;
    };

    return await Promise.race([opts.auto ? auto() : interactive(), aborted]);
  } catch (err) {
    opts.out.write(`demo failed: ${(err as Error).message}\n`);
    keep = true;
    return 1;
  } finally {
    await stopAll();
  }
}
