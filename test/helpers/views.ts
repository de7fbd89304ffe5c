import type { FakeView } from '../fakes/slack-views.ts';
import { SIGNING_SECRET, type TestBot } from './bot.ts';
import { postSigned } from './slack-sign.ts';

export type SubmittedValues = Record<
  string,
  Record<
    string,
    { type: string; value?: string | null; selected_user?: string | null; selected_date?: string | null }
  >
>;

/** The values a user typed into a modal's input blocks, as Slack sends them in view.state.values. */
export function values(
  fields: Record<string, { text?: string; user?: string; date?: string }>,
): SubmittedValues {
  const out: SubmittedValues = {};
  for (const [block, f] of Object.entries(fields)) {
    if (f.user !== undefined) out[block] = { value: { type: 'users_select', selected_user: f.user } };
    else if (f.date !== undefined) out[block] = { value: { type: 'datepicker', selected_date: f.date } };
    else out[block] = { value: { type: 'plain_text_input', value: f.text ?? null } };
  }
  return out;
}

/**
 * Signs and posts the view_submission Slack sends when a user submits `view` (a modal the bot opened
 * in the fake); returns the HTTP answer (`{response_action:'errors', errors}` or empty).
 */
export async function submitView(
  bot: TestBot,
  view: FakeView,
  state: SubmittedValues,
  user = 'U0SRE',
  url = bot.url,
): Promise<{ status: number; json: Record<string, unknown> | undefined }> {
  const payload = {
    type: 'view_submission',
    team: { id: 'T0LAOJUN', domain: 'laojun' },
    user: { id: user, username: 'sre', name: 'sre', team_id: 'T0LAOJUN' },
    api_app_id: 'A0CHATOPS',
    token: 'deprecated',
    trigger_id: bot.slack.createTriggerId(),
    view: {
      ...view.view,
      id: view.id,
      hash: view.hash,
      team_id: 'T0LAOJUN',
      app_id: 'A0CHATOPS',
      bot_id: bot.slack.bot.botId,
      state: { values: state },
    },
    response_urls: [],
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const res = await postSigned(url, SIGNING_SECRET, body);
  let json: Record<string, unknown> | undefined;
  try {
    json = res.body ? (JSON.parse(res.body) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}
