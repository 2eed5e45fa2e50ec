// `worktrain logs [--session ID] [--trigger ID] [--since 1h] [--level L] [--follow] [--json]` (docs/worktrain.md §10,
// §11): the daemon's events (<dataDir>/daemon-events.jsonl) and its log (~/.workrail/logs/daemon.log) merged by time.
// Both files are read directly, so this works whether or not the daemon runs; --follow tails them (a file that
// shrank was rotated or truncated and is read again from its start) until SIGINT/SIGTERM.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../app/index.js';
import { loadEnvFile } from '../../daemon/config/env-file.js';
import { workrailHomeOf } from '../../daemon/daemon.js';
import type { CliIo } from '../io.js';
import { WT_EXIT } from './worktrain-client.js';
import { parseDuration } from './worktrain-dispatch.js';
import { daemonLogFile } from './worktrain-service.js';

interface Ctx {
  readonly io: CliIo;
  readonly setExitCode: (code: number) => void;
  readonly untilStopped: () => Promise<void>;
}

interface LogsOptions {
  session?: string;
  trigger?: string;
  since?: string;
  level?: string;
  follow?: boolean;
  json?: boolean;
}

/** One line of either file, with the time it happened (epoch ms). */
interface Entry {
  readonly ts: number;
  readonly source: 'event' | 'log';
  readonly fields: { readonly [key: string]: unknown };
  readonly text?: string;
}

const LEVELS: { readonly [name: string]: number } = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const FOLLOW_POLL_MS = 200;

export function registerLogs(program: Command, ctx: Ctx): void {
  program
    .command('logs')
    .description("the daemon's events and log, merged by time")
    .option('--session <id>', 'only this session (daemon or workrail id, or a prefix of 8+ characters)')
    .option('--trigger <id>', 'only this trigger')
    .option('--since <duration>', 'only the last <n>s|m|h|d')
    .option('--level <level>', 'lowest log level shown (trace|debug|info|warn|error|fatal)')
    .option('-f, --follow', 'keep printing new lines until interrupted')
    .option('--json', 'print JSON')
    .action(async (options: LogsOptions) => {
      if (options.level !== undefined && LEVELS[options.level] === undefined) {
        ctx.io.stderr(`--level must be one of ${Object.keys(LEVELS).join(', ')}\n`);
        ctx.setExitCode(WT_EXIT.usage);
        return;
      }
      const env = loadEnvFile(path.join(workrailHomeOf(ctx.io.env), '.env'), ctx.io.env).env;
      const dataDir = loadConfig(env, { homeDir: os.homedir(), bundledDir: '' }).dataDir;
      const sources = [
        new Tail(path.join(dataDir, 'daemon-events.jsonl'), 'event'),
        new Tail(daemonLogFile(ctx.io.env), 'log'),
      ];
      const sinceMs = options.since === undefined ? null : Date.now() - parseDuration(options.since);
      const keep = (entry: Entry) => matches(entry, options, sinceMs);
      const render = (entry: Entry) => (options.json === true ? JSON.stringify(jsonOf(entry)) : formatEntry(entry));

      const first = sources.flatMap((source) => source.read()).filter(keep);
      first.sort((a, b) => a.ts - b.ts);
      if (options.follow !== true) {
        if (options.json === true) ctx.io.stdout(`${JSON.stringify({ entries: first.map(jsonOf) })}\n`);
        else if (first.length === 0) ctx.io.stderr('No daemon events or log lines yet.\n');
        else ctx.io.stdout(`${first.map(render).join('\n')}\n`);
        return;
      }
      for (const entry of first) ctx.io.stdout(`${render(entry)}\n`);
      let stopped = false;
      const stop = ctx.untilStopped().then(() => {
        stopped = true;
      });
      while (!stopped) {
        await Promise.race([stop, new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS))]);
        const fresh = sources.flatMap((source) => source.read()).filter(keep);
        fresh.sort((a, b) => a.ts - b.ts);
        for (const entry of fresh) ctx.io.stdout(`${render(entry)}\n`);
      }
    });
}

