/**
 * An alert storm through a real Alertmanager, its own Slack receiver and the bot side by side
 * (`npm run bench:storm -- --vs-alertmanager`).
 *
 * One Alertmanager (`group_by: [alertname]`, group_wait 1 s, group_interval 5 s) routes every group to
 * its built-in `slack_configs` (channel C0AMSLACK) and to the bot's `POST /alerts` (the bot, compiled,
 * in its own process, default storm settings, posting to C0INCIDENT). Both use one fake Slack:
 * chat.postMessage 1/s per channel with a burst of 5, chat.update 50/min (a separate limit). N groups
 * (two alerts each) are posted to Alertmanager at once; t = 0 is that moment (so Alertmanager's
 * group_wait is inside every figure). Every 250 ms the bench reads each channel: a group is "named"
 * when its alert name is in a top-level message of the channel, in a reply of it, or in a file
 * uploaded there (the bot's full list). Prints, per side and storm size: groups named at 10 s and
 * 30 s, the time until every group was named, top-level messages, Slack calls and 429s; for the bot
 * also its intake alone (groups stored as incidents at 10 s and 30 s, and when all were).
 *
 *   npm run bench:storm -- --vs-alertmanager [--groups 500,5000] [--timeout 60]
 *
 * Uses the machine's PostgreSQL and Redis with a private schema and queue prefix per run.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { type FakeSlack, startFakeSlack } from '../test/fakes/slack-api.ts';
import { makeTempDir } from '../test/helpers/cleanup.ts';
import { quoteIdent, testDatabaseUrl } from '../test/helpers/db.ts';
import { type PostableAlert, startAlertmanager } from '../test/helpers/prometheus.ts';
import { spawnBot } from '../test/helpers/spawn-bot.ts';
import { sleep } from '../test/helpers/wait.ts';

const { values } = parseArgs({
  options: {
    'vs-alertmanager': { type: 'boolean', default: true },
    groups: { type: 'string', default: '500,5000' },
    timeout: { type: 'string', default: '60' },
  },
});
const SIZES = String(values.groups)
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0);
const TIMEOUT_MS = Number(values.timeout) * 1000;
const AM_CHANNEL = 'C0AMSLACK';
const BOT_CHANNEL = 'C0INCIDENT';
const NAME_RE = /StormAlert\d{4}/g;
const name = (g: number) => `StormAlert${String(g).padStart(4, '0')}`;

interface Side {
  named: number;
  at10: number;
  at30: number;
  allAt?: number;
  topLevel: number;
  calls: number;
  r429: number;
}

/** Distinct group names a channel shows: its messages, their replies, files uploaded to it. */
function namedIn(slack: FakeSlack, channel: string): Set<string> {
  const seen = new Set<string>();
  const add = (text: string) => {
    for (const m of text.matchAll(NAME_RE)) seen.add(m[0]);
  };
  for (const m of slack.messages) if (m.channel === channel && !m.deleted) add(JSON.stringify(m));
  for (const u of slack.uploads) if (u.completed && u.channel === channel) add(u.bytes.toString('utf8'));
  return seen;
}

function callsOf(slack: FakeSlack, channel: string) {
  return slack.calls.filter((c) => c.body.channel === channel || c.body.channel_id === channel);
}

