import type { Config } from '../config.ts';
import { type PermissionsConfig, READ_ONLY_PERMISSIONS, type Role } from './config.ts';

export type AuthResult =
  | { ok: true }
  | { ok: false; reason: 'permission' | 'channel'; permission: string; grantedBy: string };

export interface Authorizer {
  /** May this user use this permission in this channel? */
  check(userId: string, channelId: string | undefined, permission: string): Promise<AuthResult>;
  /** The same as a boolean (help listings). */
  may(userId: string, permission: string, channelId?: string): Promise<boolean>;
}

/** Looks up a user group's members (Slack `usergroups.users.list`). */
export type GroupMembers = (groupId: string) => Promise<string[]>;

/** `backup:run` is matched by `backup:run`, `backup:*` and `*`. */
export function permits(patterns: readonly string[], permission: string): boolean {
  const [family] = permission.split(':');
  return patterns.some((p) => p === '*' || p === permission || p === `${family}:*`);
}

/**
 * Roles map Slack IDs — users, user groups, channels — to permissions. Names change; IDs do not,
 * so nothing here matches a name. Built-in roles: `ops` (read-only and incident-response actions, for
 * everyone in the ops channels, or everyone when no ops channel is configured) and `ops-admin`
 * (everything, for `admins` and the `adminGroup`). Roles from the configuration add to them.
 */
export function createAuthorizer(
  config: Pick<Config, 'file'>,
  groupMembers: GroupMembers,
  opts: { cacheMs?: number; now?: () => number; onError?: (err: Error) => void } = {},
): Authorizer {
  const p: PermissionsConfig = config.file.permissions;
  const opsChannels = new Set(p.channels);
  const roles: Array<[string, Role]> = [
    ['ops', { members: [], channels: p.channels, permissions: READ_ONLY_PERMISSIONS }],
    [
      'ops-admin',
      { members: [...p.admins, ...(p.adminGroup ? [p.adminGroup] : [])], channels: [], permissions: ['*'] },
    ],
    ...Object.entries(p.roles),
  ];
  const cacheMs = opts.cacheMs ?? 60_000;
  const now = opts.now ?? Date.now;
  const groups = new Map<string, { at: number; members: Promise<Set<string>> }>();

  async function inGroup(groupId: string, userId: string): Promise<boolean> {
    let entry = groups.get(groupId);
    if (!entry || now() - entry.at > cacheMs) {
      const members = groupMembers(groupId)
        .then((ids) => new Set(ids))
        .catch((err: Error) => {
          opts.onError?.(err);
          groups.delete(groupId);
          return new Set<string>();
        });
      entry = { at: now(), members };
      groups.set(groupId, entry);
    }
    return (await entry.members).has(userId);
  }

  async function hasRole(role: Role, userId: string, channelId: string | undefined): Promise<boolean> {
    if (role.members.includes(userId)) return true;
    if (channelId && role.channels.includes(channelId)) return true;
    // The built-in ops role with no ops channel configured: everyone.
    if (role === roles[0]?.[1] && opsChannels.size === 0) return true;
    for (const m of role.members) if (m.startsWith('S') && (await inGroup(m, userId))) return true;
    return false;
  }

  async function may(userId: string, permission: string, channelId?: string): Promise<boolean> {
    for (const [, role] of roles) {
      if (permits(role.permissions, permission) && (await hasRole(role, userId, channelId))) return true;
    }
    return false;
  }

  function grantedBy(permission: string): string {
    if (p.grantedBy) return p.grantedBy;
    const who = roles
      .filter(([, r]) => permits(r.permissions, permission))
      .flatMap(([, r]) => r.members)
      .map((m) => (m.startsWith('S') ? `<!subteam^${m}>` : `<@${m}>`));
    return who.length ? [...new Set(who)].slice(0, 5).join(' ') : 'permissions in CONFIG_FILE';
  }

  return {
    may,
    async check(userId, channelId, permission) {
      const restricted = opsChannels.size > 0 && channelId !== undefined && !channelId.startsWith('D');
      if (restricted && !opsChannels.has(channelId) && !(await may(userId, permission))) {
        return { ok: false, reason: 'channel', permission, grantedBy: grantedBy(permission) };
      }
      if (await may(userId, permission, channelId)) return { ok: true };
      return { ok: false, reason: 'permission', permission, grantedBy: grantedBy(permission) };
    },
  };
}