/** Reads the lines appended to a file since the last call. */
class Tail {
  #offset = 0;
  #partial = '';
  #lastTs = 0;
  constructor(
    readonly file: string,
    readonly source: Entry['source'],
  ) {}

  read(): Entry[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size < this.#offset) {
      this.#offset = 0;
      this.#partial = '';
    }
    if (size === this.#offset) return [];
    const buffer = Buffer.alloc(size - this.#offset);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.#offset);
    } finally {
      closeSync(fd);
    }
    this.#offset = size;
    const lines = (this.#partial + buffer.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    return lines.filter((line) => line.trim() !== '').map((line) => this.#parse(line));
  }

  #parse(line: string): Entry {
    let fields: { [key: string]: unknown } | null = null;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        fields = parsed as { [key: string]: unknown };
    } catch {
      fields = null;
    }
    if (fields === null) return { ts: this.#lastTs, source: this.source, fields: {}, text: line };
    const ts =
      this.source === 'event'
        ? Number(fields.ts)
        : typeof fields.time === 'string'
          ? Date.parse(fields.time)
          : Number(fields.time);
    if (Number.isFinite(ts)) this.#lastTs = ts;
    return { ts: this.#lastTs, source: this.source, fields };
  }
}

function matches(entry: Entry, options: LogsOptions, sinceMs: number | null): boolean {
  const f = entry.fields;
  if (sinceMs !== null && entry.ts < sinceMs) return false;
  if (options.session !== undefined) {
    const ids = [f.sessionId, f.workrailSessionId].filter((v): v is string => typeof v === 'string');
    const wanted = options.session;
    if (!ids.some((id) => id === wanted || (wanted.length >= 8 && id.startsWith(wanted)))) return false;
  }
  if (options.trigger !== undefined && f.triggerId !== options.trigger) return false;
  if (options.level !== undefined && entry.source === 'log') {
    const level = typeof f.level === 'number' ? f.level : LEVELS.info;
    if ((level ?? 0) < (LEVELS[options.level] ?? 0)) return false;
  }
  return true;
}

function jsonOf(entry: Entry): { [key: string]: unknown } {
  return { source: entry.source, ts: entry.ts, ...(entry.text === undefined ? entry.fields : { text: entry.text }) };
}

const EVENT_KEYS = new Set(['seq', 'ts', 'kind', 'sessionId', 'workrailSessionId', 'triggerId']);
const LOG_KEYS = new Set(['time', 'level', 'msg', 'component', 'pid', 'hostname', 'sessionId', 'triggerId']);

/** `<ISO time>  <kind or level>  [session 1234abcd]  message key=value…`. */
function formatEntry(entry: Entry): string {
  const time = entry.ts > 0 ? new Date(entry.ts).toISOString() : '-'.repeat(24);
  if (entry.text !== undefined) return `${time}  ${entry.text}`;
  const f = entry.fields;
  const session = typeof f.sessionId === 'string' ? ` [${f.sessionId.slice(0, 8)}]` : '';
  const trigger = typeof f.triggerId === 'string' ? ` ${f.triggerId}` : '';
  if (entry.source === 'event') {
    return `${time}  ${String(f.kind)}${trigger}${session}${details(f, EVENT_KEYS)}`;
  }
  const level = levelName(f.level).toUpperCase().padEnd(5);
  const component = typeof f.component === 'string' ? ` ${f.component}:` : '';
  return `${time}  ${level}${component} ${String(f.msg ?? '')}${session}${details(f, LOG_KEYS)}`;
}

function details(fields: { readonly [key: string]: unknown }, skip: ReadonlySet<string>): string {
  const parts = Object.entries(fields)
    .filter(([key, value]) => !skip.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return `${key}=${text.length > 200 ? `${text.slice(0, 200)}…` : text}`;
    });
  return parts.length === 0 ? '' : `  ${parts.join(' ')}`;
}

function levelName(level: unknown): string {
  const found = Object.entries(LEVELS).find(([, value]) => value === level);
  return found?.[0] ?? 'info';
}
