/**
 * Alertmanager's own Slack receiver and the bot, side by side (`npm run bench:vs-alertmanager`).
 *
 * One real Alertmanager (`prometheus-alertmanager`) routes every group to two receivers with the same
 * grouping and timings: its built-in `slack_configs` (chat.postMessage with a bot token, channel
 * C0AMSLACK) and the bot's `POST /alerts` webhook (the bot, in its own process, posts to C0INCIDENT).
 * Both talk to the same fake Slack, which enforces 1 post/s per channel (burst 3) and 50 edits/min
 * and, on a fixed schedule, answers 429 (Retry-After 5 s) to every post for 15 s, 503 to every call
 * for 5 s (nothing done), and 502 to every call for 6 s after doing it (the post is made, the answer
 * is lost). N groups fire with two alerts each, every third group gains a third alert, then all
 * resolve. Prints, per receiver: messages expected and posted, notifications lost, duplicates, edits
 * in place vs new posts, and the time until Slack showed the final state.
 *
 *   npm run bench:vs-alertmanager [-- --groups 30 --repeat-interval 1m --group-interval 5s]
 *   npm run bench:vs-alertmanager -- --no-faults     # the same scenario without injected failures
 *
 * Uses the machine's PostgreSQL and Redis (like the tests) with a private schema and queue prefix.
 * Exits 2 when Alertmanager is not installed, 1 when the bot lost or duplicated anything or did not
 * reach the final state in time.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { stringify } from 'yaml';
import { type FakeMessage, type RecordedCall, startFakeSlack } from '../test/fakes/slack-api.ts';
import { makeTempDir } from '../test/helpers/cleanup.ts';
import { quoteIdent, testDatabaseUrl } from '../test/helpers/db.ts';
import { textOf } from '../test/helpers/incidents.ts';
import { findExecutable } from '../test/helpers/process.ts';
import { type PostableAlert, startAlertmanager } from '../test/helpers/prometheus.ts';
import { spawnBot } from '../test/helpers/spawn-bot.ts';
import { sleep } from '../test/helpers/wait.ts';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '30' },
    'update-every': { type: 'string', default: '3' },
    'group-wait': { type: 'string', default: '2s' },
    'group-interval': { type: 'string', default: '5s' },
    'repeat-interval': { type: 'string', default: '1m' },
    timeout: { type: 'string', default: '600' },
    'no-faults': { type: 'boolean', default: false },
  },
});
const GROUPS = Number(values.groups);
const UPDATE_EVERY = Number(values['update-every']);
const GROUP_WAIT = values['group-wait'];
const GROUP_INTERVAL = values['group-interval'];
const REPEAT_INTERVAL = values['repeat-interval'];
const TIMEOUT_MS = Number(values.timeout) * 1000;
const FAULTS = !values['no-faults'];

const AM_CHANNEL = 'C0AMSLACK';
const BOT_CHANNEL = 'C0INCIDENT';

/** When things happen, in ms after the first alert is sent. */
const SCHEDULE = {
  fireSpreadMs: 3_000,
  rateLimited: { at: 3_000, ms: 15_000, retryAfter: 5 },
  update: 30_000,
  outage: { at: 33_000, ms: 5_000 },
  resolve: 75_000,
  lostAnswers: { at: 78_000, ms: 6_000 },
};

