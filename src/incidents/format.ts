import type { Locale } from '../i18n/index.ts';
import { type Redactor, redactClipped } from '../redact.ts';
import { truncate } from '../slack/limits.ts';

/** "1h 02m 03s" / "1 小时 2 分 3 秒", seconds dropped beyond an hour. */
export function formatDuration(ms: number | null | undefined, locale: Locale): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const total = Math.max(0, Math.round(ms / 1000));
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = total % 60;
  const zh = locale === 'zh-CN';
  const parts: string[] = [];
  if (d) parts.push(zh ? `${d} 天` : `${d}d`);
  if (h) parts.push(zh ? `${h} 小时` : `${h}h`);
  if (m) parts.push(zh ? `${m} 分` : `${m}m`);
  if ((s || parts.length === 0) && d === 0 && h === 0) parts.push(zh ? `${s} 秒` : `${s}s`);
  return parts.join(' ');
}

/** Slack date token: shown in each reader's own time zone, with a UTC fallback. */
export function slackDate(at: Date | string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  const unix = Math.floor(d.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time_secs}|${utc(d)}>`;
}

/** `2026-11-25 19:28:27 UTC` (plain text contexts: headers, files, fallbacks). */
export function utc(at: Date | string): string {
  const d = typeof at === 'string' ? new Date(at) : at;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** Escapes text for mrkdwn (Slack's three control characters). */
export function esc(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** Cuts escaped mrkdwn to `max` without leaving half an entity (`&am…`) at the cut. */
export function cutWithin(escaped: string, max: number, marker = '…'): string {
  if (escaped.length <= max) return escaped;
  const cut = truncate(escaped, max, marker);
  const body = cut.slice(0, cut.length - marker.length);
  return body.replace(/&[a-z]{0,3}$/, '') + marker;
}

/**
 * External text (label values, annotations) as a renderer uses it: cut to about `max` BEFORE it is
 * redacted (see clip), then redacted. Escape the result where it goes into mrkdwn.
 */
export function shown(redact: Redactor, text: string, max: number): string {
  return redactClipped(redact, text, max);
}

/** A mrkdwn link, or undefined when the URL is not http(s) or too long to be useful. */
export function link(url: string | undefined, label: string, max = 2_800): string | undefined {
  if (!url || url.length > max || !/^https?:\/\//i.test(url) || /[<>|\s]/.test(url)) return undefined;
  return `<${url}|${esc(label)}>`;
}

/** A user mention when `id` is a Slack user ID; otherwise the text, escaped (never a live token). */
export function mention(id: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(id) ? `<@${id}>` : esc(id);
}

/** "instance (job)" for an alert's labels. */
export function alertWhere(labels: Record<string, string>): string {
  const where = labels.instance ?? labels.pod ?? labels.host ?? labels.service ?? '';
  const job = labels.job ?? '';
  if (where && job) return `${where} (${job})`;
  return where || job || labels.alertname || '?';
}
