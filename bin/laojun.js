#!/usr/bin/env node
// The `laojun` CLI: runs the bot's commands from a terminal and prints text (errors on stderr).
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli.ts');
process.exitCode = await runCli(process.argv.slice(2), process.env, process.stdout, process.stderr);
