/**
 * The incident store: the one module that reads and writes the incident tables (incidents,
 * incident_alerts, incident_events, incident_storms, incident_silences, alert_groups,
 * alert_notifications). Every operation has a name; the SQL lives in `store/`, split by concern:
 *
 * - `store/rows.ts`: row types, the transaction helper
 * - `store/incidents.ts`: open, declare, load, alerts, version, look-ups
 * - `store/changes.ts`: acknowledge, resolve, commander, severity, comms lead, status update, checklist, promote
 * - `store/events.ts`: the timeline and which of it the thread shows
 * - `store/notifications.ts`: intake's notification and group bookkeeping
 * - `store/storms.ts`: storm messages
 * - `store/sync-state.ts`: the one lease helper, post claims, what Slack shows, what the sweep re-drives
 * - `store/silences.ts`, `store/oncall.ts` (the on-call engine's statements on incident rows)
 * - `store/reports.ts`: read-only queries for statistics, export, history and the digest
 */
export * from './store/changes.ts';
export * from './store/events.ts';
export * from './store/incidents.ts';
export * from './store/notifications.ts';
export * from './store/oncall.ts';
export * from './store/reports.ts';
export * from './store/rows.ts';
export * from './store/silences.ts';
export * from './store/storms.ts';
export * from './store/sync-state.ts';
