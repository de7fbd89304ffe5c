import type { Deps } from '../deps.ts';
import { SlackApiError, SlackRateLimitedError } from '../slack/errors.ts';
import { pacerFor } from './pacing.ts';
import { renderStorm, type StormMember } from './render-storm.ts';
import { earlierPost, POST_EVENT_TYPE, renderContext, type SyncOutcome } from './sync.ts';

const OWNER = `storm-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

async function members(
  deps: Deps,
  stormId: number,
): Promise<{ list: StormMember[]; versions: Map<number, number> }> {
  const r = await deps.pool.query(
    `SELECT i.id, i.alertname, i.status, i.started_at, i.version,
            COALESCE(i.common_annotations->>'summary', '') AS summary,
            (SELECT count(*)::int FROM incident_alerts a WHERE a.incident_id = i.id) AS alerts
       FROM incidents i WHERE i.storm_id = $1 ORDER BY i.id`,
    [stormId],
  );
  const versions = new Map<number, number>();
  const list = r.rows.map((x) => {
    versions.set(Number(x.id), Number(x.version));
    return {
      id: Number(x.id),
      alertname: String(x.alertname),
      summary: String(x.summary),
      status: x.status,
      alerts: Number(x.alerts),
      startedAt: x.started_at as Date,
    };
  });
  return { list, versions };
}

/**
 * Makes a storm message match its groups: posted once (same claim rules as a root message),
 * then edited (coalesced) whenever one of its groups changes.
 */
export async function syncStorm(deps: Deps, stormId: number): Promise<SyncOutcome> {
  const lease = await deps.pool.query(
    `UPDATE incident_storms SET lease_owner = $2, lease_until = now() + interval '60 seconds'
      WHERE id = $1 AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $2)
      RETURNING id`,
    [stormId, OWNER],
  );
  if (!lease.rowCount) {
    const exists = await deps.pool.query('SELECT 1 FROM incident_storms WHERE id = $1', [stormId]);
    return exists.rowCount ? 'busy' : 'gone';
  }
  try {
    for (let pass = 0; pass < 5; pass += 1) {
      const r = await deps.pool.query('SELECT * FROM incident_storms WHERE id = $1', [stormId]);
      const s = r.rows[0];
      if (!s) return 'gone';
      const { list, versions } = await members(deps, stormId);
      const version = [...versions.values()].reduce((a, b) => a + b, 0);
      if (Number(s.synced_version) >= version) return 'synced';
      const msg = renderStorm(list, renderContext(deps));
      const pacer = pacerFor(deps);
      const marker = { storm: stormId, part: 'storm' };
      if (!s.root_ts && s.root_claimed_at) {
        // An earlier attempt ended between posting and recording: adopt its message if it landed.
        const earlier = await earlierPost(deps, s.channel, undefined, s.root_claimed_at, marker);
        if ('ts' in earlier) {
          await deps.pool.query('UPDATE incident_storms SET root_ts = $2 WHERE id = $1', [
            stormId,
            earlier.ts,
          ]);
          s.root_ts = earlier.ts;
        } else if ('unknown' in earlier) deps.metrics.incidents.uncertainPosts.inc();
      }
      if (!s.root_ts) {
        await pacer.beforePost(s.channel);
        await deps.pool.query('UPDATE incident_storms SET root_claimed_at = now() WHERE id = $1', [stormId]);
        try {
          const posted = await deps.slack.postMessage({
            ...msg,
            channel: s.channel,
            metadata: { event_type: POST_EVENT_TYPE, event_payload: marker },
          });
          await deps.pool.query('UPDATE incident_storms SET root_ts = $2 WHERE id = $1', [
            stormId,
            posted.ts,
          ]);
        } catch (err) {
          if (err instanceof SlackRateLimitedError || err instanceof SlackApiError) {
            await deps.pool.query(
              'UPDATE incident_storms SET root_claimed_at = NULL WHERE id = $1 AND root_ts IS NULL',
              [stormId],
            );
          }
          if (err instanceof SlackRateLimitedError) await pacer.rateLimited(err);
          throw err;
        }
      } else {
        await pacer.beforeUpdate(s.channel);
        try {
          await deps.slack.updateMessage({ ...msg, channel: s.channel, ts: s.root_ts });
        } catch (err) {
          if (err instanceof SlackRateLimitedError) await pacer.rateLimited(err);
          throw err;
        }
      }
      await deps.pool.query(
        'UPDATE incident_storms SET synced_version = GREATEST(synced_version, $2) WHERE id = $1',
        [stormId, version],
      );
      // The members as shown are in sync too (they have no thread of their own).
      await deps.pool.query(
        `UPDATE incidents i SET synced_version = GREATEST(i.synced_version, v.version)
           FROM unnest($1::bigint[], $2::int[]) AS v(id, version) WHERE i.id = v.id`,
        [[...versions.keys()], [...versions.values()]],
      );
    }
    return 'synced';
  } finally {
    await deps.pool
      .query(
        'UPDATE incident_storms SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2',
        [stormId, OWNER],
      )
      .catch(() => {});
  }
}
