import type { AnyCommand } from '../src/commands/define.ts';
import audit from './audit.ts';
import backup from './backup.ts';
import digest from './digest.ts';
import disk from './disk.ts';
import followups from './followups.ts';
import incident from './incident.ts';
import incidents from './incidents.ts';
import logs from './logs.ts';
import oncall from './oncall.ts';
import slowquery from './slowquery.ts';
import status from './status.ts';

/** Every slash command. Adding a command = one file in this folder and one line here. */
export const COMMANDS: AnyCommand[] = [
  status,
  backup,
  digest,
  audit,
  logs,
  slowquery,
  disk,
  incident,
  followups,
  incidents,
  oncall,
];
