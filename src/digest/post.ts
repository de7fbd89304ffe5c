import type { Deps } from '../deps.ts';
import { prepare } from '../slack/deliver.ts';
import { chartText, renderChart } from './chart.ts';
import { collectDigest } from './collect.ts';
import { dateIn } from './format.ts';
import { digestReport } from './render.ts';

/** A claim older than this with no post is taken over (its worker died between claim and post). */
const STALE_CLAIM_MINUTES = 15;

export type PostOutcome =
  | { outcome: 'posted'; day: string; channel: string; ts: string; chart: boolean }
  | { outcome: 'already-posted'; day: string }
  | { outcome: 'claimed-elsewhere'; day: string }
  | { outcome: 'no-channel'; day: string };

/**
 * Claims the digest day: one row per day in PostgreSQL. Returns the row's state after the claim:
 * `mine` (post now), `posted` (done, maybe without the chart) or `busy` (another worker holds it).
 */
async function claim(
  deps: Deps,
  day: string,
  jobId: string,
): Promise<{ state: 'mine' | 'busy' } | { state: 'posted'; channel: string; ts: string; chart: boolean }> {
  const inserted = await deps.pool.query(
    `INSERT INTO digest_runs (day, job_id) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING RETURNING day`,
    [day, jobId],
  );
  if (inserted.rowCount === 1) return { state: 'mine' };
  const taken = await deps.pool.query(
    `UPDATE digest_runs SET job_id = $2, claimed_at = now()
      WHERE day = $1 AND status = 'claimed'
        AND (job_id = $2 OR claimed_at < now() - make_interval(mins => $3))
      RETURNING day`,
    [day, jobId, STALE_CLAIM_MINUTES],
  );
  if (taken.rowCount === 1) return { state: 'mine' };
  const row = await deps.pool.query<{
    status: string;
    channel_id: string | null;
    message_ts: string | null;
    chart_uploaded: boolean;
  }>('SELECT status, channel_id, message_ts, chart_uploaded FROM digest_runs WHERE day = $1', [day]);
  const r = row.rows[0];
  if (r?.status === 'posted' && r.channel_id && r.message_ts) {
    return { state: 'posted', channel: r.channel_id, ts: r.message_ts, chart: r.chart_uploaded };
  }
  return { state: 'busy' };
}

/** Gives a claim back when posting failed, so the retry (or a replica) can post. */
async function release(deps: Deps, day: string, jobId: string): Promise<void> {
  await deps.pool
    .query(`DELETE FROM digest_runs WHERE day = $1 AND status = 'claimed' AND job_id = $2`, [day, jobId])
    .catch(() => {});
}

async function uploadChart(deps: Deps, channel: string, ts: string, day: string, png: Buffer): Promise<void> {
  await deps.slack.uploadFile({
    channel,
    threadTs: ts,
    filename: `laojun-digest-${day}.png`,
    title: deps.t('digest.title', { date: day }),
    content: png,
  });
  await deps.pool.query('UPDATE digest_runs SET chart_uploaded = true WHERE day = $1', [day]);
}

/**
 * The scheduled digest: exactly one per day across replicas and retries. The day is claimed in
 * PostgreSQL before anything is posted; the message is posted, marked posted, then the chart goes
 * into its thread. A retry after a failed chart upload uploads only the chart.
 */
export async function postDailyDigest(deps: Deps, jobId: string, now = deps.now()): Promise<PostOutcome> {
  const channel = deps.config.slack.digestChannel;
  const early = dateIn(now, deps.config.file.digest.timezone);
  if (!channel) return { outcome: 'no-channel', day: early };
  // Cheap check first: a day that is fully done needs no queries at all.
  const done = await deps.pool.query(
    `SELECT 1 FROM digest_runs WHERE day = $1 AND status = 'posted' AND chart_uploaded`,
    [early],
  );
  if (done.rowCount) return { outcome: 'already-posted', day: early };

  const data = await collectDigest(deps, { now, saveSnapshot: true });
  const { day } = data;

  const claimed = await claim(deps, day, jobId);
  if (claimed.state === 'busy') return { outcome: 'claimed-elsewhere', day };
  const ctx = { t: deps.t, timeZone: data.config.timezone };
  let png: Buffer | undefined;
  if (data.chart.ok && data.chart.value.length) {
    try {
      png = renderChart(data.chart.value, { ...chartText(deps), timeZone: data.config.timezone });
    } catch (err) {
      deps.logger.warn({ err }, 'digest chart not rendered');
      data.chart = { ok: false, source: 'chart', reason: (err as Error).message };
    }
  } else if (data.chart.ok) {
    data.chart = { ok: false, source: 'Prometheus', reason: deps.t('digest.noData') };
  }

  if (claimed.state === 'posted') {
    if (claimed.chart || !png) return { outcome: 'already-posted', day };
    await uploadChart(deps, claimed.channel, claimed.ts, day, png);
    return { outcome: 'posted', day, channel: claimed.channel, ts: claimed.ts, chart: true };
  }

  const { message, plain } = prepare(deps, digestReport(data, ctx));
  let ts: string;
  try {
    const posted = await deps.slack.postMessage({
      channel,
      text: message.text,
      blocks: message.blocks,
      plain,
    });
    ts = posted.ts;
  } catch (err) {
    await release(deps, day, jobId);
    throw err;
  }
  await deps.pool.query(
    `UPDATE digest_runs SET status = 'posted', posted_at = now(), channel_id = $2, message_ts = $3 WHERE day = $1`,
    [day, channel, ts],
  );
  if (message.file) {
    // The full text when the message had to be shortened; the message itself is already out.
    await deps.slack
      .uploadFile({ channel, threadTs: ts, ...message.file })
      .catch((err) => deps.logger.warn({ err, day }, 'digest full text not uploaded'));
  }
  if (png) await uploadChart(deps, channel, ts, day, png);
  deps.logger.info({ day, channel, ts, chart: Boolean(png) }, 'daily digest posted');
  return { outcome: 'posted', day, channel, ts, chart: Boolean(png) };
}
