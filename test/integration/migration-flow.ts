// The sessions the schema migration tests migrate. `recordMigrationFlow`: LOOP_WORKFLOW started, advanced once with
// notes and checkpointed; after the migration its tokens must replay byte-identically and advance on.
// `recordBranchingSessions`: two sessions with a blocked attempt and its retry, a checkpoint, loop passes and a fork.
import { expect } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { databasePath } from '../../src/store/index.js';
import { count, readAllSessions } from '../support/migration-reads.js';
import { asStep, expectOk, LOOP_WORKFLOW, type TestApp, testApp, workspaceWith } from './app-helpers.js';

export function recordMigrationFlow() {
  const ws = workspaceWith(LOOP_WORKFLOW);
  const first: TestApp = testApp();
  const started = asStep(
    expectOk(startWorkflow(first.app, { workflowId: LOOP_WORKFLOW.id, workspacePath: ws, goal: 'Ship it' })),
  );
  const advance = { continueToken: started.continueToken!, output: { notesMarkdown: 'Planned the migration.' } };
  const advanced = asStep(expectOk(continueWorkflow(first.app, advance)));
  const checkpoint = expectOk(checkpointWorkflow(first.app, { checkpointToken: advanced.checkpointToken! }));
  return { first, path: databasePath(first.app.config.dataDir), advance, advanced, checkpoint };
}

/**
 * Two sessions of a loop workflow (LOOP_WORKFLOW unless given: plan, then a loop of implement and verify) with a
 * blocked attempt and its retry, a checkpoint, loop passes and a fork. The clock ticks before every call, or before
 * every `tickEvery`-th one. Returns the retry's input (`advance`) and its step (`advanced`), the checkpoint,
 * the newest step of the first session's main line (`verified`), the fork, and the other session's latest step
 * (`other`).
 */
export function recordBranchingSessions(
  t: TestApp,
  {
    workflow = LOOP_WORKFLOW,
    tickEvery = 1,
  }: { workflow?: { id: string } & Record<string, unknown>; tickEvery?: number } = {},
) {
  const ws = workspaceWith(workflow);
  let calls = 0;
  const call = <T>(fn: () => T): T => {
    if (calls++ % tickEvery === 0) t.tick();
    return fn();
  };
  const start = (goal: string) =>
    asStep(expectOk(call(() => startWorkflow(t.app, { workflowId: workflow.id, workspacePath: ws, goal }))));
  const cont = (input: Parameters<typeof continueWorkflow>[1]) =>
    asStep(expectOk(call(() => continueWorkflow(t.app, input))));

  const started = start('Ship it');
  const blocked = cont({ continueToken: started.continueToken!, intent: 'advance' });
  expect(blocked.kind).toBe('blocked');
  const retry = { continueToken: blocked.continueToken!, output: { notesMarkdown: 'Planned the migration.' } };
  const planned = cont(retry);
  const checkpoint = expectOk(call(() => checkpointWorkflow(t.app, { checkpointToken: planned.checkpointToken! })));
  const pass1 = cont({ continueToken: planned.continueToken!, output: { notesMarkdown: 'Pass 1 implemented.' } });
  const verified = cont({ continueToken: pass1.continueToken!, output: { notesMarkdown: 'Pass 1 verified.' } });
  // A fork: advance again from the position before pass 1, through a rehydrated token.
  const again = cont({ continueToken: planned.continueToken!, intent: 'rehydrate' });
  const fork = cont({ continueToken: again.continueToken!, output: { notesMarkdown: 'Pass 1 redone.' } });
  const otherStarted = start('Ship the other thing');
  const other = cont({
    continueToken: otherStarted.continueToken!,
    output: { notesMarkdown: 'Planned the other thing.' },
  });
  return { advance: retry, advanced: planned, checkpoint, verified, fork, other };
}

export type BranchingSessions = ReturnType<typeof recordBranchingSessions>;

export type MigrationFlow = ReturnType<typeof recordMigrationFlow>;

/**
 * In a new app on the migrated home: the used ct_ (`advance`) replays byte-identically (`advanced`), its ck_ replays
 * its checkpoint, and the step advances on to `verify`. With `onwards`, the advance is from another step (the newest of
 * a branching flow) at a new clock tick, and `eventCount`, when given, grows with it.
 */
export function expectFlowContinues(
  flow: Pick<MigrationFlow, 'first' | 'advance' | 'advanced' | 'checkpoint'>,
  onwards?: { from: ReturnType<typeof asStep>; notesMarkdown: string; eventCount?: () => number },
) {
  const second = testApp({ home: flow.first.home });
  expect(JSON.stringify(expectOk(continueWorkflow(second.app, flow.advance)))).toBe(JSON.stringify(flow.advanced));
  const checkpoint = checkpointWorkflow(second.app, { checkpointToken: flow.advanced.checkpointToken! });
  expect(JSON.stringify(expectOk(checkpoint))).toBe(JSON.stringify(flow.checkpoint));
  const eventsBefore = onwards?.eventCount?.();
  if (onwards) second.tick();
  const next = asStep(
    expectOk(
      continueWorkflow(second.app, {
        continueToken: (onwards?.from ?? flow.advanced).continueToken!,
        output: { notesMarkdown: onwards?.notesMarkdown ?? 'Pass 1.' },
      }),
    ),
  );
  expect(next.pending?.stepId).toBe('verify');
  if (eventsBefore !== undefined) expect(onwards!.eventCount!()).toBeGreaterThan(eventsBefore);
  return { second, next };
}

/**
 * `expectFlowContinues` for branching sessions in the migrated database at `path`: after the replays the main line's
 * newest step advances on (the event log growing, when `eventLogGrows`), and every session still reads as healthy.
 */
export function expectBranchingSessionsContinue(
  first: TestApp,
  flow: BranchingSessions,
  path: string,
  { ftsProbes, eventLogGrows = false }: { ftsProbes: readonly string[]; eventLogGrows?: boolean },
) {
  const eventCount = eventLogGrows ? () => count(path, 'SELECT count(*) FROM events') : undefined;
  const { second } = expectFlowContinues(
    { first, ...flow },
    { from: flow.verified, notesMarkdown: 'Pass 2.', eventCount },
  );
  second.app.close();
  const final = readAllSessions(path, ftsProbes);
  expect(Object.values(final.sessions).every((s) => s.health.kind === 'healthy')).toBe(true);
}
