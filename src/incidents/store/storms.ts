import type { StormMember } from '../render-storm.ts';
import { DECLARED_PREFIX, type Queryable } from './rows.ts';

/*
 * Storm messages (incident_storms): in a storm the new groups of a channel are listed, a page of
 * them per message, instead of each getting a root and a thread. A storm row holds its message's
 * ts, claim, lease and the version Slack shows.
 */

/**
 * The version of a storm message's content: the sum of its groups' versions (each grows with every
 * change), plus one for each promoted group whose thread root is posted (its row then links to
 * it). Both only grow, so `synced_version >= version` means Slack shows the newest. `s` is the
 * storm row, `i` its incidents (joined with STORM_MEMBER_JOIN). Exported for the storm benchmark's
 * wait only (bench/alert-storm.ts); the sweep asks stormsBehind.
 */
export const STORM_VERSION_SQL =
  '(sum(i.version) + count(*) FILTER (WHERE i.promoted_from_storm_id = s.id AND i.root_ts IS NOT NULL))';
/** The groups a storm message lists: those still stormed and those promoted from it. */
export const STORM_MEMBER_JOIN = 'i.storm_id = s.id OR i.promoted_from_storm_id = s.id';

/** How a new incident is put in a storm message (incidents.storm in CONFIG_FILE). */
export interface StormRule {
  channel: string;
  now: Date;
  windowSeconds: number;
  maxNewIncidents: number;
  groupsPerMessage: number;
}

/** What decides a new incident's storm page, read in one query (see stormProbe). */
export interface StormProbe {
  /** New incidents in the channel's window, counted up to `maxNewIncidents`. */
  recent: number;
  /** The newest page with room, if any. */
  pageId?: number;
}

/** The newest page of the channel's recent storm, with its members counted up to the page size. */
const PAGE_SQL = (channel: string, since: string, size: string) =>
  `SELECT s.id, (SELECT count(*)::int FROM (SELECT 1 FROM incidents i WHERE i.storm_id = s.id LIMIT ${size}) AS m) AS members
     FROM incident_storms s
    WHERE s.channel = ${channel} AND s.created_at > ${since}
    ORDER BY s.id DESC LIMIT 1`;

/**
 * The storm probe as SQL for another statement to select from (intake asks it with the
 * notification's insert: one round trip fewer per notification in a storm). Its five parameters
 * start at `$first`, in the order of `stormProbeParams`; its columns are `storm_recent`,
 * `storm_page` and `storm_page_members`.
 */
export function stormProbeSql(first: number): string {
  const $ = (i: number) => `$${first + i}`;
  const [channel, since, max, pagesSince, size] = [$(0), $(1), $(2), $(3), $(4)] as const;
  // The channel's `max` newest incidents, then those in the window: the same count, capped, read
  // from the newest end of (channel, created_at DESC) and stopping there. Asked as "in the window,
  // LIMIT max", PostgreSQL chose a bitmap scan of the whole window (its statistics lag a storm's
  // growth): ~2 ms a notification at 5,000 groups, now ~0.3 ms.
  return `SELECT (SELECT count(*)::int FROM (
                    SELECT created_at FROM incidents WHERE channel = ${channel}
                     ORDER BY channel, created_at DESC LIMIT ${max}) AS newest
                   WHERE created_at > ${since}) AS storm_recent,
                 p.id AS storm_page, p.members AS storm_page_members
            FROM (SELECT 1) AS one LEFT JOIN LATERAL (${PAGE_SQL(channel, pagesSince, size)}) AS p ON true`;
}

export function stormProbeParams(rule: StormRule): unknown[] {
  return [
    rule.channel,
    new Date(rule.now.getTime() - rule.windowSeconds * 1000),
    rule.maxNewIncidents,
    pagesSince(rule),
    rule.groupsPerMessage,
  ];
}

/** Pages older than six windows are not filled any more. */
const pagesSince = (rule: StormRule) => new Date(rule.now.getTime() - 6 * rule.windowSeconds * 1000);

/** A probe's page, if it has room (the page query's row). */
function pageWithRoom(rule: StormRule, id: unknown, members: unknown): number | undefined {
  return id != null && Number(members) < rule.groupsPerMessage ? Number(id) : undefined;
}

/** The probe's columns as a StormProbe. */
export function stormProbeOf(rule: StormRule, row: Record<string, unknown>): StormProbe {
  const pageId = pageWithRoom(rule, row.storm_page, row.storm_page_members);
  return { recent: Number(row.storm_recent ?? 0), ...(pageId !== undefined ? { pageId } : {}) };
}

/**
 * The storm message a new incident goes in when the channel has more new incidents than allowed
 * (null: it gets a thread of its own), from the probe the notification's insert read earlier in the
 * transaction (recordNotification). Intake must stay fast in a storm, so the count is not locked:
 * concurrent notifications may let a group or two more through on its own, or put a few more than
 * `groupsPerMessage` on a page.
 */
export async function stormPageFor(
  db: Queryable,
  rule: StormRule,
  probe: StormProbe,
): Promise<number | null> {
  if (probe.recent < rule.maxNewIncidents) return null;
  if (probe.pageId !== undefined) return probe.pageId;
  // Only page creation is serialised (once per page): whoever waited here sees the new page.
  await db.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`laojun-storm:${rule.channel}`]);
  const again = (
    await db.query(PAGE_SQL('$1', '$2', '$3'), [rule.channel, pagesSince(rule), rule.groupsPerMessage])
  ).rows[0];
  const found = pageWithRoom(rule, again?.id, again?.members);
  if (found !== undefined) return found;
  const made = await db.query(
    'INSERT INTO incident_storms (channel, created_at) VALUES ($1, $2) RETURNING id',
    [rule.channel, rule.now],
  );
  return Number(made.rows[0].id);
}

