// Benchmarks of the workflow layer: validation + compilation of a large document, and catalog listing.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundledWorkflowsDir, createWorkflowSources, type WorkflowSourcesConfig } from '../src/workflow/sources.js';
import { validateWorkflow } from '../src/workflow/validate.js';
import type { BenchModule } from './harness.js';

/** A 200-step workflow mixing plain prompts, promptBlocks, run conditions, fragments, audits and loops. */
export function generateWorkflow(stepCount: number): Record<string, unknown> {
  const steps: Record<string, unknown>[] = [];
  for (let i = 0; steps.length < stepCount; i++) {
    const id = `step-${i}`;
    if (i % 25 === 24) {
      steps.push({
        id,
        type: 'loop',
        title: `Loop ${i}`,
        loop: { type: 'forEach', items: 'items', maxIterations: 20 },
        body: [
          {
            id: `${id}-a`,
            title: 'Body A {{currentItem}}',
            prompt: 'Handle {{currentItem}} carefully and record the result.',
          },
          {
            id: `${id}-b`,
            title: 'Body B',
            prompt: 'Check the result.',
            runCondition: { var: 'strict', equals: true },
          },
        ],
      });
    } else if (i % 3 === 0) {
      steps.push({
        id,
        title: `Blocks ${i}`,
        promptBlocks: {
          goal: `Do part ${i} of {{goal}}.`,
          constraints: ['Keep it small.', 'Follow the conventions.'],
          procedure: ['Read.', 'Change.', 'Test.'],
          verify: ['Tests pass.'],
        },
      });
    } else {
      steps.push({
        id,
        title: `Step ${i}`,
        prompt: `Do part ${i} of {{goal}} and write down what you did, with the commands you ran.`,
        runCondition: {
          or: [
            { var: 'mode', equals: 'full' },
            { var: 'level', gte: i },
          ],
        },
        promptFragments: [{ id: 'extra', when: { var: 'verbose' }, text: 'Explain your reasoning.' }],
        ...(i % 10 === 1 ? { audit: { rubric: ['Is it correct?', 'Is it tested?'] } } : {}),
      });
    }
  }
  return {
    id: 'bench.large',
    name: 'Large benchmark workflow',
    description: `A generated workflow with ${stepCount} steps.`,
    version: '1.0.0',
    metaGuidance: ['Be precise.'],
    steps,
  };
}

export const workflowBenchmarks: BenchModule = {
  name: 'workflow',
  cases() {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-bench-'));
    const config: WorkflowSourcesConfig = {
      workrailHome: home,
      bundledDir: bundledWorkflowsDir(),
      includeBundled: true,
      includeUser: true,
      includeProject: false,
      storagePaths: [],
    };
    const options = { now: () => Date.now() };
    const text = JSON.stringify(generateWorkflow(200));
    const templates = createWorkflowSources(config, options).templates();
    const probe = validateWorkflow(text, { templates });
    if (!probe.valid) throw new Error(`generated workflow is invalid: ${JSON.stringify(probe.issues.slice(0, 3))}`);

    const warm = createWorkflowSources(config, options);
    const userHome = mkdtempSync(path.join(tmpdir(), 'workrail-bench-user-'));
    mkdirSync(path.join(userHome, 'workflows'));
    for (let i = 0; i < 100; i++) {
      const doc = { ...generateWorkflow(10), id: `bench.flow-${i}`, name: `Flow ${i}` };
      writeFileSync(path.join(userHome, 'workflows', `flow-${i}.json`), JSON.stringify(doc));
    }
    const withUser = createWorkflowSources({ ...config, workrailHome: userHome }, options);

    return [
      {
        name: 'validate + compile, 200 steps',
        target: '< 5 ms',
        targetMs: 5,
        iterations: 300,
        warmup: 30,
        run: () => {
          validateWorkflow(text, { templates });
        },
      },
      {
        name: 'list bundled catalog, cold',
        iterations: 50,
        warmup: 2,
        run: () => {
          createWorkflowSources(config, options).list();
        },
      },
      {
        name: 'list bundled catalog, warm',
        iterations: 1000,
        warmup: 10,
        run: () => {
          warm.list();
        },
      },
      {
        name: 'list bundled + 100 user workflows, warm',
        iterations: 300,
        warmup: 3,
        run: () => {
          withUser.list();
        },
        teardown: () => {
          rmSync(home, { recursive: true, force: true });
          rmSync(userHome, { recursive: true, force: true });
        },
      },
    ];
  },
};
