// Two processes advancing the same session at the same moment with the same ct_ token (docs/mcp-protocol.md §6.2,
// §9): the calls serialise, exactly one advances, the other replays the recorded response (with
// REPLAYED_INPUT_NOT_APPLIED when its input differed), and neither sees a lock error.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { type RecordedResponse, responseDigest } from '../../src/app/continue-workflow.js';
import type { ExecutionResponse } from '../../src/app/execution-response.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import type { SessionId } from '../../src/engine/events.js';
import { expectOk, LOOP_WORKFLOW, testApp, workspaceWith } from './app-helpers.js';
import type { SameSessionChildInput, SameSessionChildMessage } from './store-same-session-child.js';

const SESSIONS = 6;
/** plan, two passes of implement + verify, summary. */
const ADVANCES_PER_SESSION = 6;

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const childScript = fileURLToPath(new URL('./store-same-session-child.ts', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

type Result = Extract<SameSessionChildMessage, { t: 'result' }>;

/** Yields each JSON line a child writes; rejects if it exits with an error. */
function messagesOf(child: ChildProcessWithoutNullStreams): AsyncIterator<SameSessionChildMessage> {
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async next() {
      const line = await lines.next();
      if (line.done === true) throw new Error(`child ended early (exit ${child.exitCode}): ${stderr}`);
      return { done: false, value: JSON.parse(line.value) as SameSessionChildMessage };
    },
  };
}

/**
 * Runs two processes over the same sessions. Before every call both wait at a barrier that the parent lifts for both
 * at once, so each call on a token races the other process's call on the same token. Returns each process's results.
 */
async function race(home: string, tokens: readonly string[], sameInput: boolean): Promise<[Result[], Result[]]> {
  const processes = ['A', 'B'].map((label) => {
    const input: SameSessionChildInput = {
      env: { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' },
      label,
      sameInput,
      tokens,
    };
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot,
      env: { ...process.env, SAME_SESSION_INPUT: JSON.stringify(input) },
    });
    children.push(child);
    return { child, messages: messagesOf(child), results: [] as Result[] };
  });
  for (const p of processes) expect((await p.messages.next()).value).toEqual({ t: 'ready' });

  for (;;) {
    // Each process either reached the barrier or finished; both must agree on which.
    const states = await Promise.all(
      processes.map(async (p) => {
        for (;;) {
          const { value } = await p.messages.next();
          if (value.t === 'result') p.results.push(value);
          else return value.t;
        }
      }),
    );
    expect(states[0]).toBe(states[1]);
    if (states[0] === 'done') break;
    for (const p of processes) p.child.stdin.write('go\n');
  }
  return [processes[0]!.results, processes[1]!.results];
}

/** Starts SESSIONS sessions of the loop workflow; returns the app, its home and each session's first token. */
function startSessions() {
  const t = testApp();
  const ws = workspaceWith(LOOP_WORKFLOW);
  const tokens = Array.from({ length: SESSIONS }, (_, i) => {
    const started = expectOk(
      startWorkflow(t.app, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: `race ${i}` }),
    );
    if (started.continueToken === undefined) throw new Error('start returned no token');
    return started.continueToken;
  });
  return { ...t, tokens };
}

function okValue(result: Result): ExecutionResponse {
  if (!result.result.ok) throw new Error(`call failed: ${result.result.error.code} ${result.result.error.message}`);
  return result.result.value;
}

/** Each session's event log, advances and recorded responses, read in the parent after both processes finished. */
function recordedHistory(t: ReturnType<typeof startSessions>, sessionId: SessionId) {
  const events = t.app.store.read((r) => r.listEvents(sessionId));
  const advances = events.flatMap((e) => (e.kind === 'advance_recorded' ? [e] : []));
  const notes = events.flatMap((e) =>
    e.kind === 'output_appended' && e.data.channel === 'notes' ? [e.data.notesMarkdown] : [],
  );
  return { events, advances, notes };
}

