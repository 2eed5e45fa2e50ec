// The session the schema migration tests migrate: LOOP_WORKFLOW started, advanced once with notes and checkpointed;
// after the migration its tokens must replay byte-identically and advance on.
import { expect } from 'vitest';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { databasePath } from '../../src/store/index.js';
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

export type MigrationFlow = ReturnType<typeof recordMigrationFlow>;

/** In a new app on the migrated home: the used ct_ and ck_ replay byte-identically, and the step advances on. */
export function expectFlowContinues(flow: MigrationFlow) {
  const second = testApp({ home: flow.first.home });
  expect(JSON.stringify(expectOk(continueWorkflow(second.app, flow.advance)))).toBe(JSON.stringify(flow.advanced));
  const checkpoint = checkpointWorkflow(second.app, { checkpointToken: flow.advanced.checkpointToken! });
  expect(JSON.stringify(expectOk(checkpoint))).toBe(JSON.stringify(flow.checkpoint));
  const next = asStep(
    expectOk(
      continueWorkflow(second.app, {
        continueToken: flow.advanced.continueToken!,
        output: { notesMarkdown: 'Pass 1.' },
      }),
    ),
  );
  expect(next.pending?.stepId).toBe('verify');
  return { second, next };
}
