import type { Config } from '../config.ts';

export type AuthResult = { ok: true } | { ok: false; reason: 'permission' | 'channel'; permission: string };

export interface Authorizer {
  check(userId: string, channelId: string | undefined, permission: string): Promise<AuthResult>;
  /** Whether a user may run a permission anywhere (for help listings). */
  may(userId: string, permission: string): Promise<boolean>;
}

/**
 * Until roles land (the trust issue): read-only permissions are open to everyone in the allowed
 * channels; privileged ones (running backups, silences, the audit log) need the user's ID in
 * `permissions.admins`. Always Slack IDs, never names.
 */
export const PRIVILEGED = new Set(['backup:run', 'incident:silence', 'audit']);

export function createConfigAuthorizer(config: Pick<Config, 'file'>): Authorizer {
  const admins = new Set(config.file.permissions.admins);
  const channels = new Set(config.file.permissions.channels);
  const may = async (userId: string, permission: string) => !PRIVILEGED.has(permission) || admins.has(userId);
  return {
    may,
    async check(userId, channelId, permission) {
      if (channels.size > 0 && channelId && !channelId.startsWith('D') && !channels.has(channelId)) {
        return { ok: false, reason: 'channel', permission };
      }
      return (await may(userId, permission)) ? { ok: true } : { ok: false, reason: 'permission', permission };
    },
  };
}