function durationMs(d: string): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d} (e.g. 5s, 1m)`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

const alertmanagerBin = findExecutable(
  process.env.ALERTMANAGER_BIN ? [process.env.ALERTMANAGER_BIN] : ['prometheus-alertmanager', 'alertmanager'],
);
if (!alertmanagerBin) {
  const where = process.env.ALERTMANAGER_BIN
    ? `$ALERTMANAGER_BIN (${process.env.ALERTMANAGER_BIN}) is not an executable`
    : 'prometheus-alertmanager (or alertmanager) is not on PATH';
  console.error(
    `bench:vs-alertmanager needs a real Alertmanager: ${where}. Install it ` +
      '(Debian: apt-get install prometheus-alertmanager) or point $ALERTMANAGER_BIN at the binary.',
  );
  process.exit(2);
}
const amVersion = (() => {
  const r = spawnSync(alertmanagerBin, ['--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? 'unknown';
})();

const pad = (g: number) => String(g).padStart(3, '0');
const alertname = (g: number) => `BenchAlert${pad(g)}`;
const instance = (g: number, k: string) => `bench-${pad(g)}-${k}`;
const GROUP_RE = /BenchAlert\d{3}/;
const isUpdated = (g: number) => g % UPDATE_EVERY === 0;
const groupNames = Array.from({ length: GROUPS }, (_, g) => alertname(g));

function alert(g: number, k: string, startsAt: string, endsAt?: string): PostableAlert {
  return {
    labels: { alertname: alertname(g), instance: instance(g, k), job: 'laojun-bench', severity: 'warning' },
    annotations: { summary: `bench group ${g}` },
    startsAt,
    ...(endsAt ? { endsAt } : {}),
  };
}

// --- what each channel shows --------------------------------------------------------------------

/** Alertmanager's post: one attachment, title `[FIRING:n] <group>` or `[RESOLVED] <group>`. */
interface AmPost {
  group: string;
  resolved: boolean;
  content: string;
  at: number;
}

function amPosts(messages: FakeMessage[]): AmPost[] {
  const out: AmPost[] = [];
  for (const m of messages) {
    const a = (m.attachments?.[0] ?? {}) as { title?: string; text?: string };
    const title = a.title ?? '';
    const group = GROUP_RE.exec(title)?.[0];
    if (!group) continue;
    out.push({
      group,
      resolved: title.startsWith('[RESOLVED]'),
      content: `${title}\n${a.text ?? ''}`,
      at: Number(m.ts) * 1000,
    });
  }
  return out;
}

const isResolvedRoot = (v: { text?: string }) => (v.text ?? '').startsWith('[resolved]');

function botRoots(messages: FakeMessage[]): Map<string, FakeMessage[]> {
  const by = new Map<string, FakeMessage[]>();
  for (const m of messages) {
    const group = GROUP_RE.exec(m.text ?? '')?.[0];
    if (!group) continue;
    by.set(group, [...(by.get(group) ?? []), m]);
  }
  return by;
}

function amFinal(posts: AmPost[]): boolean {
  const last = new Map<string, AmPost>();
  for (const p of posts) last.set(p.group, p);
  return groupNames.every((g) => last.get(g)?.resolved === true);
}

function botFinal(roots: Map<string, FakeMessage[]>): boolean {
  return groupNames.every((g) => {
    const rs = roots.get(g) ?? [];
    return rs.length > 0 && rs.every(isResolvedRoot);
  });
}

/** `incident <id> <part>` from a bot post's metadata (message or call body). */
function partOf(metadata: unknown): string | undefined {
  const p = (metadata as { event_payload?: { incident?: number; part?: string } } | undefined)?.event_payload;
  return p ? `incident ${p.incident} ${p.part}` : undefined;
}

function callsIn(calls: RecordedCall[], channel: string) {
  const mine = calls.filter((c) => c.body.channel === channel);
  return {
    total: mine.length,
    rateLimited: mine.filter((c) => c.status === 429).length,
    serverErrors: mine.filter((c) => c.status >= 500 && !c.committed).length,
    lostAnswers: mine.filter((c) => c.committed).length,
    edits: mine.filter((c) => c.method === 'chat.update' && (c.ok || c.committed)).length,
  };
}

async function amMetric(url: string, name: string, integration: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const re = new RegExp(`^${name}\\{integration="${integration}"\\} (\\S+)$`, 'm');
  return Number(re.exec(text)?.[1] ?? 0);
}

// --- run --------------------------------------------------------------------------------------------

const startedIso = new Date().toISOString();
const loadBefore = loadavg();
const slack = await startFakeSlack();
const dir = makeTempDir('bench-vs-am');
const cleanups: Array<() => Promise<unknown> | unknown> = [() => slack.close(), () => dir.remove()];
async function cleanup() {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch {
      // best effort: the rest still has to stop
    }
  }
}

async function run(): Promise<boolean> {
  const configFile = join(dir.path, 'laojun.yml');
  // Every group gets its own thread (storm mode, which lists groups beyond 10 new ones a minute in
  // shared storm messages, would make the bot post less).
  writeFileSync(
    configFile,
    stringify({ incidents: { storm: { maxNewIncidents: GROUPS + 10, windowSeconds: 60 } } }),
  );
  const bot = await spawnBot({
    SLACK_BOT_TOKEN: slack.token,
    SLACK_API_URL: slack.apiUrl,
    SLACK_INCIDENT_CHANNEL: BOT_CHANNEL,
    CONFIG_FILE: configFile,
    LOCALE: 'en',
  });
  cleanups.push(() => bot.stop());
  const am = await startAlertmanager({
    webhookUrl: `${bot.url}/alerts`,
    groupWait: GROUP_WAIT,
    groupInterval: GROUP_INTERVAL,
    repeatInterval: REPEAT_INTERVAL,
    extraReceivers: [
      {
        name: 'slack',
        slack_configs: [
          {
            api_url: `${slack.apiUrl}chat.postMessage`,
            channel: AM_CHANNEL,
            send_resolved: true,
            http_config: { authorization: { type: 'Bearer', credentials: slack.token } },
            // The default title ([FIRING:n] <group labels>) plus the alerts, one line each.
            text: '{{ range .Alerts }}{{ .Status }} {{ .Labels.instance }}\n{{ end }}',
          },
        ],
      },
    ],
  });
  cleanups.push(() => am.stop());
  const pool = new pg.Pool({
    connectionString: testDatabaseUrl(),
    max: 2,
    options: `-c search_path=${quoteIdent(bot.schema)},public`,
  });
  cleanups.push(() => pool.end());

  const t0 = Date.now();
  const at = async (ms: number) => {
    const wait = t0 + ms - Date.now();
    if (wait > 0) await sleep(wait);
  };
  const log = (what: string) => console.log(`t+${((Date.now() - t0) / 1000).toFixed(1)} s: ${what}`);
  const startsAt = new Date(t0).toISOString();
  let resolvedAt = 0;
  const reached: { am?: number; bot?: number; botSynced?: number } = {};

  const botBehind = async (): Promise<number> => {
    const r = await pool.query(
      `SELECT (SELECT count(*) FROM incidents WHERE synced_version < version)
            + (SELECT count(*) FROM incident_events WHERE post AND posted_ts IS NULL) AS behind`,
    );
    return Number(r.rows[0].behind);
  };

  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (resolvedAt) {
        const now = Date.now();
        if (!reached.am && amFinal(amPosts(slack.channelMessages(AM_CHANNEL)))) reached.am = now;
        if (!reached.bot && botFinal(botRoots(slack.channelMessages(BOT_CHANNEL)))) reached.bot = now;
        if (reached.bot && !reached.botSynced && (await botBehind()) === 0) reached.botSynced = now;
      }
      await sleep(250);
    }
  })();

  // The scenario.
  const batches = 3;
  for (let b = 0; b < batches; b += 1) {
    await at((b * SCHEDULE.fireSpreadMs) / batches);
    const alerts: PostableAlert[] = [];
    for (let g = b; g < GROUPS; g += batches) alerts.push(alert(g, 'a', startsAt), alert(g, 'b', startsAt));
    await am.postAlerts(alerts);
  }
  log(`${GROUPS} groups firing (2 alerts each)`);
  await at(SCHEDULE.rateLimited.at);
  if (FAULTS)
    slack.failFor(
      'chat.postMessage',
      { status: 429, retryAfter: SCHEDULE.rateLimited.retryAfter },
      SCHEDULE.rateLimited.ms,
    );
  await at(SCHEDULE.update);
  const updated = Array.from({ length: GROUPS }, (_, g) => g).filter(isUpdated);
  await am.postAlerts(updated.map((g) => alert(g, 'c', startsAt)));
  log(`${updated.length} groups gained a third alert`);
  await at(SCHEDULE.outage.at);
  if (FAULTS) slack.failFor('*', { status: 503 }, SCHEDULE.outage.ms);
  await at(SCHEDULE.resolve);
  const endsAt = new Date().toISOString();
  const all: PostableAlert[] = [];
  for (let g = 0; g < GROUPS; g += 1) {
    all.push(alert(g, 'a', startsAt, endsAt), alert(g, 'b', startsAt, endsAt));
    if (isUpdated(g)) all.push(alert(g, 'c', startsAt, endsAt));
  }
  await am.postAlerts(all);
  resolvedAt = Date.now();
  log('every alert resolved');
  await at(SCHEDULE.lostAnswers.at);
  if (FAULTS) slack.failFor('*', { status: 502, committed: true }, SCHEDULE.lostAnswers.ms);

  // Both final states, then long enough for late retries (and their duplicates) to land.
  const settleMs = Math.max(3 * durationMs(GROUP_INTERVAL), 15_000);
  const deadline = t0 + TIMEOUT_MS;
  while (Date.now() < deadline && !(reached.am && reached.bot && reached.botSynced)) await sleep(500);
  const timedOut = !(reached.am && reached.bot && reached.botSynced);
  if (!timedOut) await sleep(settleMs);
  polling = false;
  await poller;
  const loadAfter = loadavg();

  // --- Alertmanager's channel: one post per notification.
  const expectedAm = GROUPS + updated.length + GROUPS;
  const repeatMs = durationMs(REPEAT_INTERVAL);
  const posts = amPosts(slack.channelMessages(AM_CHANNEL));
  const amBy = new Map<string, AmPost[]>();
  for (const p of posts) amBy.set(p.group, [...(amBy.get(p.group) ?? []), p]);
  let amRetryDuplicates = 0;
  let amReminders = 0;
  for (const list of amBy.values()) {
    for (let i = 1; i < list.length; i += 1) {
      const prev = list[i - 1] as AmPost;
      const cur = list[i] as AmPost;
      if (cur.content !== prev.content) continue;
      if (cur.at - prev.at < repeatMs) amRetryDuplicates += 1;
      else amReminders += 1;
    }
  }
  const amNeverFiring = groupNames.filter((g) => !(amBy.get(g) ?? []).some((p) => !p.resolved));
  const amUpdateMissed = updated.filter(
    (g) =>
      !(amBy.get(alertname(g)) ?? []).some(
        (p) => !p.resolved && p.content.includes(`firing ${instance(g, 'c')}`),
      ),
  );
  const amFinalMissing = groupNames.filter((g) => (amBy.get(g) ?? []).at(-1)?.resolved !== true);
  const amDistinct = posts.length - amRetryDuplicates - amReminders;
  const amFirst = groupNames.map((g) => amBy.get(g)?.[0]?.at);

  // --- The bot's channel: a root per group (edited), the rest in its thread.
  const botAll = slack.messages.filter((m) => m.channel === BOT_CHANNEL && !m.deleted);
  const roots = botRoots(slack.channelMessages(BOT_CHANNEL));
  const botTop = slack.channelMessages(BOT_CHANNEL).length;
  const versions = (m: FakeMessage) => [...m.history, { text: m.text, blocks: m.blocks }];
  const threadOf = (g: string) => (roots.get(g) ?? []).flatMap((r) => slack.threadReplies(BOT_CHANNEL, r.ts));
  const extraRoots = groupNames.reduce((n, g) => n + Math.max(0, (roots.get(g)?.length ?? 0) - 1), 0);
  // Every bot post carries metadata naming its incident and part: the same pair twice is a duplicate.
  const parts = new Map<string, number>();
  for (const m of botAll) {
    const key = partOf(m.metadata);
    if (key) parts.set(key, (parts.get(key) ?? 0) + 1);
  }
  const twice = [...parts].filter(([, n]) => n > 1);
  const botDuplicates = twice.reduce((n, [, c]) => n + c - 1, 0);
  const replyDuplicates = twice.filter(([k]) => !k.endsWith(' root')).reduce((n, [, c]) => n + c - 1, 0);
  const botNeverFiring = groupNames.filter(
    (g) => !(roots.get(g) ?? []).some((r) => versions(r).some((v) => !isResolvedRoot(v))),
  );
  const botUpdateMissed = updated.filter((g) => {
    const name = alertname(g);
    const c = instance(g, 'c');
    const onRoot = (roots.get(name) ?? []).some((r) =>
      versions(r).some((v) => !isResolvedRoot(v) && textOf(v).includes(c)),
    );
    const inThread = threadOf(name).some(
      (m) => /^\d+ alert\(s\) added/.test(m.text ?? '') && textOf(m).includes(c),
    );
    return !onRoot && !inThread;
  });
  const botFinalMissing = groupNames.filter((g) => {
    const rs = roots.get(g) ?? [];
    return rs.length === 0 || !rs.every(isResolvedRoot);
  });
  const stored = await pool.query(
    'SELECT (SELECT count(*) FROM incidents)::int AS roots, (SELECT count(*) FROM incident_events WHERE post)::int AS replies',
  );
  const expectedBotRoots = Number(stored.rows[0].roots);
  const expectedBotReplies = Number(stored.rows[0].replies);
  const botDistinct = botAll.length - botDuplicates;
  const botFirst = groupNames.map((g) => {
    const first = roots.get(g)?.[0];
    return first ? Number(first.ts) * 1000 : undefined;
  });
  /** Median and max seconds from the first alert until each group had a message (all groups or none). */
  const firstSeen = (list: Array<number | undefined>) => {
    if (list.some((t) => t === undefined))
      return `${list.filter((t) => t === undefined).length} groups never`;
    const sorted = (list as number[]).map((t) => (t - t0) / 1000).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    return `${median.toFixed(1)} s / ${(sorted.at(-1) ?? 0).toFixed(1)} s`;
  };
  const uncertain = /^laojun_incident_uncertain_posts_total (\S+)$/m.exec(
    await (await fetch(`${bot.url}/metrics`)).text(),
  )?.[1];

  const amCalls = callsIn(slack.calls, AM_CHANNEL);
  const botCalls = callsIn(slack.calls, BOT_CHANNEL);
  const amNotify = await amMetric(am.url, 'alertmanager_notifications_total', 'slack');
  const amFailed = await amMetric(am.url, 'alertmanager_notifications_failed_total', 'slack');
  const whNotify = await amMetric(am.url, 'alertmanager_notifications_total', 'webhook');
  const whFailed = await amMetric(am.url, 'alertmanager_notifications_failed_total', 'webhook');

  const secs = (ms: number | undefined) =>
    ms ? `${((ms - resolvedAt) / 1000).toFixed(1)} s` : 'not reached';
  const calls = (c: ReturnType<typeof callsIn>) =>
    `${c.total} (${c.rateLimited} / ${c.serverErrors} / ${c.lostAnswers})`;
  const rows: Array<[string, string, string]> = [
    [
      'messages expected',
      `${expectedAm} (one per group notification: ${GROUPS} firing + ${updated.length} grown + ${GROUPS} resolved)`,
      `${expectedBotRoots + expectedBotReplies} (${expectedBotRoots} roots + ${expectedBotReplies} thread replies the bot queued)`,
    ],
    [
      'messages that reached Slack',
      `${posts.length} (all top-level)`,
      `${botAll.length} (${botTop} top-level roots + ${botAll.length - botTop} thread replies)`,
    ],
    [
      'expected messages never posted (a later state posted instead)',
      String(Math.max(0, expectedAm - amDistinct)),
      String(Math.max(0, expectedBotRoots + expectedBotReplies - botDistinct)),
    ],
    [
      'groups whose resolution never reached Slack',
      String(amFinalMissing.length),
      String(botFinalMissing.length),
    ],
    ['first message of a group, from the first alert: median / max', firstSeen(amFirst), firstSeen(botFirst)],
    ['groups never shown firing', String(amNeverFiring.length), String(botNeverFiring.length)],
    [
      `grown groups whose new alert was never shown firing (of ${updated.length})`,
      String(amUpdateMissed.length),
      String(botUpdateMissed.length),
    ],
    [
      'duplicates',
      `${amRetryDuplicates} (the same post again within repeat_interval)`,
      `${extraRoots} extra roots; ${replyDuplicates} thread replies posted again`,
    ],
    [
      `repeat reminders (the same post after ≥ ${REPEAT_INTERVAL})`,
      String(amReminders),
      '0 (repeats add nothing)',
    ],
    [
      'edits in place / new posts',
      `${amCalls.edits} / ${posts.length}`,
      `${botCalls.edits} / ${botAll.length}`,
    ],
    ['Slack calls (429 / 5xx / 5xx after the work was done)', calls(amCalls), calls(botCalls)],
    [
      'Alertmanager notifications (failed)',
      `${amNotify} (${amFailed} failed)`,
      `${whNotify} to the webhook (${whFailed} failed)`,
    ],
    ['time until Slack showed every group resolved', secs(reached.am), secs(reached.bot)],
    ['time until every expected message was posted', secs(reached.am), secs(reached.botSynced)],
  ];

  console.log(
    `\nvs-alertmanager: ${startedIso}, Alertmanager ${amVersion}, ${GROUPS} groups (every ${UPDATE_EVERY}rd grows), ` +
      `group_wait ${GROUP_WAIT}, group_interval ${GROUP_INTERVAL}, repeat_interval ${REPEAT_INTERVAL}; ` +
      `${cpus().length} cores, load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} before, ` +
      `${loadAfter.map((l) => l.toFixed(1)).join(' ')} after`,
  );
  const span = (w: { at: number; ms: number }) => `t+${w.at / 1000}–${(w.at + w.ms) / 1000} s`;
  console.log(
    `faults${FAULTS ? '' : ' (off: --no-faults; the schedule below is skipped)'}: 429 (Retry-After ${SCHEDULE.rateLimited.retryAfter} s) to every post ${span(SCHEDULE.rateLimited)}; ` +
      `503 to every call ${span(SCHEDULE.outage)}; 502 after the work ${span(SCHEDULE.lostAnswers)}; ` +
      `resolution at t+${((resolvedAt - t0) / 1000).toFixed(1)} s; the times below count from the resolution`,
  );
  console.log('\n| | Alertmanager `slack_configs` | bot (`POST /alerts`) |\n|---|---|---|');
  for (const [label, a, b] of rows) console.log(`| ${label} | ${a} | ${b} |`);
  console.log('');
  const rel = (ms: number) => `t+${((ms - t0) / 1000).toFixed(1)} s`;
  for (const g of botNeverFiring) {
    const first = roots.get(g)?.[0];
    console.log(
      `bot: ${g} never shown firing: root first posted ${first ? rel(Number(first.ts) * 1000) : 'never'}`,
    );
  }
  // How each duplicate came about: its posts, and the history look-ups Slack failed meanwhile.
  const botCallList = slack.calls.filter((c) => c.body.channel === BOT_CHANNEL);
  const answer = (c: RecordedCall) => (c.committed ? `${c.status} (posted)` : c.ok ? 'ok' : String(c.status));
  for (const [part, n] of twice) {
    const tries = botCallList.filter(
      (c) => c.method === 'chat.postMessage' && partOf(c.body.metadata) === part,
    );
    console.log(
      `bot: ${part} posted ${n} times; its post calls: ${tries.map((c) => `${rel(c.at)} ${answer(c)}`).join(', ')}`,
    );
  }
  const lookups = botCallList.filter((c) => c.method.startsWith('conversations.'));
  console.log(
    `bot: ${lookups.length} look-ups for an earlier post (conversations.history/replies), ` +
      `${lookups.filter((c) => !c.ok).length} of them answered 5xx; ` +
      `laojun_incident_uncertain_posts_total ${uncertain ?? '?'}`,
  );
  for (const g of amNeverFiring) console.log(`alertmanager: ${g} never shown firing`);
  if (timedOut) console.log(`timed out after ${TIMEOUT_MS / 1000} s waiting for the final state`);

  // The claims: no group's final state lost, no duplicate (a root posted late is slow, not lost).
  return !timedOut && botFinalMissing.length === 0 && extraRoots === 0 && botDuplicates === 0;
}

let ok = false;
try {
  ok = await run();
} catch (err) {
  console.error(err);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
