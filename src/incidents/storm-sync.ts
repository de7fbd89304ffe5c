import type { Deps } from '../deps.ts';
import { reportMessage } from '../report/message.ts';
import { postOnce, update } from './post-once.ts';
import { DETAILED_MAX, renderStorm, type StormMember, stormListFile } from './render-storm.ts';
import {
  acquireLease,
  loadStorm,
  markStormSynced,
  recordStormListFile,
  recordStormPosted,
  releaseLease,
  type Storm,
  stormMembers,
  stormRootTs,
} from './store.ts';
import { renderContext, type SyncOutcome } from './sync.ts';

/**
 * The full list of a storm message too big to name every group: a file in its thread. While the
 * storm grows, uploaded again only when it has grown by a tenth; once the message is in sync, once
 * more if groups arrived since (so the newest file always lists every group). The message's counts
 * stay current; the file is a snapshot whose title says when. A failed upload is retried next sync.
 */
async function uploadList(
  deps: Deps,
  s: Storm,
  rootTs: string,
  list: readonly StormMember[],
  opts: { quiet?: boolean } = {},
) {
  const last = s.listFileMembers;
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
    await recordStormListFile(deps.pool, s.id, list.length);
  } catch (err) {
    deps.logger.warn({ stormId: s.id, err }, 'storm list file not uploaded');
  }
}

/**
 * Makes a storm message match its groups: posted once (same claim rules as a root message),
 * then edited (coalesced) whenever one of its groups changes.
 */
export async function syncStorm(deps: Deps, stormId: number): Promise<SyncOutcome> {
  const got = await acquireLease(deps.pool, 'incident_storms', stormId);
  if (got === undefined) return 'gone';
  if (!got) return 'busy';
  try {
    let edited = false;
    for (let pass = 0; pass < 5; pass += 1) {
      const s = await loadStorm(deps.pool, stormId);
      if (!s) return 'gone';
      const { list, version, stormed } = await stormMembers(deps.pool, stormId);
      if (s.syncedVersion >= version) {
        // Quiet (Slack shows the newest): make sure the file lists every group the message cannot.
        if (s.rootTs && list.length > DETAILED_MAX && list.length !== s.listFileMembers) {
          const { unnamed } = renderStorm(list, renderContext(deps), { id: stormId, channel: s.channel });
          if (unnamed > 0) await uploadList(deps, s, s.rootTs, list, { quiet: true });
        }
        return 'synced';
      }
      // One edit per job: changes committed since have a job of their own in the next 2-second
      // window (see enqueueSync), so edits stay coalesced within Slack's edit budget.
      if (edited) return 'synced';
      const rendered = renderStorm(list, renderContext(deps), { id: stormId, channel: s.channel });
      const msg = { ...reportMessage(rendered), unnamed: rendered.unnamed };
      if (!s.rootTs) {
        const { ts, adopted } = await postOnce(
          deps,
          { table: 'incident_storms', id: stormId, claimedAt: s.rootClaimedAt },
          { channel: s.channel, marker: { storm: stormId, part: 'storm' }, render: () => msg },
        );
        await recordStormPosted(deps.pool, stormId, ts);
        // An adopted message shows what an earlier attempt rendered: bring it up to date.
        if (adopted) await update(deps, s.channel, ts, msg);
      } else await update(deps, s.channel, s.rootTs, msg);
      edited = true;
      const rootTs = s.rootTs ?? (await stormRootTs(deps.pool, stormId));
      if (msg.unnamed > 0 && rootTs) await uploadList(deps, s, rootTs, list);
      await markStormSynced(deps.pool, stormId, version, stormed);
    }
    return 'synced';
  } finally {
    await releaseLease(deps.pool, 'incident_storms', stormId);
  }
}
