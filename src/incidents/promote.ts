import type { Deps } from '../deps.ts';
import { UserError } from '../errors.ts';
import { messageLink } from '../slack/permalink.ts';
import { enqueueSyncs } from './enqueue.ts';
import { addEvent, bumpVersion, inTransaction, leaveStorm, loadIncident } from './store.ts';

/**
 * Opens a thread for a group listed in a storm message. In one transaction (the incident's row
 * locked, so two clicks or two replicas promote once) the incident leaves the storm: storm_id moves
 * to promoted_from_storm_id, the timeline records who did it and the checklist is queued as the
 * thread's first reply. From then on the sync worker treats it like any incident: it posts the root
 * once (claimed, marker-tagged), the checklist, and fires incident-opened (evidence); the storm
 * message is edited so the group's row links to the thread.
 */
export async function promoteFromStorm(
  deps: Deps,
  stormId: number,
  incidentId: number,
  userId: string,
): Promise<string> {
  const now = deps.now();
  const outcome = await inTransaction(deps.pool, async (db) => {
    const inc = await loadIncident(db, incidentId, true);
    // Only a group of this storm message (listed there, stormed or promoted) can be chosen.
    if (!inc || (inc.stormId ?? inc.promotedFromStormId) !== stormId) {
      throw new UserError(deps.t('incidents.errors.notFound'));
    }
    const from = inc.stormId;
    if (from === null) return { already: true as const, inc };
    if (inc.status === 'resolved') {
      throw new UserError(deps.t('incidents.errors.promoteResolved', { alertname: inc.alertname }));
    }
    await leaveStorm(db, incidentId);
    await addEvent(db, incidentId, 'promoted', { stormId: from }, { at: now, actor: userId, post: false });
    await addEvent(db, incidentId, 'checklist', {}, { at: now, post: true });
    return { already: false as const, inc, from, version: await bumpVersion(db, incidentId, now) };
  });
  const { inc } = outcome;
  if (outcome.already) {
    return inc.rootTs
      ? deps.t('incidents.ephemeral.alreadyPromoted', {
          alertname: inc.alertname,
          link: messageLink(inc.channel, inc.rootTs),
        })
      : deps.t('incidents.ephemeral.alreadyPromoting', { alertname: inc.alertname });
  }
  const { version, from } = outcome;
  // Redis down: the state is stored; the sweep posts the thread and edits the storm message.
  await enqueueSyncs(deps, [{ incidentId, version }, { stormId: from }]);
  return deps.t('incidents.ephemeral.promoted', { alertname: inc.alertname });
}
