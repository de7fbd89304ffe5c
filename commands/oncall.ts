import { DateTime } from 'luxon';
import { z } from 'zod';
import { defineCommand } from '../src/commands/define.ts';
import type { Deps } from '../src/deps.ts';
import { UserError } from '../src/errors.ts';
import { serviceOf } from '../src/incidents/evidence-config.ts';
import { durationMs, type OncallConfig, type ScheduleConfig } from '../src/oncall/config.ts';
import { cancelOverride, createOverride, loadOverrides } from '../src/oncall/overrides.ts';
import { localTime, rosterAt, scheduleOfLabels } from '../src/oncall/roster.ts';
import type { Report } from '../src/report/report.ts';

type OncallArgs =
  | { action: 'show'; target?: string }
  | { action: 'take'; schedule: string; durationMs: number; from?: string; user?: string }
  | { action: 'overrides' }
  | { action: 'cancel'; id: number };

/** `<@U123|name>`, `<@U123>` or `U123`. */
const MENTION = /^(?:<@([UW][A-Z0-9]{2,})(?:\|[^>]{0,80})?>|([UW][A-Z0-9]{2,}))$/;

const args = z
  .object({
    positional: z.array(z.string()).max(3, 'too many words: see `/oncall help`'),
    flags: z.object({ from: z.string().optional(), user: z.string().optional() }),
  })
  .transform((a, ctx): OncallArgs => {
    const bad = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    const [first, second, third] = a.positional;
    const sub = first?.toLowerCase();
    if (sub !== 'take' && (a.flags.from !== undefined || a.flags.user !== undefined)) {
      return bad('--from and --user only apply to `/oncall take`');
    }
    if (sub === 'take') {
      if (!second || !third)
        return bad('expected `/oncall take <schedule> <duration>`, e.g. `/oncall take platform 12h`');
      const ms = durationMs(third);
      if (ms === undefined || ms < 60_000 || ms > 31 * 86_400_000) {
        return bad(`"${third}" is not a duration from 1m to 31d, e.g. 12h`);
      }
      if (a.flags.from !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(a.flags.from)) {
        return bad('--from expects a time of day like 20:00');
      }
      let user: string | undefined;
      if (a.flags.user !== undefined) {
        const m = MENTION.exec(a.flags.user);
        if (!m) return bad('--user expects a Slack mention like @someone or a user ID like U012ABC');
        user = m[1] ?? m[2];
      }
      return { action: 'take', schedule: second, durationMs: ms, from: a.flags.from, user };
    }
    if (sub === 'overrides') {
      if (second) return bad('`/oncall overrides` takes no argument');
      return { action: 'overrides' };
    }
    if (sub === 'cancel') {
      if (!second || !/^\d{1,12}$/.test(second) || third)
        return bad('expected `/oncall cancel <override id>`');
      return { action: 'cancel', id: Number(second) };
    }
    if (second) return bad('expected `/oncall` or `/oncall <service or schedule>`');
    return { action: 'show', target: first };
  });

function configured(deps: Deps): OncallConfig {
  const c = deps.config.file.oncall;
  if (!c) throw new UserError(deps.t('oncall.notConfigured'));
  return c;
}

function findSchedule(deps: Deps, c: OncallConfig, name: string): ScheduleConfig {
  const byName = c.schedules.find((s) => s.name === name);
  if (byName) return byName;
  const service = serviceOf({ service: name, job: name }, deps.config.services);
  const covering = c.schedules.find((s) =>
    Object.entries(s.covers).some(
      ([label, values]) =>
        values.includes(name) || (label === 'service' && service !== undefined && values.includes(service)),
    ),
  );
  if (covering) return covering;
  if (service) return scheduleOfLabels(c, { service, job: name }) as ScheduleConfig;
  throw new UserError(
    deps.t('oncall.unknownSchedule', {
      name,
      list: [...c.schedules.map((s) => s.name), ...deps.config.services.map((s) => s.name)].join(', '),
    }),
  );
}

/** `service=a|b team=x`, and `*` for the fallback schedule. */
function coversText(c: OncallConfig, s: ScheduleConfig): string {
  const list = Object.entries(s.covers).map(([k, v]) => `${k}=${v.join('|')}`);
  if ((c.fallback ?? c.schedules[0]?.name) === s.name) list.push('*');
  return list.join(' ');
}

