// Notices and callbacks (docs/worktrain.md §8.6): turns daemon events into outbox notices for `worktrain inbox`, and
// after each session POSTs to `WORKTRAIN_NOTIFY_WEBHOOK`, to the trigger's `callbackUrl` and (when enabled) shows a
// desktop notice. It only listens to the event log: nothing here can fail, block or change a session.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Finding, formatFinding } from './config/findings.js';
import type { DaemonCore } from './core.js';
import type { DaemonEvent } from './events.js';
import type { Logger } from './logger.js';
import { type Redactor, redactValue } from './redact.js';
import type { DaemonSession } from './sessions.js';
import type { NewNotice, Outbox } from './state/notices.js';

export const NOTIFY_TIMEOUT_MS = 10_000;

export interface NotifySettings {
  /** `WORKTRAIN_NOTIFY_WEBHOOK`: receives `{event: "session_completed", …}` after every session. */
  readonly webhookUrl: string | null;
  /** `WORKTRAIN_NOTIFY_DESKTOP`: every notice is also shown with `notify-send` (Linux) or `osascript` (macOS). */
  readonly desktop: boolean;
}

export interface Notifier {
  /** Waits for the webhook, callback and desktop notices started so far. */
  settled(): Promise<void>;
  /** Stops listening and waits for what is in flight (each at most 10 s). */
  stop(): Promise<void>;
}

