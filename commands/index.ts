import type { AnyCommand } from '../src/commands/define.ts';
import backup from './backup.ts';
import status from './status.ts';

/** Every slash command. Adding a command = one file in this folder and one line here. */
export const COMMANDS: AnyCommand[] = [status, backup];
