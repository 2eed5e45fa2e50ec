// Crash safety (docs/mcp-protocol.md §9): a process advancing sessions through the real use cases is SIGKILLed at
// random moments, 200 times. After every kill the store opens, passes SQLite's integrity check and the §9 session
// checks, rebuilding the projections from the events reproduces the live tables, and every session is exactly as its
// last acknowledged call left it or exactly as the call in flight would have left it; repeating that call performs
// it in the first case and replays it in the second.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { buildSync } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continueWorkflow, type RecordedResponse, responseDigest } from '../../src/app/continue-workflow.js';
import { type App, createApp } from '../../src/app/create-app.js';
import type { ExecutionResponse } from '../../src/app/execution-response.js';
import type { SessionEvent, SessionId } from '../../src/engine/events.js';
import { databasePath } from '../../src/store/index.js';
import { dumpProjections } from '../support/projection-dump.js';
import {
  type ContinueCall,
  type CrashChildInput,
  type CrashChildMessage,
  eventsDigest,
  nextToken,
  type SessionMark,
} from './store-crash-child.js';

const LANES = 4;
const ROUNDS_PER_LANE = 50;
const SLOTS = 3;
/** Once its clock starts (see runAndKill), the kill lands this long (uniformly random) later. */
const MAX_KILL_DELAY_MS = 40;
/** Bounds the work of a child whose kill comes late because this process was busy verifying another lane. */
const MAX_CALLS_PER_CHILD = 30;

const WORKFLOW = {
  id: 'acme.crash',
  name: 'Crash loop',
  description: 'Plans, iterates twice, summarises.',
  version: '1.0.0',
  steps: [
    { id: 'plan', title: 'Plan', prompt: 'Plan {{goal}}.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: 2, maxIterations: 5 },
      body: [
        { id: 'implement', title: 'Implement pass {{currentIteration}}', prompt: 'Implement.' },
        { id: 'verify', title: 'Verify', prompt: 'Verify.' },
      ],
    },
    { id: 'summary', title: 'Summary', prompt: 'Summarise.' },
  ],
};

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'workrail-test');
const childBundle = path.join(cacheDir, `store-crash-child-${process.pid}.mjs`);
const dirs: string[] = [];

