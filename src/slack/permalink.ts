/** A link to a message (or thread root) that opens in Slack, built without an API call. */
export function messageLink(channel: string, ts: string): string {
  return `https://slack.com/archives/${channel}/p${ts.replace('.', '')}`;
}
