// A store filled through the real use cases for the console's API and browser tests (docs/console.md §8): a linear
// session, a loop with three iterations and skipped steps, a blocked attempt with its retry, a fork, a checkpoint,
// and an invalid workflow file in the user source.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkpointWorkflow } from '../../src/app/checkpoint-workflow.js';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { type App, createApp } from '../../src/app/create-app.js';
import type { AppError } from '../../src/app/errors.js';
import type { ExecutionResponse, StepResponse } from '../../src/app/execution-response.js';
import type { Result } from '../../src/app/result.js';
import { startWorkflow } from '../../src/app/start-workflow.js';

export const LINEAR = {
  id: 'acme.linear',
  name: 'Linear demo',
  description: 'Plan, build, ship.',
  version: '1.2.0',
  about: 'A **three step** workflow used by the console tests.',
  steps: [
    { id: 'plan', title: 'Plan', prompt: 'Plan the work for {{goal}}.' },
    { id: 'build', title: 'Build', prompt: 'Build it.' },
    { id: 'ship', title: 'Ship', prompt: 'Ship it.' },
  ],
};

export const LOOPING = {
  id: 'acme.looping',
  name: 'Loop demo',
  description: 'Three passes with a skipped docs step.',
  version: '0.3.0',
  steps: [
    { id: 'setup', title: 'Set up', prompt: 'Set up.' },
    {
      id: 'passes',
      type: 'loop',
      title: 'Passes',
      loop: { type: 'for', count: 3, maxIterations: 5 },
      body: [
        { id: 'implement', title: 'Implement', prompt: 'Implement pass {{currentIteration}}.' },
        {
          id: 'docs',
          title: 'Write docs',
          prompt: 'Write the docs.',
          runCondition: { var: 'writeDocs', equals: true },
        },
      ],
    },
    { id: 'polish', title: 'Polish', prompt: 'Polish.', runCondition: { var: 'polish', equals: true } },
    { id: 'wrap', title: 'Wrap up', prompt: 'Wrap up.' },
  ],
};

export interface ConsoleFixture {
  readonly home: string;
  readonly sessions: {
    readonly linear: string;
    readonly looping: string;
    readonly blocked: string;
    readonly forked: string;
  };
}

/** Writes the fixture workflows (and an invalid file) into `<home>/workflows`. */
export function writeFixtureWorkflows(home: string): void {
  const dir = path.join(home, 'workflows');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'linear.json'), JSON.stringify(LINEAR));
  writeFileSync(path.join(dir, 'looping.json'), JSON.stringify(LOOPING));
  writeFileSync(
    path.join(dir, 'broken.json'),
    JSON.stringify({ id: 'acme.broken', name: 'Broken', version: '1.0.0', steps: [] }),
  );
}

/** An app over `home` with the bundled workflows off, so the catalogue holds only the fixture's. */
export function fixtureApp(home: string): App {
  return createApp({ env: { WORKRAIL_HOME: home, WORKFLOW_INCLUDE_BUNDLED: 'false', HOME: home } });
}

function must<T>(result: Result<T, AppError>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

function stepOf(response: ExecutionResponse): StepResponse {
  if (response.kind === 'gate_checkpoint') throw new Error('the fixture workflows have no gates');
  return response;
}

function tokenOf(response: StepResponse): string {
  if (response.continueToken === undefined) throw new Error(`no continue token in ${response.kind}`);
  return response.continueToken;
}

/** Runs the fixture sessions through startWorkflow/continueWorkflow/checkpointWorkflow against `home`. */
export function fillConsoleStore(home: string, workspace: string): ConsoleFixture {
  writeFixtureWorkflows(home);
  const app = fixtureApp(home);
  try {
    const advance = (token: string, notes?: string, extra: Record<string, unknown> = {}) =>
      stepOf(
        must(
          continueWorkflow(app, {
            continueToken: token,
            intent: 'advance',
            ...(notes === undefined ? {} : { output: { notesMarkdown: notes } }),
            ...extra,
          }),
        ),
      );
    const sessionOf = (token: string) => {
      const record = app.store.read((r) => r.findToken(token));
      if (record === null) throw new Error('token not stored');
      return record.sessionId as string;
    };

    // Linear, complete, with markdown notes and an artifact on the first step.
    let step = must(
      startWorkflow(app, { workflowId: 'acme.linear', workspacePath: workspace, goal: 'ship the parser' }),
    );
    const linear = sessionOf(tokenOf(step));
    step = advance(tokenOf(step), '## Plan\n\n- read the **grammar**\n- write tests', {
      artifacts: [{ kind: 'acme.plan', files: ['parser.ts'], risk: 'low' }],
    });
    step = advance(tokenOf(step), 'Built the parser.');
    advance(tokenOf(step), 'Shipped.');

    // Loop with three iterations; `docs` and `polish` skipped by their runCondition.
    step = stepOf(
      must(startWorkflow(app, { workflowId: 'acme.looping', workspacePath: workspace, goal: 'loop three times' })),
    );
    const looping = sessionOf(tokenOf(step));
    step = advance(tokenOf(step), 'Set up done.', { context: { writeDocs: false, polish: false } });
    for (let pass = 1; pass <= 3; pass++) step = advance(tokenOf(step), `Pass ${pass} implemented.`);
    advance(tokenOf(step), 'Wrapped up.');

    // Blocked attempt (no notes) followed by a successful retry, then a checkpoint.
    step = must(
      startWorkflow(app, { workflowId: 'acme.linear', workspacePath: workspace, goal: 'retry after a block' }),
    );
    const blocked = sessionOf(tokenOf(step));
    const blockedStep = advance(tokenOf(step));
    if (blockedStep.kind !== 'blocked') throw new Error('expected a blocked attempt');
    step = advance(tokenOf(blockedStep), 'Planned after all.');
    if (step.checkpointToken === undefined) throw new Error('no checkpoint token');
    must(checkpointWorkflow(app, { checkpointToken: step.checkpointToken }));

    // Fork: advance the first step, then rehydrate its token and advance again from the same node.
    const first = stepOf(
      must(startWorkflow(app, { workflowId: 'acme.linear', workspacePath: workspace, goal: 'fork twice' })),
    );
    const forked = sessionOf(tokenOf(first));
    advance(tokenOf(first), 'First branch.');
    const again = stepOf(must(continueWorkflow(app, { continueToken: tokenOf(first), intent: 'rehydrate' })));
    advance(tokenOf(again), 'Second branch.');

    return { home, sessions: { linear, looping, blocked, forked } };
  } finally {
    app.close();
  }
}

/** Starts one session of acme.linear (used by the child process of the live-update tests). */
export function startOneSession(home: string, workspace: string, goal: string): string {
  const app = fixtureApp(home);
  try {
    const step = stepOf(must(startWorkflow(app, { workflowId: 'acme.linear', workspacePath: workspace, goal })));
    const record = app.store.read((r) => r.findToken(tokenOf(step)));
    return record?.sessionId ?? '';
  } finally {
    app.close();
  }
}
