// Daemon logs (docs/worktrain.md §11): pino JSON lines on stderr (stdout carries only the startup line), every
// line passed through the redactor before it is written.
import { type DestinationStream, type Logger, pino } from 'pino';
import type { Redactor } from './redact.js';

export type { Logger };

export function createDaemonLogger(options: {
  readonly level: string;
  readonly redact: Redactor;
  readonly destination?: DestinationStream;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { component: 'daemon' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: ['req.headers.authorization', 'headers.authorization', '*.apiKey', 'apiKey'],
        censor: '[REDACTED]',
      },
      hooks: { streamWrite: (line) => options.redact(line) },
    },
    options.destination ?? pino.destination(2),
  );
}