async function runOnce(groups: number): Promise<{
  am: Side;
  bot: Side;
  stored: { at10: number; at30: number; allAt?: number };
  received: string;
  lost: number;
  postedMs: number;
}> {
  const slack = await startFakeSlack({ postBurst: 5, postPerSecond: 1, updatePerMinute: 50 });
  const dir = makeTempDir('bench-storm-am');
  const configFile = join(dir.path, 'laojun.yml');
  writeFileSync(configFile, stringify({}));
  const bot = await spawnBot(
    {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.apiUrl,
      SLACK_INCIDENT_CHANNEL: BOT_CHANNEL,
      CONFIG_FILE: configFile,
      LOCALE: 'en',
      LOG_LEVEL: 'error',
    },
    { compiled: true },
  );
  const am = await startAlertmanager({
    webhookUrl: `${bot.url}/alerts`,
    groupWait: '1s',
    groupInterval: '5s',
    repeatInterval: '1h',
    extraReceivers: [
      {
        name: 'slack',
        slack_configs: [
          {
            api_url: `${slack.apiUrl}chat.postMessage`,
            channel: AM_CHANNEL,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: slack.token } },
            text: '{{ range .Alerts }}{{ .Status }} {{ .Labels.instance }}\n{{ end }}',
          },
        ],
      },
    ],
  });
  try {
    const startsAt = new Date().toISOString();
    const alerts: PostableAlert[] = [];
    for (let g = 0; g < groups; g += 1) {
      for (const k of ['a', 'b']) {
        alerts.push({
          labels: {
            alertname: name(g),
            instance: `storm-${g}-${k}`,
            job: 'laojun-gateway',
            severity: g % 5 ? 'warning' : 'critical',
          },
          annotations: { summary: `gateway ${name(g)} failing` },
          startsAt,
        });
      }
    }
    const t0 = Date.now();
    // Alertmanager's API takes them in chunks of 250, four at a time (a loaded machine makes a
    // single 10,000-alert request time out).
    const chunks: PostableAlert[][] = [];
    for (let i = 0; i < alerts.length; i += 250) chunks.push(alerts.slice(i, i + 250));
    for (let i = 0; i < chunks.length; i += 4) {
      await Promise.all(
        chunks.slice(i, i + 4).map(async (c) => {
          for (let attempt = 1; ; attempt += 1) {
            try {
              return await am.postAlerts(c);
            } catch (err) {
              if (attempt >= 3) throw err;
            }
          }
        }),
      );
    }
    const postedMs = Date.now() - t0;
    const sides = { am: AM_CHANNEL, bot: BOT_CHANNEL } as const;
    const result = {
      am: { named: 0, at10: 0, at30: 0, topLevel: 0, calls: 0, r429: 0 } as Side,
      bot: { named: 0, at10: 0, at30: 0, topLevel: 0, calls: 0, r429: 0 } as Side,
    };
    const deadline = t0 + Math.max(TIMEOUT_MS, 31_000);
    // The bot's intake, apart from Slack: groups stored as incidents (when the bot could show them).
    const db = new pg.Pool({
      connectionString: testDatabaseUrl(),
      max: 1,
      options: `-c search_path=${quoteIdent(bot.schema)},public`,
    });
    const stored = { at10: 0, at30: 0, allAt: undefined as number | undefined };
    while (Date.now() < deadline) {
      const elapsed = Date.now() - t0;
      const n = Number((await db.query('SELECT count(*)::int AS n FROM incidents')).rows[0]?.n ?? 0);
      if (process.env.BENCH_TRACE && elapsed < 20_000) {
        // Requests the bot holds (a backlog: the bot is the limit; few: arrivals are).
        const metrics = await (await fetch(`${bot.url}/metrics`)).text();
        const inFlight = /^http_requests_in_flight (\d+)/m.exec(metrics)?.[1];
        console.log(`  t+${(elapsed / 1000).toFixed(1)} s stored ${n}, requests in flight ${inFlight}`);
      }
      if (elapsed <= 10_000) stored.at10 = n;
      if (elapsed <= 30_000) stored.at30 = n;
      if (n >= groups && stored.allAt === undefined) stored.allAt = elapsed;
      for (const side of ['am', 'bot'] as const) {
        const r = result[side];
        r.named = namedIn(slack, sides[side]).size;
        if (elapsed <= 10_000) r.at10 = r.named;
        if (elapsed <= 30_000) r.at30 = r.named;
        if (r.named >= groups && r.allAt === undefined) r.allAt = elapsed;
      }
      if (result.bot.allAt !== undefined && result.am.allAt !== undefined && elapsed > 30_000) break;
      await sleep(250);
    }
    await db.end();
    if (process.env.BENCH_TRACE) {
      const pool = new pg.Pool({
        connectionString: testDatabaseUrl(),
        max: 1,
        options: `-c search_path=${quoteIdent(bot.schema)},public`,
      });
      const r = await pool.query(
        `SELECT count(*) FILTER (WHERE storm_id IS NULL) AS roots, count(*) AS n,
                extract(epoch FROM min(created_at))*1000 AS first, extract(epoch FROM max(created_at))*1000 AS last
           FROM incidents`,
      );
      const row = r.rows[0];
      console.log(
        `  intake: ${row.n} incidents (${row.roots} with a root) created t+${((Number(row.first) - t0) / 1000).toFixed(2)} s … t+${((Number(row.last) - t0) / 1000).toFixed(2)} s`,
      );
      const st = await pool.query('SELECT id, created_at, root_ts FROM incident_storms');
      for (const x of st.rows)
        console.log(
          `  storm ${x.id} created t+${((x.created_at.getTime() - t0) / 1000).toFixed(2)} s root ${x.root_ts}`,
        );
      await pool.end();
      for (const c of callsOf(slack, BOT_CHANNEL))
        console.log(
          `  t+${((c.at - t0) / 1000).toFixed(2)} s ${c.method} ${c.status}${c.body.thread_ts ? ' (reply)' : ''} ${String(c.body.text ?? '').slice(0, 50)}`,
        );
    }
    for (const side of ['am', 'bot'] as const) {
      const calls = callsOf(slack, sides[side]);
      result[side].calls = calls.length;
      result[side].r429 = calls.filter((c) => c.status === 429).length;
      result[side].topLevel = slack.channelMessages(sides[side]).length;
    }
    // What the bot's POST /alerts answered, by outcome (a duplicate: a notification delivered again).
    const metrics = await (await fetch(`${bot.url}/metrics`)).text();
    const received = [...metrics.matchAll(/^laojun_alert_notifications_total\{outcome="([a-z_]+)"\} (\d+)/gm)]
      .map(([, outcome, n]) => `${outcome} ${n}`)
      .join(', ');
    return { ...result, stored, received, lost: groups - result.bot.named, postedMs };
  } finally {
    await am.stop();
    await bot.stop();
    await slack.close();
    dir.remove();
  }
}

