import { DateTime } from 'luxon';
import type { LayerConfig, ScheduleConfig } from './config.ts';

/** "I take tonight": someone covers a schedule for a while (stored in PostgreSQL). */
export interface Override {
  id: number;
  schedule: string;
  userId: string;
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
}

export interface Shift {
  user: string;
  /** Which layer (its name, or `layer N`), or `override`. */
  source: string;
  layerIndex: number;
  overrideId?: number;
}

const DAY_MS = 86_400_000;

function anchorOf(layer: LayerConfig, zone: string): DateTime {
  return DateTime.fromISO(`${layer.start}T${layer.handoff}`, { zone });
}

/**
 * The shift of a layer's rotation that contains `t`: its number k (negative before `start`) and
 * bounds. Whole-day rotations add calendar days in the zone, so a hand-off stays at its local time
 * across DST changes (the shift that spans the change is an hour shorter or longer).
 */
export function shiftAt(layer: LayerConfig, zone: string, t: Date): { k: number; start: Date; end: Date } {
  const anchor = anchorOf(layer, zone);
  const byDays = layer.rotation % DAY_MS === 0;
  const days = layer.rotation / DAY_MS;
  const at = (k: number): Date =>
    byDays ? anchor.plus({ days: k * days }).toJSDate() : new Date(anchor.toMillis() + k * layer.rotation);
  let k = Math.floor((t.getTime() - anchor.toMillis()) / layer.rotation);
  for (let i = 0; i < 4 && at(k).getTime() > t.getTime(); i += 1) k -= 1;
  for (let i = 0; i < 4 && at(k + 1).getTime() <= t.getTime(); i += 1) k += 1;
  return { k, start: at(k), end: at(k + 1) };
}

const minutesOf = (hhmm: string): number => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/** Whether a layer's restriction (hours and weekdays in the zone) lets it cover `t`. */
export function layerCovers(layer: LayerConfig, zone: string, t: Date): boolean {
  const r = layer.restrict;
  if (!r) return true;
  const local = DateTime.fromJSDate(t, { zone });
  const m = local.hour * 60 + local.minute;
  const from = minutesOf(r.from);
  const to = minutesOf(r.to);
  const today = r.weekdays.includes(local.weekday);
  if (from < to) return today && m >= from && m < to;
  // Overnight (e.g. 18:00–09:00): the evening belongs to today, the early morning to yesterday.
  const yesterday = r.weekdays.includes(local.weekday === 1 ? 7 : local.weekday - 1);
  return (today && m >= from) || (yesterday && m < to);
}

const layerName = (layer: LayerConfig, i: number) => layer.name ?? `layer ${i + 1}`;

function userOf(layer: LayerConfig, k: number): string {
  const n = layer.users.length;
  return layer.users[((k % n) + n) % n] as string;
}

/** Who is on call at `t`: the newest override covering it, else the highest layer covering it. */
export function onCallAt(s: ScheduleConfig, overrides: readonly Override[], t: Date): Shift | undefined {
  const ms = t.getTime();
  const active = overrides
    .filter((o) => o.schedule === s.name && o.startsAt.getTime() <= ms && o.endsAt.getTime() > ms)
    .sort((a, b) => b.id - a.id)[0];
  if (active) return { user: active.userId, source: 'override', layerIndex: -1, overrideId: active.id };
  for (let i = s.layers.length - 1; i >= 0; i -= 1) {
    const layer = s.layers[i] as LayerConfig;
    if (!layerCovers(layer, s.timeZone, t)) continue;
    return {
      user: userOf(layer, shiftAt(layer, s.timeZone, t).k),
      source: layerName(layer, i),
      layerIndex: i,
    };
  }
  return undefined;
}

/**
 * The secondary at `t`: the next participant of the primary's rotation, else whoever a lower
 * layer has on call, when that is someone else.
 */
export function secondaryAt(s: ScheduleConfig, overrides: readonly Override[], t: Date): string | undefined {
  const primary = onCallAt(s, overrides, t);
  if (!primary) return undefined;
  const top = primary.layerIndex >= 0 ? primary.layerIndex : s.layers.length - 1;
  for (let i = top; i >= 0; i -= 1) {
    const layer = s.layers[i] as LayerConfig;
    if (!layerCovers(layer, s.timeZone, t)) continue;
    const k = shiftAt(layer, s.timeZone, t).k;
    const here = userOf(layer, k);
    if (here !== primary.user) return here;
    const next = userOf(layer, k + 1);
    if (next !== primary.user) return next;
  }
  return undefined;
}

/** Moments after `t` when a shift may change: hand-offs, restriction edges, override edges. */
function candidates(
  s: ScheduleConfig,
  overrides: readonly Override[],
  t: Date,
  horizonDays: number,
): number[] {
  const out = new Set<number>();
  const ms = t.getTime();
  const end = ms + horizonDays * DAY_MS;
  for (const layer of s.layers) {
    let shift = shiftAt(layer, s.timeZone, t);
    for (let i = 0; i < 64 && shift.end.getTime() <= end; i += 1) {
      out.add(shift.end.getTime());
      shift = shiftAt(layer, s.timeZone, shift.end);
    }
    if (layer.restrict) {
      const day0 = DateTime.fromJSDate(t, { zone: s.timeZone }).startOf('day');
      for (let d = 0; d <= horizonDays; d += 1) {
        for (const edge of [layer.restrict.from, layer.restrict.to]) {
          const [h = 0, m = 0] = edge.split(':').map(Number);
          out.add(day0.plus({ days: d }).set({ hour: h, minute: m }).toMillis());
        }
      }
    }
  }
  for (const o of overrides) {
    if (o.schedule !== s.name) continue;
    out.add(o.startsAt.getTime());
    out.add(o.endsAt.getTime());
  }
  return [...out].filter((v) => v > ms && v <= end).sort((a, b) => a - b);
}

/** The next change of who is on call after `t` (within `horizonDays`). */
export function nextShift(
  s: ScheduleConfig,
  overrides: readonly Override[],
  t: Date,
  horizonDays = 35,
): { user: string | undefined; from: Date } | undefined {
  const now = onCallAt(s, overrides, t)?.user;
  for (const c of candidates(s, overrides, t, horizonDays)) {
    const at = new Date(c);
    const who = onCallAt(s, overrides, at)?.user;
    if (who !== now) return { user: who, from: at };
  }
  return undefined;
}

/** The schedule covering an alert's labels (`service` is the configured service), else the fallback. */
export function scheduleFor(
  schedules: readonly ScheduleConfig[],
  fallback: string | undefined,
  labels: Record<string, string>,
): ScheduleConfig | undefined {
  const hit = schedules.find((s) =>
    Object.entries(s.covers).some(([label, values]) => {
      const v = labels[label];
      return v !== undefined && values.includes(v);
    }),
  );
  return hit ?? schedules.find((s) => s.name === fallback) ?? schedules[0];
}
