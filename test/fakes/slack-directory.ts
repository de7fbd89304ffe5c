/** Directory methods of the fake Slack server: auth.test, conversations.open (DMs), usergroups (list, update), users.info. */
import { createHash } from 'node:crypto';
import { str } from './http-body.ts';
import { apiError, type Handler } from './slack-result.ts';

export interface Directory {
  bot: { userId: string; botId: string; teamId: string };
  userGroups: Map<string, string[]>;
  users: Map<string, Record<string, unknown>>;
}

export function directoryHandlers({ bot, userGroups, users }: Directory): Record<string, Handler> {
  return {
    'auth.test': () => ({
      body: {
        ok: true,
        url: 'https://laojun-fake.slack.com/',
        team: 'Fake Workspace',
        user: 'laojun',
        team_id: bot.teamId,
        user_id: bot.userId,
        bot_id: bot.botId,
        is_enterprise_install: false,
      },
    }),
    'conversations.open': (b) => {
      const list = (str(b.users) ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      const channel = str(b.channel);
      if (list.length === 0 && !channel) return apiError('users_list_not_supplied');
      if (list.length > 8) return apiError('too_many_users');
      if (list.some((u) => !/^[UW][A-Z0-9]+$/.test(u))) return apiError('user_not_found');
      const id =
        channel ??
        `D${createHash('sha1').update(list.sort().join(',')).digest('hex').slice(0, 10).toUpperCase()}`;
      return { body: { ok: true, channel: { id } } };
    },
    'usergroups.users.list': (b) => {
      const group = userGroups.get(str(b.usergroup) ?? '');
      if (!group) return apiError('no_such_subteam');
      return { body: { ok: true, users: [...group] } };
    },
    // Replaces the members (comma-separated IDs); Slack refuses an empty list and unknown groups.
    'usergroups.users.update': (b) => {
      const id = str(b.usergroup) ?? '';
      if (!userGroups.has(id)) return apiError('no_such_subteam');
      const list = (str(b.users) ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean);
      if (list.length === 0) return apiError('no_users_provided');
      if (list.some((u) => !/^[UW][A-Z0-9]+$/.test(u))) return apiError('invalid_users');
      userGroups.set(id, [...new Set(list)]);
      return {
        body: { ok: true, usergroup: { id, users: [...new Set(list)], user_count: new Set(list).size } },
      };
    },
    'users.info': (b) => {
      const id = str(b.user) ?? '';
      if (!/^[UW][A-Z0-9]+$/.test(id)) return apiError('user_not_found');
      const extra = users.get(id) ?? {};
      const name = typeof extra.name === 'string' ? extra.name : id.toLowerCase();
      const realName = typeof extra.real_name === 'string' ? extra.real_name : `User ${id}`;
      const user = {
        id,
        team_id: bot.teamId,
        name,
        real_name: realName,
        deleted: false,
        is_bot: false,
        tz: 'Etc/UTC',
        profile: { real_name: realName, display_name: name },
        ...extra,
      };
      return { body: { ok: true, user } };
    },
  };
}
