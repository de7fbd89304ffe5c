import { createHmac } from 'node:crypto';

/** Signs a request body exactly as Slack does: v0=hex(HMAC-SHA256(secret, `v0:{ts}:{body}`)). */
export function slackSignature(secret: string, body: string, timestamp: number): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SlashCommandFields {
  command: string;
  text?: string;
  user_id?: string;
  channel_id?: string;
  team_id?: string;
  response_url: string;
  trigger_id?: string;
}

/** The fields of a slash command, as Slack posts them (HTTP form body, or Socket Mode payload). */
export function slashCommandFields(f: SlashCommandFields): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: f.team_id ?? 'T0LAOJUN',
    team_domain: 'laojun',
    channel_id: f.channel_id ?? 'C0OPS',
    channel_name: 'ops',
    user_id: f.user_id ?? 'U0SRE',
    user_name: 'sre',
    command: f.command,
    text: f.text ?? '',
    api_app_id: 'A0CHATOPS',
    is_enterprise_install: 'false',
    response_url: f.response_url,
    trigger_id: f.trigger_id ?? '1234.5678.abcdef',
  };
}

/** The form body Slack posts for a slash command. */
export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams(slashCommandFields(f)).toString();
}

/** POSTs a signed form body to the bot's /slack/events. `timestamp` and `signature` can be forged for tests. */
export async function postSigned(
  baseUrl: string,
  secret: string,
  body: string,
  opts: { timestamp?: number; signature?: string; contentType?: string } = {},
): Promise<{ status: number; body: string; ms: number }> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const started = performance.now();
  const res = await fetch(`${baseUrl}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': opts.signature ?? slackSignature(secret, body, timestamp),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}
