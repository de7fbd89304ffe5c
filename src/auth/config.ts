import { z } from 'zod';

const userId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'expected Slack user IDs like U012ABC (IDs, never names)');
const channelId = z
  .string()
  .regex(/^[CGD][A-Z0-9]{2,}$/, 'expected Slack channel IDs like C012ABC (IDs, never names)');
const member = z
  .string()
  .regex(/^[UWS][A-Z0-9]{2,}$/, 'expected Slack user IDs (U…) or user-group IDs (S…), never names');
const permission = z
  .string()
  .regex(/^(\*|[a-z]+(:[a-z*-]+)?)$/, 'expected a permission like status, backup:run, incident:* or *');

export const roleSchema = z.object({
  /** Users (U…/W…) and user groups (S…, resolved through usergroups.users.list). */
  members: z.array(member).default([]),
  /** Everyone who runs a command in one of these channels has this role there. */
  channels: z.array(channelId).default([]),
  permissions: z.array(permission).min(1),
});
export type Role = z.infer<typeof roleSchema>;

/** `permissions` in CONFIG_FILE. */
export const permissionsSchema = z
  .object({
    /** Users with every permission (shorthand for a role with `*`). */
    admins: z.array(userId).default([]),
    /** Ops channels: when set, commands are accepted only there (and in DMs), and members there get read-only permissions. */
    channels: z.array(channelId).default([]),
    /** A user group whose members get every permission (the ops-admin group). */
    adminGroup: member.optional(),
    roles: z
      .record(z.string().regex(/^[a-z][a-z0-9_-]{0,40}$/, 'expected a role name'), roleSchema)
      .default({}),
    /** Who grants permissions, shown in refusals (e.g. "#ops-admins or <@U012ABC>"). */
    grantedBy: z.string().max(200).optional(),
    /** The manual's suspicious_api_calls: 100 calls a minute → rate limited. */
    rateLimit: z
      .object({
        points: z.number().int().min(1).max(10_000).default(100),
        durationSeconds: z.number().int().min(1).max(3_600).default(60),
      })
      .default({ points: 100, durationSeconds: 60 }),
  })
  .default({ admins: [], channels: [], roles: {}, rateLimit: { points: 100, durationSeconds: 60 } });

export type PermissionsConfig = z.infer<typeof permissionsSchema>;

/** What members of the ops channels (or everyone, when none are configured) may do. */
export const READ_ONLY_PERMISSIONS = [
  'help',
  'status',
  'logs',
  'slowquery',
  'backup:list',
  'digest',
  'incident:ack',
  'incident:resolve',
  'incident:checklist',
  'incident:commander',
  'incident:status',
  'incident:logs',
  'incident:promote',
  'incident:report',
  'incident:stats',
  'incident:postmortem',
  'incident:followup',
  'incident:declare',
  'incident:severity',
  'incident:comms',
  'incident:update',
  'followups',
  'oncall',
];
