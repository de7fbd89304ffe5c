import type { zhCN } from './zh-CN.ts';

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

export const en: Shape<typeof zhCN> = {
  common: {
    unknown: 'unknown',
    ok: 'OK',
    down: 'down',
    failedRef: 'Failed (ref {{ref}}). Please pass the reference to whoever runs the bot.',
    working: '⏳ Running `{{command}}`; the answer follows when it is done.',
    queueDown:
      '⚠️ The job queue is unavailable (Redis is not answering), so `{{command}}` did not run. Try again shortly; if it persists, check Redis (ref {{ref}}).',
    fullOutputAttached: 'The output is long: the full text is in the attached file {{file}}.',
    fullOutputSentToYou: 'The output is long: the full text is in {{file}}, sent to you in a direct message.',
    truncated: '(truncated)',
    labelled: '{{label}}: {{value}}',
    parenthesised: ' ({{text}})',
  },
  commands: {
    unknownCommand: 'Unknown command `{{command}}`. Available: {{list}}',
    badArgs: 'Bad arguments: {{reason}}',
    usage: 'Usage: {{usage}}',
    examples: 'Examples',
    helpTitle: '/{{command}} help',
    helpAll: 'Available commands',
    permission: 'Permission needed',
    denied:
      'You do not have the `{{permission}}` permission needed for `{{command}}`. Ask {{grantedBy}} to grant it.',
    rateLimited: 'Too many requests (the per-minute limit is reached). Try again in {{seconds}} s.',
    youMayRun: 'Commands you may run',
    mention: {
      notIncidentThread:
        'Mention me with a command inside an incident thread, e.g. `@laojun status laojun-admin-api`; elsewhere use the slash commands, e.g. `/status`.',
      usage:
        'Write a command after the mention, e.g. `@laojun status laojun-admin-api` or `@laojun /logs laojun-gateway`.',
      failed: 'This command could not be handled (ref {{ref}}). Try again later or use the slash command.',
    },
    channelDenied:
      'Bot commands are not allowed in this channel. Use them in an ops channel, or ask {{grantedBy}} to grant you the `{{permission}}` permission.',
    buttonChannelDenied:
      'This button needs the `{{permission}}` permission, which you do not have in this channel. Ask {{grantedBy}} to grant it to you, or to add this channel to `permissions.channels`.',
    tablesMissing:
      "The bot's tables are not in schema {{schema}} of this database: the bot has not run on it yet. Point DATABASE_URL (and DATABASE_SCHEMA if set) at the bot's database.",
    consoleReady: 'Console mode: type a slash command such as /status; /help lists every command.',
    consoleHint: 'Type a slash command such as `/status`; `/<command> help` shows how to use one.',
    consoleSlash: 'Commands start with /: type `{{command}}`.',
    columnCommand: 'Command',
    columnWhat: 'What it does',
    cliUsage:
      'Usage: npx laojun <command> [arguments] [--json] [--verbose]; npx laojun help <command> shows how to use one.',
    cliOptions:
      "--json prints the report's data as JSON (numbers and units as separate fields); --verbose tells on stderr which database is used.",
    cliExitCodes:
      "Exit codes: 0 done; 1 refused (a reason is printed); 2 the report is an error (e.g. a service down); 64 bad arguments; 69 the bot's tables are missing; 70 failed (a reference is printed); 78 configuration error.",
    notAudited: 'Note: this command was not recorded in the audit log ({{reason}}).',
  },
  args: {
    unknownFlag: 'unknown option --{{flag}}',
    missingValue: 'option --{{flag}} needs a value',
    unclosedQuote: 'unclosed quote',
    unexpected: 'unexpected argument: {{value}}',
  },
  status: {
    title: 'Laojun platform status',
    titleService: '{{service}} status',
    summary: '{{up}} up, {{down}} down, {{unknown}} unknown',
    services: 'Service',
    state: 'State',
    detail: 'Detail',
    up: '🟢 up',
    downState: '🔴 down',
    unknownState: '⚪ unknown',
    prometheusNotConfigured: 'PROMETHEUS_URL is not set',
    noTargets: 'Prometheus has no target with job={{job}}',
    probe: '{{name}}: {{detail}}',
    checkedAt: 'Checked at {{time}}',
    unknownService: 'Unknown service `{{service}}`. Configured services: {{list}}',
  },
};
