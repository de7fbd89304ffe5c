import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeSlack, startFakeSlack } from '../fakes/slack-api.ts';

const modal = (extra: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'cb',
  title: { type: 'plain_text', text: 'Add follow-up' },
  submit: { type: 'plain_text', text: 'Add' },
  blocks: [
    {
      type: 'input',
      block_id: 'what',
      label: { type: 'plain_text', text: 'What' },
      element: { type: 'plain_text_input', action_id: 'value', max_length: 200 },
    },
  ],
  ...extra,
});

async function error(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { data?: { error?: string } }).data?.error ?? String(err);
  }
  throw new Error('expected the call to fail');
}

describe('fake Slack: modals (views.open, views.update) under Slack’s rules', () => {
  let fake: FakeSlack;
  let web: WebClient;
  let clock = Date.now();
  beforeAll(async () => {
    fake = await startFakeSlack({ now: () => clock });
    web = new WebClient(fake.token, { slackApiUrl: fake.apiUrl, retryConfig: { retries: 0 } });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('accepts a trigger_id once, within 3 seconds', async () => {
    const trigger = fake.createTriggerId();
    // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views, as Slack would be.
    const view = modal() as any;
    const opened = await web.views.open({ trigger_id: trigger, view });
    expect(opened.view?.id).toMatch(/^V/);
    expect(fake.views).toHaveLength(1);
    expect(await error(web.views.open({ trigger_id: trigger, view }))).toBe('invalid_trigger_id');
    expect(await error(web.views.open({ trigger_id: 'never-issued', view }))).toBe('invalid_trigger_id');
    const late = fake.createTriggerId();
    clock += 3_001;
    expect(await error(web.views.open({ trigger_id: late, view }))).toBe('expired_trigger_id');
  });

  it('refuses what Slack refuses: long titles, submit missing with inputs, too many blocks, long metadata', async () => {
    const open = (extra: Record<string, unknown>) =>
      // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid views.
      error(web.views.open({ trigger_id: fake.createTriggerId(), view: modal(extra) as any }));
    expect(await open({ title: { type: 'plain_text', text: 'A title longer than 24 chars' } })).toBe(
      'invalid_arguments',
    );
    expect(await open({ submit: undefined })).toBe('invalid_arguments');
    expect(await open({ private_metadata: 'x'.repeat(3_001) })).toBe('invalid_arguments');
    expect(await open({ blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) })).toBe(
      'invalid_arguments',
    );
    expect(
      await open({
        blocks: [
          {
            type: 'input',
            label: { type: 'plain_text', text: 'x' },
            element: { type: 'plain_text_input', action_id: 'v', max_length: 5, initial_value: 'too long' },
          },
        ],
      }),
    ).toBe('invalid_arguments');
    // A rejected open does not use the trigger.
    const trigger = fake.createTriggerId();
    // biome-ignore lint/suspicious/noExplicitAny: deliberately invalid view.
    await error(web.views.open({ trigger_id: trigger, view: modal({ submit: undefined }) as any }));
    // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views.
    expect((await web.views.open({ trigger_id: trigger, view: modal() as any })).ok).toBe(true);
  });

  it('updates a view by id, refusing a stale hash', async () => {
    // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views.
    const opened = await web.views.open({ trigger_id: fake.createTriggerId(), view: modal() as any });
    const id = opened.view?.id ?? '';
    const hash = opened.view?.hash ?? '';
    const updated = await web.views.update({
      view_id: id,
      hash,
      // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views.
      view: modal({ title: { type: 'plain_text', text: 'Updated' } }) as any,
    });
    expect(updated.view?.hash).not.toBe(hash);
    // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views.
    expect(await error(web.views.update({ view_id: id, hash, view: modal() as any }))).toBe('hash_conflict');
    // biome-ignore lint/suspicious/noExplicitAny: the fake is fed raw JSON views.
    expect(await error(web.views.update({ view_id: 'VNOPE', view: modal() as any }))).toBe('not_found');
    const v = fake.views.find((x) => x.id === id);
    expect(v?.history).toHaveLength(1);
    expect(JSON.stringify(v?.view.title)).toContain('Updated');
  });
});
