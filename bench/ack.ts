/**
 * Slash-command acknowledgement latency: the bot (signature check, permission, argument parsing,
 * enqueue to Redis, audit) against a bare Bolt app that only acks, same machine, same load.
 *
 *   npm run bench:ack [-- --connections 100 --seconds 10]
 *
 * Needs the machine's PostgreSQL and Redis (as the tests do). Prints p50/p99 for both and the ratio.
 */
import { parseArgs } from 'node:util';
import { App, ExpressReceiver } from '@slack/bolt';
import autocannon from 'autocannon';
import { SIGNING_SECRET, startTestBot } from '../test/helpers/bot.ts';
import { freePort } from '../test/helpers/ports.ts';
import { slackSignature, slashCommandBody } from '../test/helpers/slack-sign.ts';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' } },
});
const connections = Number(values.connections);
const duration = Number(values.seconds);

async function load(url: string, responseUrl: string, seconds = duration) {
  const body = slashCommandBody({ command: '/status', response_url: responseUrl });
  const ts = Math.floor(Date.now() / 1000);
  const result = await autocannon({
    url: `${url}/slack/events`,
    method: 'POST',
    connections,
    duration: seconds,
    body,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': slackSignature(SIGNING_SECRET, body, ts),
    },
  });
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

async function bareBolt(slackApiUrl: string) {
  const receiver = new ExpressReceiver({ signingSecret: SIGNING_SECRET, processBeforeResponse: false });
  // Same Web API endpoint as the bot: Bolt calls auth.test once on the first request.
  const app = new App({
    token: 'xoxb-test',
    receiver,
    tokenVerificationEnabled: false,
    clientOptions: { slackApiUrl },
  });
  app.command('/status', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'ok' });
  });
  const port = await freePort();
  const server = await receiver.start(port);
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise<void>((r) => server.close(() => r())) };
}

const bot = await startTestBot({ LOG_LEVEL: 'warn' }, { role: 'web' });
const bare = await bareBolt(bot.slack.apiUrl);
const responseUrl = bot.slack.createResponseUrl();

// Warm up both (JIT, connection pools), then measure.
await load(bot.url, responseUrl, 2);
await load(bare.url, responseUrl, 2);
const botResult = await load(bot.url, responseUrl);
const bareResult = await load(bare.url, responseUrl);

await bare.stop();
await bot.stop();

const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
  `${name.padEnd(18)} requests ${String(r.requests).padStart(7)}  rps ${r.rps.toFixed(0).padStart(6)}  p50 ${r.p50} ms  p99 ${r.p99} ms  errors ${r.errors}`;
console.log(`ack latency, ${connections} connections, ${duration} s each, ${new Date().toISOString()}`);
console.log(row('laojun bot', botResult));
console.log(row('bare Bolt app', bareResult));
console.log(
  `p99 ratio bot/bare: ${(botResult.p99 / Math.max(1, bareResult.p99)).toFixed(2)}  (target: p99 < 50 ms, ratio <= 1.3)`,
);
process.exit(0);
