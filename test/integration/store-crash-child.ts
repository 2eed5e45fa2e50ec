// The process store-crash.test.ts kills: it advances a few sessions round-robin through the real use cases, as fast
// as it can, until SIGKILL (after `maxCalls` calls it waits for the kill, so a late kill cannot pile up work). Each call is reported on stdout before it starts (`call`) and after it returned (`ack`),
// with a digest of the session's event log as the call left it, so the parent knows the last acknowledged state and
// the call in flight. Input: a CrashChildInput as JSON in $CRASH_CHILD_INPUT (the test imports the helpers below).
import { createHash } from 'node:crypto';
import { writeSync } from 'node:fs';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { createApp } from '../../src/app/create-app.js';
import type { ExecutionResponse } from '../../src/app/execution-response.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import type { SessionEvent, SessionId } from '../../src/engine/events.js';

export interface CrashChildInput {
  readonly env: { readonly [key: string]: string };
  readonly workspacePath: string;
  readonly workflowId: string;
  /** The continue token of each slot's session; null starts a new session in that slot. */
  readonly slots: readonly (string | null)[];
  /** Makes notes and goals unique across rounds. */
  readonly round: number;
  readonly maxCalls: number;
}

/** The state a call left a session in. */
export interface SessionMark {
  readonly sessionId: string;
  /** Null once the run is complete. */
  readonly token: string | null;
  readonly lastSeq: number;
  readonly digest: string;
}

export type CrashChildMessage =
  | { readonly t: 'ready' }
  | { readonly t: 'call'; readonly slot: number; readonly op: 'start'; readonly goal: string }
  | { readonly t: 'call'; readonly slot: number; readonly op: 'continue'; readonly input: ContinueCall }
  | { readonly t: 'ack'; readonly slot: number; readonly mark: SessionMark };

export interface ContinueCall {
  readonly continueToken: string;
  readonly notes: string;
  readonly context?: { readonly [key: string]: string | number };
}

/** SHA-256 of the event log as the store returns it. */
export function eventsDigest(events: readonly SessionEvent[]): string {
  return createHash('sha256').update(JSON.stringify(events)).digest('hex');
}

/** The next token of a response: null when the run is complete. */
export function nextToken(response: ExecutionResponse): string | null {
  if (response.kind === 'gate_checkpoint') throw new Error('unexpected gate');
  if (response.isComplete) return null;
  if (response.continueToken === undefined) throw new Error('response without a continue token');
  return response.continueToken;
}

/** One JSON line per message; a single write of a line below PIPE_BUF reaches the pipe whole or not at all. */
function report(message: CrashChildMessage): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

function main(input: CrashChildInput): never {
  const app = createApp({ env: input.env });
  const slots = [...input.slots];
  const sessions: (SessionId | null)[] = slots.map(() => null);
  void app.store;
  void app.keyring;
  report({ t: 'ready' });

  const mark = (sessionId: SessionId, token: string | null): SessionMark => {
    const events = app.store.read((r) => r.listEvents(sessionId));
    return { sessionId, token, lastSeq: events.length - 1, digest: eventsDigest(events) };
  };
  for (let call = 0; call < input.maxCalls; call++) {
    const slot = call % slots.length;
    const token = slots[slot];
    if (token === null || token === undefined) {
      const goal = `crash goal round ${input.round} call ${call}`;
      report({ t: 'call', slot, op: 'start', goal });
      const started = startWorkflow(app, { workflowId: input.workflowId, workspacePath: input.workspacePath, goal });
      if (!started.ok) throw new Error(`start failed: ${started.error.code} ${started.error.message}`);
      const sessionId = app.store.read((r) => r.findToken(nextToken(started.value) ?? ''))?.sessionId;
      if (sessionId === undefined) throw new Error('started session has no token record');
      sessions[slot] = sessionId;
      slots[slot] = nextToken(started.value);
      report({ t: 'ack', slot, mark: mark(sessionId, slots[slot]) });
      continue;
    }
    const request: ContinueCall = {
      continueToken: token,
      notes: `crash notes round ${input.round} call ${call}`,
      ...(call % 2 === 0 ? { context: { progress: call, round: `r${input.round}` } } : {}),
    };
    report({ t: 'call', slot, op: 'continue', input: request });
    const advanced = continueWorkflow(app, request);
    if (!advanced.ok) throw new Error(`continue failed: ${advanced.error.code} ${advanced.error.message}`);
    slots[slot] = nextToken(advanced.value);
    const sessionId =
      sessions[slot] ?? app.store.read((r) => r.findToken(token)?.sessionId) ?? failed('token without a record');
    sessions[slot] = sessionId;
    report({ t: 'ack', slot, mark: mark(sessionId, slots[slot]) });
  }
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
}

function failed(message: string): never {
  throw new Error(message);
}

const input = process.env.CRASH_CHILD_INPUT;
if (input !== undefined) main(JSON.parse(input) as CrashChildInput);