const build = spawnSync('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
if (build.status !== 0) throw new Error('npm run build failed');
const fmt = (ms?: number) => (ms === undefined ? 'not within the run' : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `alert storm through Alertmanager, ${new Date().toISOString()}, ${cpus().length} cores, load average before ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
let failed = false;
for (const groups of SIZES) {
  const r = await runOnce(groups);
  console.log(
    `\n${groups} groups (2 alerts each, all posted to Alertmanager within ${(r.postedMs / 1000).toFixed(1)} s), load average after ${loadavg()[0]?.toFixed(2)}:`,
  );
  console.log('| | Alertmanager `slack_configs` | bot |');
  console.log('|---|---|---|');
  console.log(`| groups named at 10 s | ${r.am.at10} | ${r.bot.at10} |`);
  console.log(`| groups named at 30 s | ${r.am.at30} | ${r.bot.at30} |`);
  console.log(`| every group named after | ${fmt(r.am.allAt)} | ${fmt(r.bot.allAt)} |`);
  console.log(`| groups named at the end | ${r.am.named} | ${r.bot.named} |`);
  console.log(`| top-level messages | ${r.am.topLevel} | ${r.bot.topLevel} |`);
  console.log(
    `| bot's intake: groups stored at 10 s / 30 s / all after | | ${r.stored.at10} / ${r.stored.at30} / ${fmt(r.stored.allAt)} |`,
  );
  console.log(`| bot's POST /alerts answers by outcome | | ${r.received || 'none'} |`);
  console.log(`| Slack calls (429s) | ${r.am.calls} (${r.am.r429}) | ${r.bot.calls} (${r.bot.r429}) |`);
  if (r.lost > 0 || r.bot.r429 > 0) failed = true;
}
process.exit(failed ? 1 : 0);
