import { afterAll, describe, expect, it } from 'vitest';
import { allSteps, bundledApp, bundledWorkflows } from '../fixtures/agents/app.js';
import { walkPlan } from '../fixtures/agents/driver.js';
import { ALL_PLANS } from '../fixtures/agents/index.js';

const setup = bundledApp();
afterAll(() => setup.dispose());

/** Every step that must receive an artifact: a required output contract, or assessments. */
const demanding = bundledWorkflows(setup.app).flatMap((workflow) =>
  allSteps(workflow).flatMap((step) => {
    if (step.kind !== 'standard') return [];
    const contractRef =
      step.outputContract?.required === true
        ? step.outputContract.contractRef
        : step.assessmentRefs.length > 0
          ? 'wr.contracts.assessment'
          : undefined;
    return contractRef === undefined ? [] : [{ workflowId: workflow.id, stepId: step.id, contractRef }];
  }),
);

describe('bundled workflows demand their required artifacts', () => {
  it('demands loop control, verdicts, assessments and every handoff somewhere in the library', () => {
    expect(new Set(demanding.map((d) => d.contractRef))).toEqual(
      new Set([
        'wr.contracts.loop_control',
        'wr.contracts.review_verdict',
        'wr.contracts.assessment',
        'wr.contracts.coding_handoff',
        'wr.contracts.discovery_handoff',
        'wr.contracts.shaping_handoff',
      ]),
    );
  });

  for (const { workflowId, stepId, contractRef } of demanding) {
    it(`${workflowId}: ${stepId} is blocked with MISSING_REQUIRED_OUTPUT without its ${contractRef} artifact`, () => {
      const plan = ALL_PLANS.find((p) => p.workflowId === workflowId && p.turns.some((t) => t.step === stepId));
      expect(plan, `no plan reaches ${workflowId}/${stepId}`).toBeDefined();
      if (plan === undefined) return;

      const walk = walkPlan(setup.app, setup.workspace, plan, { omitArtifactsAt: stepId });

      expect(walk.blocked).toHaveLength(1);
      const refused = walk.blocked[0]?.response;
      expect(refused).toMatchObject({ kind: 'blocked', isComplete: false, pending: { stepId } });
      expect(refused?.blockers).toContainEqual(
        expect.objectContaining({ code: 'MISSING_REQUIRED_OUTPUT', pointer: { kind: 'output_contract', contractRef } }),
      );
      expect(walk.final.isComplete).toBe(true);
    });
  }
});