export function createNotifier(deps: {
  readonly core: DaemonCore;
  readonly outbox: Outbox;
  readonly redact: Redactor;
  readonly logger: Logger;
  readonly settings: NotifySettings;
}): Notifier {
  const { core, outbox, redact, settings } = deps;
  const log = deps.logger.child({ component: 'notifier' });
  const callbackUrls = new Map<string, string>();
  const inFlight = new Set<Promise<void>>();

  const track = (what: string, work: () => Promise<void>) => {
    const p = work()
      .catch((error: unknown) => log.warn({ err: errorText(error) }, `${what} failed`))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  const notify = (notice: NewNotice) => {
    const stored = outbox.addNotice(notice);
    if (settings.desktop) track('desktop notice', () => showDesktopNotice(stored.text));
  };

  const sessionOf = (id: unknown): DaemonSession | null => {
    if (typeof id !== 'string') return null;
    const found = core.sessions.find(id);
    return found.kind === 'found' ? found.session : null;
  };

  /** The trigger's `callbackUrl` as it was when the session started (the sidecar is gone after delivery). */
  const rememberCallback = (sessionId: string) => {
    const url = core.sidecarOf(sessionId)?.dispatch.trigger?.callbackUrl;
    if (url !== undefined) callbackUrls.set(sessionId, url);
  };

  const afterSession = (session: DaemonSession, ts: number) => {
    const snapshot = redactValue(redact, { ...session, live: null });
    if (settings.webhookUrl !== null) {
      const url = settings.webhookUrl;
      const body = {
        event: 'session_completed',
        sessionId: snapshot.sessionId,
        triggerId: snapshot.triggerId,
        workflowId: snapshot.workflowId,
        outcome: snapshot.outcome,
        detail: snapshot.detail,
        goal: snapshot.goal,
        prUrl: snapshot.delivery.prUrl,
        timestamp: new Date(ts).toISOString(),
      };
      track('notify webhook', async () => {
        const status = await postJson(url, body);
        log.info({ sessionId: session.sessionId, status }, 'notify webhook answered');
      });
    }
    rememberCallback(session.sessionId);
    const callbackUrl =
      callbackUrls.get(session.sessionId) ?? core.config.triggers.find((t) => t.id === session.triggerId)?.callbackUrl;
    if (session.state !== 'delivery_failed') callbackUrls.delete(session.sessionId);
    if (callbackUrl === undefined) return;
    track('trigger callback', async () => {
      const status = await postJson(callbackUrl, snapshot);
      core.events.emit('callback_delivered', {
        sessionId: session.sessionId,
        triggerId: session.triggerId,
        status,
      });
    });
  };

  const onSessionCompleted = (event: DaemonEvent) => {
    const session = sessionOf(event.sessionId);
    if (session === null) return;
    const outcome = String(event.outcome);
    if (outcome !== 'success') {
      const kept = session.worktreePath === null ? '' : ` Worktree kept at ${session.worktreePath}.`;
      const detail = event.detail === null || event.detail === undefined ? '' : `: ${String(event.detail)}`;
      notify({
        ts: event.ts,
        kind: 'session_completed',
        sessionId: session.sessionId,
        triggerId: session.triggerId,
        text: `Session ${session.sessionId} (${session.triggerId}, ${session.workflowId}) ended ${outcome}${detail}.${kept}`,
        data: { outcome, detail: event.detail ?? null, workflowId: session.workflowId, goal: session.goal },
      });
    } else if (session.state !== 'delivery_failed' && session.delivery.status === 'none') {
      notify({
        ts: event.ts,
        kind: 'session_completed',
        sessionId: session.sessionId,
        triggerId: session.triggerId,
        text: `Session ${session.sessionId} (${session.triggerId}, ${session.workflowId}) succeeded: ${session.goal}`,
        data: { outcome, detail: null, workflowId: session.workflowId, goal: session.goal, prUrl: null },
      });
    }
    afterSession(session, event.ts);
  };

  const onDeliveryCompleted = (event: DaemonEvent) => {
    const session = sessionOf(event.sessionId);
    if (session === null) return;
    const prUrl = typeof event.prUrl === 'string' ? event.prUrl : null;
    const result = prUrl === null ? `delivered without a PR (${session.delivery.status})` : `PR ${prUrl}`;
    notify({
      ts: event.ts,
      kind: 'session_completed',
      sessionId: session.sessionId,
      triggerId: session.triggerId,
      text: `Session ${session.sessionId} (${session.triggerId}, ${session.workflowId}) succeeded: ${result}`,
      data: { outcome: 'success', detail: null, workflowId: session.workflowId, goal: session.goal, prUrl },
    });
    // A retried delivery (`sessions deliver`) ends a session that already had its session_completed.
    if (session.endedAt !== null) afterSession(session, event.ts);
  };

  const onDeliveryFailed = (event: DaemonEvent) => {
    const session = sessionOf(event.sessionId);
    const id = session?.sessionId ?? String(event.sessionId);
    const worktree = session?.worktreePath ?? null;
    notify({
      ts: event.ts,
      kind: 'delivery_failed',
      sessionId: id,
      triggerId: session?.triggerId ?? event.triggerId ?? null,
      text:
        `Delivery of session ${id} failed at ${String(event.stage)}: ${String(event.error)}.` +
        `${worktree === null ? '' : ` Worktree kept at ${worktree}.`} Retry with: worktrain sessions deliver ${id}`,
      data: { stage: event.stage, error: event.error, worktreePath: worktree, branch: session?.branch ?? null },
    });
  };

  const onItemEscalated = (event: DaemonEvent) => {
    const triggerId = String(event.triggerId);
    const itemKey = String(event.itemKey);
    notify({
      ts: event.ts,
      kind: 'item_escalated',
      sessionId: typeof event.sessionId === 'string' ? event.sessionId : null,
      triggerId,
      text:
        `Item ${itemKey} of trigger ${triggerId} needs a human after ${String(event.attempts)} attempt(s). ` +
        `Retry with: worktrain trigger retry ${triggerId} ${itemKey}`,
      data: { itemKey, attempts: event.attempts },
    });
  };

  const onReloadFailed = (event: DaemonEvent) => {
    const findings = Array.isArray(event.findings) ? (event.findings as Finding[]) : [];
    notify({
      ts: event.ts,
      kind: 'triggers_reload_failed',
      text: [
        'triggers.yml was not reloaded; the previous triggers stay in force:',
        ...findings.map((f) => `  ${formatFinding(f)}`),
      ].join('\n'),
      data: { findings },
    });
  };

  const handlers: { readonly [kind: string]: (event: DaemonEvent) => void } = {
    session_started: (event) => {
      if (typeof event.sessionId === 'string') rememberCallback(event.sessionId);
    },
    session_completed: onSessionCompleted,
    delivery_completed: onDeliveryCompleted,
    delivery_failed: onDeliveryFailed,
    item_escalated: onItemEscalated,
    triggers_reload_failed: onReloadFailed,
  };

  const unsubscribe = core.events.subscribe((event) => {
    const handler = handlers[event.kind];
    if (handler === undefined) return;
    try {
      handler(event);
    } catch (error) {
      log.warn({ err: errorText(error), kind: event.kind, sessionId: event.sessionId }, 'notice failed');
    }
  });

  const settled = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  return {
    settled,
    async stop() {
      unsubscribe();
      await settled();
    },
  };
}

/** The settings of §2.2: the environment (with `.env`) first, then config.json. */
export function readNotifySettings(
  env: { readonly [name: string]: string | undefined },
  workrailHome: string,
): NotifySettings {
  let config: { [key: string]: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path.join(workrailHome, 'config.json'), 'utf8'));
    if (typeof parsed === 'object' && parsed !== null) config = parsed as { [key: string]: unknown };
  } catch {
    config = {};
  }
  const pick = (name: string): string | null => {
    const value = env[name] ?? config[name];
    return value === undefined || value === null || String(value).trim() === '' ? null : String(value).trim();
  };
  const desktop = pick('WORKTRAIN_NOTIFY_DESKTOP');
  return { webhookUrl: pick('WORKTRAIN_NOTIFY_WEBHOOK'), desktop: desktop === 'true' || desktop === '1' };
}

/** POSTs `body` as JSON and returns the answer's status; throws on a network error or after 10 s. */
async function postJson(url: string, body: unknown): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'WorkTrain' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(NOTIFY_TIMEOUT_MS),
  });
  await response.body?.cancel();
  return response.status;
}

function showDesktopNotice(text: string): Promise<void> {
  const body = text.split('\n')[0] ?? '';
  const command =
    process.platform === 'darwin'
      ? {
          file: 'osascript',
          args: ['-e', `display notification ${appleScriptString(body)} with title "WorkTrain"`],
        }
      : process.platform === 'linux'
        ? { file: 'notify-send', args: ['WorkTrain', body] }
        : null;
  if (command === null) return Promise.resolve();
  return new Promise((resolve, reject) => {
    execFile(command.file, command.args, { timeout: NOTIFY_TIMEOUT_MS }, (error) =>
      error === null ? resolve() : reject(error),
    );
  });
}

function appleScriptString(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
