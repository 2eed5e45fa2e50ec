// Hot reload of triggers.yml (docs/worktrain.md §3.1): chokidar watches the file, changes settle for 500 ms, then the
// whole file is loaded again. All or nothing: any error keeps the running configuration and is reported (log warning,
// `triggers_reload_failed {findings}`, `reloadError` of GET /api/v2/triggers); a valid file is swapped in at once.
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import type { DaemonCore } from '../core.js';
import type { Logger } from '../logger.js';
import type { Redactor } from '../redact.js';
import { type Finding, formatFinding, hasErrors } from './findings.js';
import type { TriggerConfig } from './load-triggers.js';

export const RELOAD_DEBOUNCE_MS = 500;

export interface TriggersWatcher {
  /** The error findings of the last reload when it failed; null after a good one (and before any). */
  readonly reloadError: readonly Finding[] | null;
  /** Loads the file now and applies it when valid: what a change does once it settles. */
  reload(): void;
  close(): Promise<void>;
}

export interface WatchTriggersOptions {
  readonly file: string;
  /** Loads and validates the file with the daemon's options. */
  readonly load: () => TriggerConfig;
  readonly core: Pick<DaemonCore, 'replaceConfig' | 'events'>;
  readonly redact: Redactor;
  readonly logger: Logger;
  /** Runs after a valid file was swapped in (restarting schedules and pollers). */
  readonly onReloaded?: (config: TriggerConfig) => void;
  readonly debounceMs?: number;
}

/** Starts watching; resolves once the watcher is ready, so a change made after that is seen. */
export async function watchTriggers(options: WatchTriggersOptions): Promise<TriggersWatcher> {
  const log = options.logger.child({ component: 'triggers' });
  let reloadError: readonly Finding[] | null = null;
  let timer: NodeJS.Timeout | undefined;

  const reload = () => {
    const config = options.load();
    if (hasErrors(config.findings)) {
      reloadError = config.findings.filter((f) => f.severity === 'error');
      log.warn(
        { findings: reloadError.map(formatFinding) },
        'triggers.yml reload failed; the previous triggers stay in force',
      );
      options.core.events.emit('triggers_reload_failed', { findings: reloadError });
      return;
    }
    reloadError = null;
    options.redact.add(...config.secrets, ...config.triggers.flatMap((t) => [t.hmacSecret, t.agent.apiKey]));
    options.core.replaceConfig(config);
    options.core.events.emit('triggers_loaded', { count: config.triggers.length });
    log.info({ triggers: config.triggers.length }, 'triggers.yml reloaded');
    options.onReloaded?.(config);
  };

  // The folder is watched, not the file: a file created after the start, or replaced by an editor's rename, is then
  // seen without a race against chokidar's setup.
  const file = path.resolve(options.file);
  const dir = path.dirname(file);
  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    depth: 0,
    ignored: (p: string) => path.resolve(p) !== dir && path.resolve(p) !== file,
  });
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      try {
        reload();
      } catch (error) {
        log.error({ err: error }, 'triggers.yml reload crashed');
      }
    }, options.debounceMs ?? RELOAD_DEBOUNCE_MS);
  };
  const onFile = (p: string) => {
    if (path.resolve(p) === file) schedule();
  };
  watcher.on('add', onFile).on('change', onFile).on('unlink', onFile);
  watcher.on('error', (error) => log.warn({ err: error }, 'triggers.yml watcher error'));
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    get reloadError() {
      return reloadError;
    },
    reload,
    async close() {
      clearTimeout(timer);
      await watcher.close();
    },
  };
}