function sessionIdOf(t: ReturnType<typeof startSessions>, token: string): SessionId {
  const record = t.app.store.read((r) => r.findToken(token));
  if (record === null) throw new Error(`unknown token ${token}`);
  return record.sessionId;
}

/** Checks what both tests share: no errors, one advance per step and no forks, and both processes in lockstep. */
function expectSingleAdvances(t: ReturnType<typeof startSessions>, a: Result[], b: Result[]) {
  expect(a.filter((r) => !r.result.ok).map((r) => !r.result.ok && r.result.error.code)).toEqual([]);
  expect(b.filter((r) => !r.result.ok).map((r) => !r.result.ok && r.result.error.code)).toEqual([]);
  expect(a.map((r) => [r.session, r.step])).toEqual(b.map((r) => [r.session, r.step]));
  expect(a).toHaveLength(SESSIONS * ADVANCES_PER_SESSION);

  return t.tokens.map((token, session) => {
    const history = recordedHistory(t, sessionIdOf(t, token));
    expect(history.advances).toHaveLength(ADVANCES_PER_SESSION);
    const forks = history.events.filter((e) => e.kind === 'edge_created' && e.data.cause !== 'advance');
    expect(forks).toEqual([]);
    const steps = a
      .filter((r) => r.session === session)
      .map((r, i) => ({ a: r, b: b.filter((x) => x.session === session)[i]! }));
    return { history, steps };
  });
}

/** A response equals the recorded one: stored whole, or re-rendered on replay and checked by its digest. */
function expectRecorded(response: ExecutionResponse, recorded: RecordedResponse): void {
  if ('response' in recorded) expect(response).toEqual(recorded.response);
  else expect(responseDigest(response)).toBe(recorded.digest);
}

describe('one session advanced by two processes at once', () => {
  it('with the same token and the same input: one call advances, the other gets the identical response', {
    timeout: 60_000,
  }, async () => {
    const t = startSessions();
    const [a, b] = await race(t.home, t.tokens, true);
    for (const { history, steps } of expectSingleAdvances(t, a, b)) {
      expect(history.notes).toEqual(steps.map((s) => s.a.notes));
      for (const [i, { a: first, b: second }] of steps.entries()) {
        expect(okValue(second)).toEqual(okValue(first));
        expect(okValue(first).warnings ?? []).toEqual([]);
        expectRecorded(okValue(first), history.advances[i]!.data.response as unknown as RecordedResponse);
      }
      expect(okValue(steps.at(-1)!.a).isComplete).toBe(true);
    }
  });

  it('with the same token and different inputs: exactly one input is applied and the other caller replays it with REPLAYED_INPUT_NOT_APPLIED', {
    timeout: 60_000,
  }, async () => {
    const t = startSessions();
    const [a, b] = await race(t.home, t.tokens, false);
    const wins = { A: 0, B: 0 };
    for (const { history, steps } of expectSingleAdvances(t, a, b)) {
      for (const [i, { a: fromA, b: fromB }] of steps.entries()) {
        const applied = history.notes[i];
        expect([fromA.notes, fromB.notes]).toContain(applied);
        const [winner, loser] = applied === fromA.notes ? [fromA, fromB] : [fromB, fromA];
        wins[applied === fromA.notes ? 'A' : 'B'] += 1;
        expectRecorded(okValue(winner), history.advances[i]!.data.response as unknown as RecordedResponse);
        const { warnings, ...replayed } = okValue(loser);
        const { warnings: recordedWarnings, ...rest } = okValue(winner);
        expect(replayed).toEqual(rest);
        expect(warnings?.map((w) => w.code)).toEqual([
          ...(recordedWarnings ?? []).map((w) => w.code),
          'REPLAYED_INPUT_NOT_APPLIED',
        ]);
      }
    }
    expect(wins.A + wins.B).toBe(SESSIONS * ADVANCES_PER_SESSION);
  });
});
