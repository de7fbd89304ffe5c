import type { JobDefinition } from '../src/queue/jobs.ts';
import backupNightly from './backup.ts';
import dailyDigest from './digest.ts';
import followupReminders from './followup-reminders.ts';
import followupTracker from './followup-tracker.ts';
import incidentOpened from './incident-opened.ts';
import oncallDeliver from './oncall-deliver.ts';
import restoreDrill from './restore-drill.ts';
import runCommand from './run-command.ts';
import sweepIncidents from './sweep-incidents.ts';
import syncIncident from './sync-incident.ts';
import syncStorm from './sync-storm.ts';

/** Every job. Adding a job = one file in this folder and one line here. */
// biome-ignore lint/suspicious/noExplicitAny: jobs of every data type live in one registry; each validates its own data.
export const JOBS: JobDefinition<any>[] = [
  runCommand,
  syncIncident,
  syncStorm,
  sweepIncidents,
  incidentOpened,
  dailyDigest,
  backupNightly,
  restoreDrill,
  followupReminders,
  followupTracker,
  oncallDeliver,
];
