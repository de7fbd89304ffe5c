import type { Deps } from '../deps.ts';
import { reportMessage } from '../report/message.ts';
import { postOnce, update } from './post-once.ts';
import { DETAILED_MAX, renderStorm, type StormMember, stormListFile } from './render-storm.ts';
import { renderContext, type SyncOutcome } from './sync.ts';

const OWNER = `storm-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;

/**
 * The version of a storm message's content: the sum of its groups' versions (each grows with every
 * change), plus one for each promoted group whose thread root is posted (its row then links to
 * it). Both only grow, so `synced_version >= version` means Slack shows the newest. `s` is the
 * storm row, `i` its incidents (joined with STORM_MEMBER_JOIN).
 */
export const STORM_VERSION_SQL =
  '(sum(i.version) + count(*) FILTER (WHERE i.promoted_from_storm_id = s.id AND i.root_ts IS NOT NULL))';
/** The groups a storm message lists: those still stormed and those promoted from it. */
export const STORM_MEMBER_JOIN = 'i.storm_id = s.id OR i.promoted_from_storm_id = s.id';

async function members(
  deps: Deps,
  stormId: number,
): Promise<{ list: StormMember[]; version: number; stormed: Map<number, number> }> {
  const r = await deps.pool.query(
    `SELECT i.id, i.alertname, i.severity, i.status, i.started_at, i.version, i.group_labels, i.root_ts,
            i.promoted_from_storm_id IS NOT NULL AS promoted,
            COALESCE(NULLIF(i.common_annotations->>'summary', ''),
                     (SELECT a.annotations->>'summary' FROM incident_alerts a
                       WHERE a.incident_id = i.id AND a.annotations->>'summary' <> ''
                       ORDER BY a.status = 'firing' DESC, a.starts_at LIMIT 1), '') AS summary,
            (SELECT count(*)::int FROM incident_alerts a WHERE a.incident_id = i.id) AS alerts
       FROM incidents i WHERE i.storm_id = $1 OR i.promoted_from_storm_id = $1 ORDER BY i.id`,
    [stormId],
  );
  // Versions of the groups still stormed: shown only here, so in sync once this is shown.
  const stormed = new Map<number, number>();
  let version = 0;
  const list = r.rows.map((x) => {
    version += Number(x.version) + (x.promoted && x.root_ts ? 1 : 0);
    if (!x.promoted) stormed.set(Number(x.id), Number(x.version));
    return {
      id: Number(x.id),
      alertname: String(x.alertname),
      summary: String(x.summary),
      status: x.status,
      alerts: Number(x.alerts),
      startedAt: x.started_at as Date,
      severity: String(x.severity ?? ''),
      groupLabels: (x.group_labels ?? {}) as Record<string, string>,
      ...(x.promoted ? { thread: { rootTs: (x.root_ts as string | null) ?? null } } : {}),
    };
  });
  return { list, version, stormed };
}

async function rootOf(deps: Deps, stormId: number): Promise<string | null> {
  const r = await deps.pool.query('SELECT root_ts FROM incident_storms WHERE id = $1', [stormId]);
  return (r.rows[0]?.root_ts as string | null) ?? null;
}

/**
 * The full list of a storm message too big to name every group: a file in its thread. While the
 * storm grows, uploaded again only when it has grown by a tenth; once the message is in sync, once
 * more if groups arrived since (so the newest file always lists every group). The message's counts
 * stay current; the file is a snapshot whose title says when. A failed upload is retried next sync.
 */
async function uploadList(
  deps: Deps,
  s: { id: string | number; channel: string; list_file_members: number },
  rootTs: string,
  list: readonly StormMember[],
  opts: { quiet?: boolean } = {},
) {
  const last = Number(s.list_file_members ?? 0);
  // While groups keep arriving, a new file only for every tenth more; once quiet, one that has them all.
  if (last > 0 && !opts.quiet && list.length < Math.ceil(last * 1.1)) return;
  if (last === list.length) return;
  const ctx = renderContext(deps);
  const at = new Date().toISOString().slice(0, 19).replace('T', ' ');
  try {
    await deps.slack.uploadFile({
      channel: s.channel,
      threadTs: rootTs,
      filename: `alert-storm-${s.id}-${list.length}-groups.tsv`,
      title: ctx.t('incidents.storm.fileTitle', { count: list.length, at }),
      content: stormListFile(list, ctx),
    });
    await deps.pool.query('UPDATE incident_storms SET list_file_members = $2 WHERE id = $1', [
      s.id,
      list.length,
    ]);
  } catch (err) {
    deps.logger.warn({ stormId: s.id, err: (err as Error).message }, 'storm list file not uploaded');
  }
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
    let edited = false;
    for (let pass = 0; pass < 5; pass += 1) {
      const r = await deps.pool.query('SELECT * FROM incident_storms WHERE id = $1', [stormId]);
      const s = r.rows[0];
      if (!s) return 'gone';
      const { list, version, stormed } = await members(deps, stormId);
      if (Number(s.synced_version) >= version) {
        // Quiet (Slack shows the newest): make sure the file lists every group the message cannot.
        const rootTs = s.root_ts as string | null;
        if (rootTs && list.length > DETAILED_MAX && list.length !== Number(s.list_file_members)) {
          const { unnamed } = renderStorm(list, renderContext(deps), { id: stormId, channel: s.channel });
          if (unnamed > 0) await uploadList(deps, s, rootTs, list, { quiet: true });
        }
        return 'synced';
      }
      // One edit per job: changes committed since have a job of their own in the next 2-second
      // window (see enqueueStormSync), so edits stay coalesced within Slack's edit budget.
      if (edited) return 'synced';
      const rendered = renderStorm(list, renderContext(deps), { id: stormId, channel: s.channel });
      const msg = { ...reportMessage(rendered), unnamed: rendered.unnamed };
      if (!s.root_ts) {
        const { ts, adopted } = await postOnce(
          deps,
          { table: 'incident_storms', id: stormId, claimedAt: s.root_claimed_at },
          { channel: s.channel, marker: { storm: stormId, part: 'storm' }, render: () => msg },
        );
        await deps.pool.query('UPDATE incident_storms SET root_ts = $2 WHERE id = $1', [stormId, ts]);
        // An adopted message shows what an earlier attempt rendered: bring it up to date.
        if (adopted) await update(deps, s.channel, ts, msg);
      } else await update(deps, s.channel, s.root_ts, msg);
      edited = true;
      const rootTs = s.root_ts ?? (await rootOf(deps, stormId));
      if (msg.unnamed > 0 && rootTs) await uploadList(deps, s, rootTs, list);
      await deps.pool.query(
        'UPDATE incident_storms SET synced_version = GREATEST(synced_version, $2) WHERE id = $1',
        [stormId, version],
      );
      // The members still stormed are in sync too (they have no thread of their own); a member
      // promoted meanwhile is not (its own sync posts its thread).
      await deps.pool.query(
        `UPDATE incidents i SET synced_version = GREATEST(i.synced_version, v.version)
           FROM unnest($1::bigint[], $2::int[]) AS v(id, version) WHERE i.id = v.id AND i.storm_id = $3`,
        [[...stormed.keys()], [...stormed.values()], stormId],
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