async function show(deps: Deps, target: string | undefined): Promise<Report> {
  const { t } = deps;
  const c = configured(deps);
  const now = deps.now();
  const overrides = await loadOverrides(deps.pool, now);
  const picked = target ? [findSchedule(deps, c, target)] : c.schedules;
  const entries = rosterAt({ ...c, schedules: picked }, overrides, now);
  const nobody = t('oncall.nobody');
  const rows = entries.map((e) => {
    const zone = e.schedule.timeZone;
    const who = e.now
      ? `@${e.now.user}${e.now.source === 'override' ? t('oncall.overrideMark') : ''}`
      : nobody;
    return [
      e.schedule.name,
      who,
      e.next ? localTime(e.next.from, zone) : '—',
      e.next ? (e.next.user ? `@${e.next.user}` : nobody) : '—',
      coversText(c, e.schedule),
    ];
  });
  return {
    title: target ? t('oncall.titleFor', { name: picked[0]?.name ?? target }) : t('oncall.title'),
    tone: entries.every((e) => e.now) ? 'ok' : 'warn',
    blocks: [
      { kind: 'table', table: { columns: t('oncall.columns', { returnObjects: true }) as string[], rows } },
    ],
    context: [t('oncall.context')],
    data: entries.map((e) => ({
      schedule: e.schedule.name,
      now: e.now?.user ?? null,
      source: e.now?.source ?? null,
      next: e.next?.user ?? null,
      nextFrom: e.next?.from.toISOString() ?? null,
    })),
  };
}

/** The start of an override: now, or the next time `hhmm` comes in the schedule's zone. */
function startOf(now: Date, zone: string, hhmm: string | undefined): Date {
  if (!hhmm) return now;
  const [h = 0, m = 0] = hhmm.split(':').map(Number);
  let at = DateTime.fromJSDate(now, { zone }).set({ hour: h, minute: m, second: 0, millisecond: 0 });
  if (at.toMillis() <= now.getTime()) at = at.plus({ days: 1 });
  return at.toJSDate();
}

async function take(deps: Deps, a: Extract<OncallArgs, { action: 'take' }>, by: string): Promise<Report> {
  const c = configured(deps);
  const schedule = c.schedules.find((s) => s.name === a.schedule);
  if (!schedule) {
    throw new UserError(
      deps.t('oncall.unknownSchedule', { name: a.schedule, list: c.schedules.map((s) => s.name).join(', ') }),
    );
  }
  const startsAt = startOf(deps.now(), schedule.timeZone, a.from);
  const endsAt = new Date(startsAt.getTime() + a.durationMs);
  const user = a.user ?? by;
  const o = await createOverride(deps.pool, {
    schedule: schedule.name,
    userId: user,
    startsAt,
    endsAt,
    createdBy: by,
  });
  deps.logger.info({ override: o.id, schedule: schedule.name, user, by }, 'on-call override recorded');
  return {
    title: deps.t('oncall.takenTitle'),
    tone: 'ok',
    summary: deps.t('oncall.taken', {
      id: o.id,
      user: `@${user}`,
      schedule: schedule.name,
      from: localTime(startsAt, schedule.timeZone),
      to: localTime(endsAt, schedule.timeZone),
    }),
    data: {
      id: o.id,
      schedule: schedule.name,
      user,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
    },
  };
}

async function listOverrides(deps: Deps): Promise<Report> {
  const c = configured(deps);
  const list = await loadOverrides(deps.pool, deps.now());
  const zoneOf = (name: string) => c.schedules.find((s) => s.name === name)?.timeZone ?? 'UTC';
  return {
    title: deps.t('oncall.overridesTitle'),
    tone: 'info',
    ...(list.length
      ? {
          blocks: [
            {
              kind: 'table' as const,
              table: {
                columns: deps.t('oncall.overrideColumns', { returnObjects: true }) as string[],
                rows: list.map((o) => [
                  String(o.id),
                  o.schedule,
                  `@${o.userId}`,
                  localTime(o.startsAt, zoneOf(o.schedule)),
                  localTime(o.endsAt, zoneOf(o.schedule)),
                  `@${o.createdBy}`,
                ]),
              },
            },
          ],
        }
      : { summary: deps.t('oncall.noOverrides') }),
    data: list,
  };
}

export default defineCommand({
  name: 'oncall',
  summary: {
    'zh-CN': '谁在值班（现在与下一位），登记或取消替班',
    en: 'Who is on call now and next; record or cancel overrides',
  },
  usage:
    '/oncall [service|schedule] | /oncall take <schedule> <duration> [--from HH:MM] [--user @someone] | /oncall overrides | /oncall cancel <id>',
  examples: [
    '/oncall',
    '/oncall laojun-gateway',
    '/oncall take platform 12h --from 20:00',
    '/oncall cancel 3',
  ],
  permission: 'oncall',
  permissionFor: (a) => (a.action === 'take' || a.action === 'cancel' ? 'oncall:override' : 'oncall'),
  flags: { from: 'string', user: 'string' },
  args,
  async run(a, ctx) {
    const { deps } = ctx;
    if (a.action === 'take') return take(deps, a, ctx.user.id);
    if (a.action === 'overrides') return listOverrides(deps);
    if (a.action === 'cancel') {
      configured(deps);
      if (!(await cancelOverride(deps.pool, a.id, ctx.user.id, deps.now()))) {
        throw new UserError(deps.t('oncall.noSuchOverride', { id: a.id }));
      }
      return {
        title: deps.t('oncall.cancelledTitle'),
        tone: 'ok',
        summary: deps.t('oncall.cancelled', { id: a.id }),
      };
    }
    return show(deps, a.target);
  },
});
