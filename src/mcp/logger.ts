// The server's logger: pino writing JSON lines to stderr (stdout belongs to the MCP stdio transport).
import { type Logger, pino } from 'pino';

export type { Logger } from 'pino';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** A pino logger on fd 2; `WORKRAIL_LOG_LEVEL` picks the level (default `info`; unknown values fall back to it). */
export function createLogger(env: { readonly WORKRAIL_LOG_LEVEL?: string | undefined } = process.env): Logger {
  const wanted = (env.WORKRAIL_LOG_LEVEL ?? '').trim().toLowerCase();
  const level = LEVELS.includes(wanted) ? wanted : 'info';
  return pino({ name: 'workrail', level }, pino.destination({ dest: 2, sync: true }));
}
