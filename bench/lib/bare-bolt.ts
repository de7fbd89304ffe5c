/** A bare Bolt app that only acks /status: the baseline for bench/ack.ts. Run as its own process. */
import { App, ExpressReceiver } from '@slack/bolt';

const receiver = new ExpressReceiver({ signingSecret: process.env.SLACK_SIGNING_SECRET ?? '' });
// The same Web API endpoint as the bot, and Bolt's defaults: auth.test once, at start (with token
// verification off, Bolt would ask on every request; the bot asks once, see src/slack/bolt-authorize.ts).
const app = new App({
  token: process.env.SLACK_BOT_TOKEN,
  receiver,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL },
});
app.command('/status', async ({ ack }) => {
  await ack({ response_type: 'ephemeral', text: 'ok' });
});
receiver.router.get('/healthz', (_req, res) => {
  res.send('ok');
});
await receiver.start(Number(process.env.PORT));
process.on('SIGTERM', () => process.exit(0));
