/**
 * A bare Bolt app that only acks /status: the baseline for bench/ack.ts. Run as its own process.
 * `BARE_RECEIVER=express`: on Bolt's ExpressReceiver (the bot's receiver until 2026-12-07, the
 * baseline issue 17's figures were measured against); otherwise Bolt's own HTTP receiver, as the bot
 * uses now (src/app.ts).
 */
import { App, ExpressReceiver } from '@slack/bolt';

const signingSecret = process.env.SLACK_SIGNING_SECRET ?? '';
const health = (res: { end(body: string): void }) => res.end('ok');
const express = process.env.BARE_RECEIVER === 'express' ? new ExpressReceiver({ signingSecret }) : undefined;
express?.router.get('/healthz', (_req, res) => health(res));
// Bolt's defaults otherwise, auth.test included: asked once, at start (with token verification off,
// Bolt would ask on every request; the bot asks once, see src/slack/bolt-authorize.ts). The same
// Web API endpoint as the bot.
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
  ...(express
    ? { receiver: express }
    : {
        signingSecret,
        customRoutes: [{ path: '/healthz', method: ['GET'], handler: (_req, res) => health(res) }],
      }),
});
app.command('/status', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
await (express ? express.start(Number(process.env.PORT)) : app.start(Number(process.env.PORT)));
process.on('SIGTERM', () => process.exit(0));