// The child is bundled from today's sources once (dependencies stay external), so each of the 200 processes starts
// in plain node instead of paying for the TypeScript loader.
beforeAll(() => {
  mkdirSync(cacheDir, { recursive: true });
  buildSync({
    entryPoints: [fileURLToPath(new URL('./store-crash-child.ts', import.meta.url))],
    outfile: childBundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
});

afterAll(() => {
  rmSync(childBundle, { force: true });
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** One data dir with its own child; lanes run side by side. */
interface Lane {
  readonly env: { readonly [key: string]: string };
  readonly workspacePath: string;
  readonly dbPath: string;
  /** The session each slot is advancing; null: the next child starts one. */
  readonly slots: (SessionId | null)[];
  /** Every session's last known durable state (acknowledged by a child, or resolved by the parent after a kill). */
  readonly known: Map<SessionId, SessionMark>;
}

interface Tally {
  kills: number;
  acknowledgedCalls: number;
  /** Calls in flight at the kill that had not committed / had committed. */
  before: number;
  after: number;
}

function newLane(): Lane {
  const home = mkdtempSync(path.join(tmpdir(), 'workrail-crash-'));
  dirs.push(home);
  const workspacePath = path.join(home, 'ws');
  mkdirSync(path.join(workspacePath, '.workrail', 'workflows'), { recursive: true });
  writeFileSync(path.join(workspacePath, '.workrail', 'workflows', 'acme.crash.json'), JSON.stringify(WORKFLOW));
  // The bundled library is off: the bundle cannot locate it, and parent and child must see the same catalog.
  const env = { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false', WORKFLOW_INCLUDE_BUNDLED: 'false' };
  return {
    env,
    workspacePath,
    dbPath: databasePath(path.join(home, 'data')),
    slots: Array.from({ length: SLOTS }, () => null),
    known: new Map(),
  };
}

/** Runs a child until a random moment after it is ready, SIGKILLs it and returns the complete lines it wrote. */
function runAndKill(lane: Lane, round: number): Promise<CrashChildMessage[]> {
  const input: CrashChildInput = {
    env: lane.env,
    workspacePath: lane.workspacePath,
    workflowId: WORKFLOW.id,
    slots: lane.slots.map((sessionId) => (sessionId === null ? null : lane.known.get(sessionId)!.token)),
    round,
    maxCalls: MAX_CALLS_PER_CHILD,
  };
  const child = spawn(process.execPath, [childBundle], {
    cwd: repoRoot,
    env: { ...process.env, CRASH_CHILD_INPUT: JSON.stringify(input) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let timer: NodeJS.Timeout | undefined;
  // The kill clock starts after a random number (0..3) of acknowledged calls, then waits a random delay: the kills
  // land at any point of a call however slow the machine is, and calls really complete between kills.
  const acksBeforeClock = Math.floor(Math.random() * 4);
  child.stderr.on('data', (d) => {
    err += d;
  });
  child.stdout.on('data', (d) => {
    out += d;
    const acks = out.split('{"t":"ack"').length - 1;
    if (timer === undefined && out.includes('{"t":"ready"}\n') && acks >= acksBeforeClock) {
      timer = setTimeout(() => child.kill('SIGKILL'), Math.random() * MAX_KILL_DELAY_MS);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`child exited by itself (code ${code}): ${err}`));
      // A line cut short by the kill was never acknowledged; dropping it is the conservative reading.
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.map((line) => JSON.parse(line) as CrashChildMessage));
    });
  });
}

/** Applies the child's acknowledgements to the lane; returns the call each slot had in flight at the kill. */
function applyAcks(lane: Lane, messages: readonly CrashChildMessage[], tally: Tally): Map<number, CrashChildMessage> {
  const inFlight = new Map<number, CrashChildMessage>();
  for (const message of messages) {
    if (message.t === 'call') inFlight.set(message.slot, message);
    if (message.t !== 'ack') continue;
    inFlight.delete(message.slot);
    tally.acknowledgedCalls += 1;
    const sessionId = message.mark.sessionId as SessionId;
    lane.known.set(sessionId, message.mark);
    lane.slots[message.slot] = message.mark.token === null ? null : sessionId;
  }
  return inFlight;
}

function markOf(app: App, sessionId: SessionId, token: string | null): SessionMark {
  const events = app.store.read((r) => r.listEvents(sessionId));
  return { sessionId, token, lastSeq: events.length - 1, digest: eventsDigest(events) };
}

/**
 * Checks a session whose continue_workflow call was in flight: its log is the acknowledged one, or that plus exactly
 * one advance from the in-flight token. Repeating the call must perform it or replay it accordingly.
 */
function resolveContinue(app: App, lane: Lane, sessionId: SessionId, call: ContinueCall): 'before' | 'after' {
  const acked = lane.known.get(sessionId)!;
  const events = app.store.read((r) => r.listEvents(sessionId));
  expect(eventsDigest(events.slice(0, acked.lastSeq + 1))).toBe(acked.digest);
  const record = app.store.read((r) => r.findToken(call.continueToken));
  expect(record?.attemptId).toBeTruthy();
  const { nodeId, attemptId } = record!;
  const recorded = app.store.read((r) => r.findAdvance(nodeId, attemptId!));
  const committed = events.length > acked.lastSeq + 1;
  if (committed) expect(recorded).not.toBeNull();
  else expect(recorded).toBeNull();

  const repeated = continueWorkflow(app, call);
  if (!repeated.ok) throw new Error(`repeating the in-flight call failed: ${repeated.error.code}`);
  const afterRepeat = app.store.read((r) => r.listEvents(sessionId));
  if (committed) {
    expect(afterRepeat).toEqual(events);
    expectRecorded(repeated.value, recorded!.response as unknown as RecordedResponse);
  }
  const from = { nodeId, attemptId: attemptId! };
  expectOneAdvance(afterRepeat.slice(acked.lastSeq + 1), from, call, repeated.value.isComplete);
  const run = app.store.read((r) => r.loadNode(sessionId, nodeId));
  expect(run.kind === 'ok' && run.position.session.run?.isComplete).toBe(repeated.value.isComplete);
  const token = nextToken(repeated.value);
  if (token !== null) expect(app.store.read((r) => r.findToken(token))?.sessionId).toBe(sessionId);
  lane.known.set(sessionId, markOf(app, sessionId, token));
  return committed ? 'after' : 'before';
}

/**
 * `extra` holds the whole effect of one continue_workflow call and nothing else: one advance from the token's node
 * with its new node and edge, the call's notes, its context when it sent one, and `run_completed` exactly when the
 * response says the run is complete.
 */
function expectOneAdvance(
  extra: readonly SessionEvent[],
  from: { readonly nodeId: string; readonly attemptId: string },
  call: ContinueCall,
  isComplete: boolean,
): void {
  const advances = extra.filter((e) => e.kind === 'advance_recorded');
  expect(advances).toHaveLength(1);
  const advance = advances[0]!;
  if (advance.kind !== 'advance_recorded') throw new Error('unreachable');
  expect(advance.data).toMatchObject({ fromNodeId: from.nodeId, attemptId: from.attemptId, outcome: 'advanced' });
  const to = advance.data.toNodeId;
  expect(extra.filter((e) => e.kind === 'node_created').map((e) => e.nodeId)).toEqual([to]);
  expect(extra.filter((e) => e.kind === 'edge_created').map((e) => e.kind === 'edge_created' && e.data)).toEqual([
    expect.objectContaining({ fromNodeId: from.nodeId, toNodeId: to }),
  ]);
  const notes = extra.flatMap((e) =>
    e.kind === 'output_appended' && e.data.channel === 'notes' ? [e.data.notesMarkdown] : [],
  );
  expect(notes).toEqual([call.notes]);
  const contexts = extra.flatMap((e) => (e.kind === 'context_set' ? [e.data.context] : []));
  if (call.context === undefined) expect(contexts).toEqual([]);
  else expect(contexts).toEqual([expect.objectContaining(call.context)]);
  expect(extra.filter((e) => e.kind === 'run_completed')).toHaveLength(isComplete ? 1 : 0);
  expect(extra.filter((e) => e.kind === 'session_created' || e.kind === 'run_started')).toEqual([]);
}

/**
 * A start_workflow in flight left either no new session, or one complete new session at its first step, which the
 * lane adopts.
 */
function resolveStart(app: App, lane: Lane, slot: number, orphans: readonly SessionId[]): 'before' | 'after' {
  expect(orphans.length).toBeLessThanOrEqual(1);
  const sessionId = orphans[0];
  if (sessionId === undefined) return 'before';
  const events = app.store.read((r) => r.listEvents(sessionId));
  expect(events.map((e) => e.kind)).toEqual([
    'session_created',
    'run_started',
    'node_created',
    'context_set',
    'decision_trace_appended',
  ]);
  const tokens = withRawDb(lane.dbPath, (db) =>
    db.prepare("SELECT token FROM tokens WHERE session_id = ? AND kind = 'continue'").pluck().all(sessionId),
  ) as string[];
  expect(tokens).toHaveLength(1);
  lane.known.set(sessionId, markOf(app, sessionId, tokens[0]!));
  lane.slots[slot] = sessionId;
  return 'after';
}

function verifyAfterKill(lane: Lane, inFlight: ReadonlyMap<number, CrashChildMessage>, tally: Tally): void {
  expect(withRawDb(lane.dbPath, (db) => db.pragma('integrity_check', { simple: true }))).toBe('ok');
  const app = createApp({ env: lane.env });
  try {
    const stored = withRawDb(lane.dbPath, (db) =>
      db.prepare('SELECT session_id FROM session_keys').pluck().all(),
    ) as SessionId[];
    for (const sessionId of stored) {
      expect(app.store.read((r) => r.checkHealth(sessionId))).toEqual({ kind: 'healthy' });
      expect(app.store.read((r) => r.loadSession(sessionId)).kind).toBe('ok');
    }
    const live = dumpProjections(lane.dbPath, FTS_PROBES);
    expect(app.store.rebuildProjections()).toEqual({ ok: true, value: undefined });
    expect(dumpProjections(lane.dbPath, FTS_PROBES)).toEqual(live);

    const busy = new Set<SessionId>();
    for (const [slot, call] of inFlight) {
      if (call.t !== 'call' || call.op !== 'continue') continue;
      const sessionId = lane.slots[slot]!;
      busy.add(sessionId);
      tally[resolveContinue(app, lane, sessionId, call.input)] += 1;
    }
    for (const [sessionId, mark] of lane.known) {
      if (busy.has(sessionId)) continue;
      expect({ sessionId, digest: markOf(app, sessionId, mark.token).digest }).toEqual({
        sessionId,
        digest: mark.digest,
      });
    }
    const orphans = stored.filter((sessionId) => !lane.known.has(sessionId));
    const starting = [...inFlight].find(([, call]) => call.t === 'call' && call.op === 'start');
    if (starting === undefined) expect(orphans).toEqual([]);
    else tally[resolveStart(app, lane, starting[0], orphans)] += 1;
  } finally {
    app.close();
  }
}

/** A response equals the recorded one: stored whole, or re-rendered on replay and checked by its digest. */
function expectRecorded(response: ExecutionResponse, recorded: RecordedResponse): void {
  if ('response' in recorded) expect(response).toEqual(recorded.response);
  else expect(responseDigest(response)).toBe(recorded.digest);
}

const FTS_PROBES = ['crash', 'notes', 'goal', 'round'];

function withRawDb<T>(dbPath: string, fn: (db: Database.Database) => T): T {
  const db = new Database(dbPath, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

async function runLane(lane: Lane, tally: Tally): Promise<void> {
  for (let round = 0; round < ROUNDS_PER_LANE; round++) {
    const messages = await runAndKill(lane, round);
    tally.kills += 1;
    verifyAfterKill(lane, applyAcks(lane, messages, tally), tally);
  }
}

describe('crash safety', () => {
  it('after 200 SIGKILLs mid-advance every session is healthy and exactly before or after its in-flight call', {
    timeout: 180_000,
  }, async () => {
    const tally: Tally = { kills: 0, acknowledgedCalls: 0, before: 0, after: 0 };
    const lanes = Array.from({ length: LANES }, newLane);
    await Promise.all(lanes.map((lane) => runLane(lane, tally)));

    expect(tally.kills).toBe(LANES * ROUNDS_PER_LANE);
    // The kills really landed among the calls, on both sides of a commit.
    expect(tally.acknowledgedCalls).toBeGreaterThan(tally.kills);
    expect(tally.before).toBeGreaterThan(0);
    expect(tally.after).toBeGreaterThan(0);
    const sessions = lanes.reduce((n, lane) => n + lane.known.size, 0);
    console.log(`store-crash: ${JSON.stringify({ ...tally, sessions })}`);
  });
});
