import { afterAll, describe, expect, it } from 'vitest';
import { allSteps, bundledApp, bundledWorkflows } from '../fixtures/agents/app.js';
import { coverageGaps, observe } from '../fixtures/agents/coverage.js';
import { walkPlan } from '../fixtures/agents/driver.js';
import { ALL_PLANS } from '../fixtures/agents/index.js';

const setup = bundledApp();
afterAll(() => setup.dispose());
const workflows = bundledWorkflows(setup.app);

describe('bundled workflows walked by a scripted agent', () => {
  for (const plan of ALL_PLANS) {
    it(`${plan.workflowId}: "${plan.name}" completes along exactly the planned steps, every prompt fully rendered`, () => {
      const walk = walkPlan(setup.app, setup.workspace, plan);
      expect(walk.visited).toEqual(plan.turns.map((t) => t.step));
      expect(walk.final).toMatchObject({ kind: 'ok', isComplete: true, nextIntent: 'complete' });
      expect(walk.unset).toEqual([]);
    });
  }

  it('renders loop items into slice prompts and adds the rollback advice only for high-risk tasks', () => {
    const [small, large] = ALL_PLANS.filter((plan) => plan.workflowId === 'wr.coding-task');
    const slicePrompts = (plan: typeof small) =>
      walkPlan(setup.app, setup.workspace, plan!).prompts.filter((p) => p.stepId === 'implement-slice');
    const risky = slicePrompts(large);
    expect(risky[0]?.prompt).toContain('Implement the slice "schema and migration". Goal: schema and migration works.');
    expect(risky.every((p) => p.prompt.includes('This task is high risk'))).toBe(true);
    expect(slicePrompts(small).some((p) => p.prompt.includes('This task is high risk'))).toBe(false);
  });

  it('has a plan for every bundled workflow', () => {
    const planned = new Set(ALL_PLANS.map((plan) => plan.workflowId));
    expect(workflows.map((w) => w.id).filter((id) => !planned.has(id))).toEqual([]);
    expect(workflows.length).toBeGreaterThanOrEqual(16);
  });

  it('takes and skips every conditional step and ends every loop in each way it can end', () => {
    const gaps = workflows.flatMap((workflow) => {
      const plans = ALL_PLANS.filter((plan) => plan.workflowId === workflow.id);
      const traces = plans.map((plan) => walkPlan(setup.app, setup.workspace, plan).trace);
      return coverageGaps(workflow, observe(traces));
    });
    expect(gaps).toEqual([]);
  });

  it('sends only context keys the step prompt names, and artifacts only where the step demands them', () => {
    const problems: string[] = [];
    for (const plan of ALL_PLANS) {
      const workflow = workflows.find((w) => w.id === plan.workflowId);
      if (workflow === undefined) {
        problems.push(`${plan.workflowId}: not a bundled workflow`);
        continue;
      }
      const steps = new Map(allSteps(workflow).map((step) => [step.id, step]));
      for (const turn of plan.turns) {
        const step = steps.get(turn.step);
        if (step === undefined || step.kind !== 'standard') {
          problems.push(`${plan.workflowId}: no standard step ${turn.step}`);
          continue;
        }
        for (const key of Object.keys(turn.context ?? {})) {
          if (!step.prompt.includes(`\`${key}\``))
            problems.push(`${plan.workflowId}/${step.id}: prompt never asks for \`${key}\``);
        }
        const demanded = [
          ...(step.outputContract === undefined
            ? []
            : [step.outputContract.contractRef.replace('wr.contracts.', 'wr.')]),
          ...(step.assessmentRefs.length > 0 ? ['wr.assessment'] : []),
        ];
        for (const artifact of turn.artifacts ?? []) {
          if (!demanded.includes(String(artifact.kind))) {
            problems.push(
              `${plan.workflowId}/${step.id}: sends ${String(artifact.kind)}, which the step does not demand`,
            );
          }
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
