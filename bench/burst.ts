/**
 * Burst: N signed slash commands within S seconds (default 500 in 5 s) against one bot process
 * running HTTP and workers. Prints how many were acknowledged within Slack's 3 s, ack p50/p99, and
 * how long until every one was answered at its response_url.
 *
 *   npm run bench:burst [-- --count 500 --seconds 5]
 */
import { parseArgs } from 'node:util';
import { startFakeSlack } from '../test/fakes/slack-api.ts';
import { postSigned, slashCommandBody } from '../test/helpers/slack-sign.ts';
import { BENCH_SIGNING_SECRET, spawnBot } from '../test/helpers/spawn-bot.ts';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '500' }, seconds: { type: 'string', default: '5' } },
});
const count = Number(values.count);
const seconds = Number(values.seconds);

const slack = await startFakeSlack();
const bot = await spawnBot({ SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.apiUrl });
const urls = Array.from({ length: count }, () => slack.createResponseUrl());
const acks: number[] = [];
let late = 0;
let failed = 0;
const started = performance.now();
await Promise.all(
  urls.map(async (url, i) => {
    await new Promise((r) => setTimeout(r, (i * seconds * 1000) / count));
    const res = await postSigned(
      bot.url,
      BENCH_SIGNING_SECRET,
      slashCommandBody({
        command: '/status',
        response_url: url,
        user_id: `U${String(i % 50).padStart(4, '0')}X`,
      }),
    );
    acks.push(res.ms);
    if (res.status !== 200 || !res.body.includes('正在执行')) {
      failed++;
      if (failed === 1) console.log(`first refusal: HTTP ${res.status} ${res.body.slice(0, 200)}`);
    } else if (res.ms > 3_000) late++;
  }),
);
acks.sort((a, b) => a - b);
const pct = (p: number) => acks[Math.min(acks.length - 1, Math.floor((p / 100) * acks.length))]?.toFixed(1);
console.log(`burst: ${count} slash commands in ${seconds} s, ${new Date().toISOString()}`);
console.log(
  `acknowledged within 3 s: ${count - failed - late}/${count} (late ${late}, refused or failed ${failed})`,
);
console.log(`ack latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${acks.at(-1)?.toFixed(1)} ms`);

const ids = () => new Set(slack.responses.map((r) => r.id));
const answeredCount = () => {
  const got = ids();
  return urls.filter((u) => got.has(u.split('/').pop() ?? '')).length;
};
const deadline = Date.now() + 120_000;
while (answeredCount() < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
const n = answeredCount();
console.log(
  `answered at response_url: ${n}/${count}${n === count ? ` — the last ${((performance.now() - started) / 1000).toFixed(1)} s after the first command` : ''}`,
);
await bot.stop();
await slack.close();
process.exit(n === count && failed === 0 ? 0 : 1);
