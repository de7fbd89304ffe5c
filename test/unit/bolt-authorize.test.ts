import { describe, expect, it } from 'vitest';
import { singleTokenAuthorize } from '../../src/slack/bolt-authorize.ts';

/** An `auth.test` that fails the first `failures` calls, then answers. */
function authClient(failures: number) {
  let calls = 0;
  const auth = {
    test: async () => {
      calls++;
      if (calls <= failures) throw new Error('slack unreachable');
      return { ok: true, user_id: 'U0BOT', bot_id: 'B0BOT' };
    },
  };
  // Only `auth.test` is used; the rest of the Web API's `auth` namespace is not needed here.
  return { client: { auth } as unknown as Parameters<typeof singleTokenAuthorize>[1], calls: () => calls };
}

/** One workspace, not an Enterprise Grid install: what Bolt passes for a slash command. */
const SOURCE = { isEnterpriseInstall: false, teamId: 'T0FAKE', enterpriseId: undefined };

describe('the bot token authorisation', () => {
  it('asks auth.test once and keeps the answer for every request', async () => {
    const { client, calls } = authClient(0);
    const authorize = singleTokenAuthorize('xoxb-1', client);
    const results = await Promise.all(Array.from({ length: 20 }, () => authorize(SOURCE)));
    expect(calls()).toBe(1);
    expect(results[19]).toMatchObject({ botToken: 'xoxb-1', botUserId: 'U0BOT', botId: 'B0BOT' });
  });

  it('forgets a failure: the next request asks again and then succeeds', async () => {
    const { client, calls } = authClient(1);
    const authorize = singleTokenAuthorize('xoxb-1', client);
    await expect(authorize(SOURCE)).rejects.toThrow('slack unreachable');
    await expect(authorize(SOURCE)).resolves.toMatchObject({
      botUserId: 'U0BOT',
    });
    await authorize(SOURCE);
    expect(calls()).toBe(2);
  });
});
