import type { Deps } from '../deps.ts';
import type { OncallConfig } from './config.ts';
import { loadOverrides } from './overrides.ts';
import { onCallAt } from './schedule.ts';

/**
 * Keeps each schedule's `userGroup` (e.g. @laojun-oncall) equal to whoever is on call, through
 * usergroups.users.update, only when the members change (the last written list is stored). A
 * group shared by several schedules holds all their on-call people. Slack refuses an empty
 * group, so a moment with nobody on call leaves the group as it was.
 */
export async function syncUserGroups(deps: Deps, config: OncallConfig, now: Date): Promise<number> {
  const update = deps.slack.updateUserGroup?.bind(deps.slack);
  const withGroups = config.schedules.filter((s) => s.userGroup);
  if (!update || withGroups.length === 0) return 0;
  const overrides = await loadOverrides(deps.pool, now);
  const want = new Map<string, Set<string>>();
  for (const s of withGroups) {
    const group = s.userGroup as string;
    const set = want.get(group) ?? new Set<string>();
    const who = onCallAt(s, overrides, now)?.user;
    if (who) set.add(who);
    want.set(group, set);
  }
  let changed = 0;
  for (const [group, set] of want) {
    const users = [...set].sort();
    if (users.length === 0) continue;
    const r = await deps.pool.query('SELECT users FROM oncall_usergroups WHERE group_id = $1', [group]);
    const had = (r.rows[0]?.users as string[] | undefined) ?? [];
    if (had.join(',') === users.join(',')) continue;
    try {
      await update(group, users);
    } catch (err) {
      deps.logger.warn({ group, err }, 'on-call user group not updated; retrying next minute');
      continue;
    }
    await deps.pool.query(
      `INSERT INTO oncall_usergroups (group_id, users, synced_at) VALUES ($1, $2, $3)
       ON CONFLICT (group_id) DO UPDATE SET users = EXCLUDED.users, synced_at = EXCLUDED.synced_at`,
      [group, users, now],
    );
    deps.logger.info({ group, users }, 'on-call user group updated');
    changed += 1;
  }
  return changed;
}
