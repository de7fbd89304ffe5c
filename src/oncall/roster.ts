import { DateTime } from 'luxon';
import type { OncallConfig, ScheduleConfig } from './config.ts';
import { loadOverrides } from './overrides.ts';
import { nextShift, type Override, onCallAt, type Shift, scheduleFor } from './schedule.ts';

export interface RosterEntry {
  schedule: ScheduleConfig;
  now: Shift | undefined;
  next: { user: string | undefined; from: Date } | undefined;
}

/** Who is on call now and next for each schedule. */
export function rosterAt(config: OncallConfig, overrides: readonly Override[], at: Date): RosterEntry[] {
  return config.schedules.map((schedule) => ({
    schedule,
    now: onCallAt(schedule, overrides, at),
    next: nextShift(schedule, overrides, at),
  }));
}

export async function roster(
  db: Parameters<typeof loadOverrides>[0],
  config: OncallConfig,
  at: Date,
): Promise<RosterEntry[]> {
  return rosterAt(config, await loadOverrides(db, at), at);
}

/** `2026-12-07 09:00 CST` in the schedule's zone. */
export function localTime(at: Date, zone: string): string {
  return DateTime.fromJSDate(at, { zone }).toFormat('yyyy-MM-dd HH:mm ZZZZ');
}

/** The schedule an incident's labels fall under. */
export function scheduleOfLabels(config: OncallConfig, labels: Record<string, string>) {
  return scheduleFor(config.schedules, config.fallback, labels);
}