/** A storm row as the storm sync uses it. */
export interface Storm {
  id: number;
  channel: string;
  rootTs: string | null;
  rootClaimedAt: Date | null;
  syncedVersion: number;
  listFileMembers: number;
}

export async function loadStorm(db: Queryable, stormId: number): Promise<Storm | undefined> {
  const r = await db.query('SELECT * FROM incident_storms WHERE id = $1', [stormId]);
  const s = r.rows[0];
  if (!s) return undefined;
  return {
    id: Number(s.id),
    channel: String(s.channel),
    rootTs: (s.root_ts as string | null) ?? null,
    rootClaimedAt: (s.root_claimed_at as Date | null) ?? null,
    syncedVersion: Number(s.synced_version),
    listFileMembers: Number(s.list_file_members ?? 0),
  };
}

/**
 * The groups a storm message lists (still stormed, or promoted from it), the version of that
 * content (see STORM_VERSION_SQL), and the versions of the groups still stormed (shown only there,
 * so in sync once the message is).
 */
export async function stormMembers(
  db: Queryable,
  stormId: number,
): Promise<{ list: StormMember[]; version: number; stormed: Map<number, number> }> {
  const r = await db.query(
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

export async function stormRootTs(db: Queryable, stormId: number): Promise<string | null> {
  const r = await db.query('SELECT root_ts FROM incident_storms WHERE id = $1', [stormId]);
  return (r.rows[0]?.root_ts as string | null) ?? null;
}

export async function recordStormPosted(db: Queryable, stormId: number, ts: string) {
  await db.query('UPDATE incident_storms SET root_ts = $2 WHERE id = $1', [stormId, ts]);
}

/** The storm's list file (in its thread) names this many groups. */
export async function recordStormListFile(db: Queryable, stormId: number, members: number) {
  await db.query('UPDATE incident_storms SET list_file_members = $2 WHERE id = $1', [stormId, members]);
}

/**
 * The storm message shows content `version`: so do the members still stormed (they have no
 * thread of their own); a member promoted meanwhile does not (its own sync posts its thread).
 */
export async function markStormSynced(
  db: Queryable,
  stormId: number,
  version: number,
  stormed: ReadonlyMap<number, number>,
) {
  await db.query('UPDATE incident_storms SET synced_version = GREATEST(synced_version, $2) WHERE id = $1', [
    stormId,
    version,
  ]);
  await db.query(
    `UPDATE incidents i SET synced_version = GREATEST(i.synced_version, v.version)
       FROM unnest($1::bigint[], $2::int[]) AS v(id, version) WHERE i.id = v.id AND i.storm_id = $3`,
    [[...stormed.keys()], [...stormed.values()], stormId],
  );
}

/**
 * Whether the channel has a storm message with groups in it that is not posted yet (started in the
 * last 2 minutes, so a storm message that cannot be posted stops holding roots back after that).
 */
export async function stormWaiting(db: Queryable, channel: string): Promise<boolean> {
  const r = await db.query(
    `SELECT 1 FROM incident_storms s
      WHERE s.channel = $1 AND s.root_ts IS NULL AND s.created_at > now() - interval '2 minutes'
        AND EXISTS (SELECT 1 FROM incidents i WHERE i.storm_id = s.id)
      LIMIT 1`,
    [channel],
  );
  return (r.rowCount ?? 0) > 0;
}

/**
 * A group that was opened just before its channel's storm began, and whose root is still waiting
 * for the channel's posting budget, joins the storm message (the newest page of a storm started
 * within `windowSeconds` that has room): one edit names it at once, where its own root would wait
 * its turn behind the others. Only a group nothing was posted for (no root, no claim), not promoted
 * and not declared by hand. Returns the storm it joined.
 */
export async function joinStartedStorm(
  db: Queryable,
  incidentId: number,
  rule: Pick<StormRule, 'channel' | 'now' | 'windowSeconds' | 'groupsPerMessage'>,
): Promise<number | undefined> {
  const r = await db.query<{ id: string }>(
    `WITH page AS (
       SELECT s.id FROM incident_storms s
        WHERE s.channel = $2 AND s.created_at > $3
          AND (SELECT count(*) FROM incidents m WHERE m.storm_id = s.id) < $4
        ORDER BY s.id DESC LIMIT 1)
     UPDATE incidents i SET storm_id = page.id FROM page
      WHERE i.id = $1 AND i.storm_id IS NULL AND i.root_ts IS NULL AND i.root_claimed_at IS NULL
        AND i.promoted_from_storm_id IS NULL AND i.group_key NOT LIKE $5
     RETURNING page.id`,
    [
      incidentId,
      rule.channel,
      new Date(rule.now.getTime() - rule.windowSeconds * 1000),
      rule.groupsPerMessage,
      `${DECLARED_PREFIX}%`,
    ],
  );
  return r.rows[0] ? Number(r.rows[0].id) : undefined;
}

/** Storm messages behind their groups that no worker is syncing (for the sweep), at most `limit`. */
export async function stormsBehind(
  db: Queryable,
  limit: number,
): Promise<Array<{ stormId: number; version: number }>> {
  const r = await db.query(
    `SELECT s.id, ${STORM_VERSION_SQL}::bigint AS version
       FROM incident_storms s JOIN incidents i ON ${STORM_MEMBER_JOIN}
      WHERE s.lease_until IS NULL OR s.lease_until < now()
      GROUP BY s.id HAVING ${STORM_VERSION_SQL} > s.synced_version LIMIT $1`,
    [limit],
  );
  return r.rows.map((row) => ({ stormId: Number(row.id), version: Number(row.version) }));
}
