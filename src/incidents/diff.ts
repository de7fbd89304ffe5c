import { endsAtOf, normalizeTime, type WebhookAlert, type WebhookPayload } from './payload.ts';

/** An alert as the incident knows it. */
export interface StoredAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  /** ISO, normalised. */
  startsAt: string;
  endsAt: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorURL: string;
}

export type AlertChangeKind = 'added' | 'resolved' | 'refired';

export interface AlertChange {
  kind: AlertChangeKind;
  alert: StoredAlert;
}

export interface AlertDiff {
  /** What is news (in payload order). Empty for a repeat or a stale notification. */
  changes: AlertChange[];
  /** The incident's alerts after this notification. */
  next: StoredAlert[];
  /** Whether any stored field changed at all (annotations included), i.e. whether to write alerts. */
  touched: boolean;
}

export function toStored(a: WebhookAlert, status: 'firing' | 'resolved' = a.status): StoredAlert {
  const ends = endsAtOf(a);
  return {
    fingerprint: a.fingerprint,
    status,
    startsAt: normalizeTime(a.startsAt),
    endsAt: status === 'resolved' ? (ends?.toISOString() ?? null) : null,
    labels: a.labels,
    annotations: a.annotations,
    generatorURL: a.generatorURL,
  };
}

function sameContent(a: StoredAlert, b: StoredAlert): boolean {
  return (
    a.status === b.status &&
    a.startsAt === b.startsAt &&
    a.endsAt === b.endsAt &&
    a.generatorURL === b.generatorURL &&
    JSON.stringify(a.labels) === JSON.stringify(b.labels) &&
    JSON.stringify(a.annotations) === JSON.stringify(b.annotations)
  );
}

/**
 * Compares a notification with what the incident knows. `alerts[]` is the group's current state,
 * not a list of changes, so news is worked out per fingerprint:
 * - unknown and firing → added; known resolved, firing with a later startsAt → re-fired;
 * - known firing, now resolved (same or later episode) → resolved;
 * - a firing payload entry with the startsAt of an episode already resolved is a late, stale
 *   notification (retries arrive out of order) and changes nothing;
 * - when the whole group is resolved and nothing was truncated, known alerts still firing but no
 *   longer reported are resolved too.
 */
export function diffAlerts(stored: readonly StoredAlert[], payload: WebhookPayload, now: Date): AlertDiff {
  const byFp = new Map(stored.map((s) => [s.fingerprint, s]));
  const changes: AlertChange[] = [];
  let touched = false;
  const seen = new Set<string>();

  for (const a of payload.alerts) {
    if (seen.has(a.fingerprint)) continue;
    seen.add(a.fingerprint);
    const incoming = toStored(a);
    const s = byFp.get(a.fingerprint);
    if (!s) {
      byFp.set(a.fingerprint, incoming);
      touched = true;
      if (incoming.status === 'firing') changes.push({ kind: 'added', alert: incoming });
      continue;
    }
    const newer = incoming.startsAt > s.startsAt;
    const sameEpisode = incoming.startsAt === s.startsAt;
    let next: StoredAlert = s;
    if (incoming.status === 'firing') {
      if (newer) {
        next = incoming;
        changes.push({ kind: 'refired', alert: incoming });
      } else if (sameEpisode && s.status === 'firing') {
        next = incoming; // annotations may have been re-rendered
      }
    } else if (newer || sameEpisode) {
      next = { ...incoming, endsAt: incoming.endsAt ?? now.toISOString() };
      if (s.status === 'firing') changes.push({ kind: 'resolved', alert: next });
    }
    if (next !== s && !sameContent(next, s)) {
      byFp.set(a.fingerprint, next);
      touched = true;
    }
  }

  if (payload.status === 'resolved' && payload.truncatedAlerts === 0) {
    for (const s of byFp.values()) {
      if (s.status === 'firing' && !seen.has(s.fingerprint)) {
        const next: StoredAlert = { ...s, status: 'resolved', endsAt: now.toISOString() };
        byFp.set(s.fingerprint, next);
        changes.push({ kind: 'resolved', alert: next });
        touched = true;
      }
    }
  }
  return { changes, next: [...byFp.values()], touched };
}

export function anyFiring(alerts: readonly StoredAlert[]): boolean {
  return alerts.some((a) => a.status === 'firing');
}

/** Groups changes by kind, keeping order: one thread reply per kind per notification. */
export function groupChanges(changes: readonly AlertChange[]): Map<AlertChangeKind, StoredAlert[]> {
  const out = new Map<AlertChangeKind, StoredAlert[]>();
  for (const c of changes) {
    const list = out.get(c.kind) ?? [];
    list.push(c.alert);
    out.set(c.kind, list);
  }
  return out;
}

/** What the incident for a group should do with a notification. */
export type IntakeDecision =
  | { kind: 'open' }
  | { kind: 'update' }
  | { kind: 'reopen' }
  | { kind: 'ignore'; reason: string };

/**
 * - no incident yet: open one when something fires, else ignore (a group that is only resolved);
 * - open incident: update;
 * - resolved incident and something new fires: reopen it (flapping) within the window, else open
 *   a new incident; without new firing alerts the resolved incident just records the alerts.
 */
export function decide(
  current: { status: 'firing' | 'resolved'; resolvedAt: Date | null } | undefined,
  diff: AlertDiff,
  now: Date,
  flapWindowMs: number,
): IntakeDecision {
  const firesNew = diff.changes.some((c) => c.kind === 'added' || c.kind === 'refired');
  if (!current) return anyFiring(diff.next) ? { kind: 'open' } : { kind: 'ignore', reason: 'resolved only' };
  if (current.status === 'firing') return { kind: 'update' };
  if (!firesNew) return { kind: 'update' };
  const resolvedAt = current.resolvedAt?.getTime() ?? 0;
  return now.getTime() - resolvedAt <= flapWindowMs ? { kind: 'reopen' } : { kind: 'open' };
}
