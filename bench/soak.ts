/**
 * Soak: two bot replicas (separate processes, the same PostgreSQL schema and Redis prefix) under a
 * realistic mix for a while — Alertmanager notifications (new groups, repeats, resolutions), slash
 * commands and incident buttons — spread over both replicas. Prints throughput, p99 latency per
 * kind, errors, and each replica's RSS at start and end.
 *
 *   npm run bench:soak [-- --seconds 600 --rate 20]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeSlack } from '../test/fakes/slack-api.ts';
import { postSigned, slashCommandBody } from '../test/helpers/slack-sign.ts';
import { BENCH_SIGNING_SECRET, spawnBot } from '../test/helpers/spawn-bot.ts';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '600' }, rate: { type: 'string', default: '20' } },
});
const seconds = Number(values.seconds);
const rate = Number(values.rate); // operations per second, all kinds together

const slack = await startFakeSlack({ postBurst: 5 });
const env = {
  SLACK_BOT_TOKEN: slack.token,
  SLACK_API_URL: slack.apiUrl,
  SLACK_INCIDENT_CHANNEL: 'C0SOAK',
  ALERT_WEBHOOK_TOKEN: 'soak-token',
};
const a = await spawnBot(env);
const b = await spawnBot(env, { schema: a.schema, prefix: a.prefix });
const replicas = [a, b];

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^process_resident_memory_bytes (\S+)/m.exec(text)?.[1] ?? 0) / 1024 / 1024;
}

const fixture = JSON.parse(
  readFileSync(new URL('../test/fixtures/alertmanager/ServiceDown-firing.json', import.meta.url), 'utf8'),
) as { groupKey: string; alerts: Array<Record<string, unknown>>; status: string };

function notification(group: number, status: 'firing' | 'resolved') {
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  return {
    ...fixture,
    status,
    groupKey: `{}:{alertname="Soak${group}"}`,
    groupLabels: { alertname: `Soak${group}` },
    commonLabels: {
      ...(fixture as unknown as { commonLabels: object }).commonLabels,
      alertname: `Soak${group}`,
    },
    alerts: fixture.alerts.map((al) => ({
      ...al,
      status,
      startsAt,
      endsAt: status === 'resolved' ? new Date().toISOString() : '0001-01-01T00:00:00Z',
      fingerprint: `soak${group}`,
      labels: { ...(al.labels as object), alertname: `Soak${group}` },
    })),
  };
}

const latencies: Record<string, number[]> = { alert: [], command: [] };
let errors = 0;
let ops = 0;
const rssStart = await Promise.all(replicas.map((r) => rss(r.url)));
const started = Date.now();
const inflight: Promise<void>[] = [];
let tick = 0;
while (Date.now() - started < seconds * 1000) {
  const i = tick++;
  const replica = replicas[i % 2] ?? a;
  const kind = i % 4 === 3 ? 'command' : 'alert';
  inflight.push(
    (async () => {
      const t0 = performance.now();
      try {
        if (kind === 'alert') {
          // 40 groups cycling: new groups, repeats (ignored as duplicates) and resolutions.
          const group = Math.floor(i / 4) % 40;
          const status = Math.floor(i / 160) % 2 === 0 ? 'firing' : 'resolved';
          const res = await fetch(`${replica.url}/alerts`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: 'Bearer soak-token' },
            body: JSON.stringify(notification(group, status)),
          });
          if (res.status !== 200) errors++;
        } else {
          const res = await postSigned(
            replica.url,
            BENCH_SIGNING_SECRET,
            slashCommandBody({
              command: '/status',
              response_url: slack.createResponseUrl(),
              user_id: `U0SOAK${i % 30}`,
            }),
          );
          if (res.status !== 200) errors++;
        }
      } catch {
        errors++;
      }
      latencies[kind]?.push(performance.now() - t0);
      ops++;
    })(),
  );
  if (inflight.length > 200) await Promise.all(inflight.splice(0));
  await new Promise((r) => setTimeout(r, 1000 / rate));
}
await Promise.all(inflight);
const elapsed = (Date.now() - started) / 1000;
const rssEnd = await Promise.all(replicas.map((r) => rss(r.url)));
const p99 = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return (s[Math.floor(s.length * 0.99)] ?? 0).toFixed(1);
};
console.log(`soak: ${elapsed.toFixed(0)} s, two replicas, ${new Date().toISOString()}`);
console.log(`operations ${ops} (${(ops / elapsed).toFixed(1)}/s), errors ${errors}`);
console.log(`p99 /alerts ${p99(latencies.alert ?? [])} ms, p99 slash ack ${p99(latencies.command ?? [])} ms`);
console.log(
  `RSS MiB replica A ${rssStart[0]?.toFixed(0)} → ${rssEnd[0]?.toFixed(0)}, replica B ${rssStart[1]?.toFixed(0)} → ${rssEnd[1]?.toFixed(0)}`,
);
console.log(
  `Slack messages ${slack.messages.length}, 429s ${slack.rejected.filter((c) => c.status === 429).length}`,
);
await b.stop();
await a.stop();
await slack.close();
process.exit(0);
