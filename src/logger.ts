import { type Logger, pino } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Redactor } from './redact.ts';

export type { Logger };

export const SERVICE_NAME = 'laojun-chatops';
export const VERSION = process.env.npm_package_version ?? '0.1.0';

/**
 * Where logs go by default: JSON lines on stdout, or (stdout is a terminal) pino-pretty's readable
 * lines, written synchronously so nothing is lost at exit.
 */
export function defaultLogDestination(stdout: NodeJS.WriteStream = process.stdout): pino.DestinationStream {
  if (!stdout.isTTY) return pino.destination(1);
  return PinoPretty({
    colorize: true,
    sync: true,
    destination: 1,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,version,environment',
  });
}

/**
 * JSON logs carrying the manual's fields (`service`, `version`, `environment`). Every log line
 * passes through the redactor, so a secret that reaches a message or an error is still removed.
 */
export function createLogger(opts: {
  level: string;
  environment: string;
  redact: Redactor;
  destination?: pino.DestinationStream;
}): Logger {
  return pino(
    {
      level: opts.level,
      base: { service: SERVICE_NAME, version: VERSION, environment: opts.environment },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: {
        paths: [
          'token',
          'password',
          'secret',
          '*.token',
          '*.password',
          '*.secret',
          'headers.authorization',
          'req.headers.authorization',
          'config.secrets',
        ],
        censor: '[REDACTED]',
      },
      hooks: {
        streamWrite: (line) => opts.redact(line),
      },
    },
    opts.destination ?? defaultLogDestination(),
  );
}
