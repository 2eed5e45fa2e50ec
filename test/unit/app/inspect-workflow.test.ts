import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inspectWorkflow, type WorkflowPreview } from '../../../src/app/inspect-workflow.js';
import { listWorkflows } from '../../../src/app/list-workflows.js';
import { doc, tempDir, testDeps, write } from './helpers.js';

function preview(result: ReturnType<typeof inspectWorkflow>): WorkflowPreview {
  if (!result.ok) throw new Error(`expected ok, got ${result.error.code}`);
  return result.value.workflow as WorkflowPreview;
}

describe('inspect_workflow', () => {
  it('outlines loops with their type, limit, control and body, and shows run conditions', () => {
    const { deps } = testDeps();
    const workflow = preview(inspectWorkflow(deps, { workflowId: 'wr.bug-investigation', workspacePath: tempDir() }));
    const evidence = workflow.steps.find((step) => step.stepId === 'gather-evidence');
    expect(evidence).toMatchObject({ hasRunCondition: true, runCondition: { var: 'reproduced', equals: false } });
    const loop = workflow.steps.find((step) => step.kind === 'loop');
    expect(loop?.loop).toMatchObject({ type: 'while', maxIterations: 5, controlledBy: 'wr.contracts.loop_control' });
    expect(loop?.loop?.body.map((step) => step.stepId)).toEqual(['form-hypothesis', 'run-experiment', 'decide-next']);
    expect(loop?.loop?.body[2]).toMatchObject({
      outputContract: { contractRef: 'wr.contracts.loop_control', required: true },
      notesRequired: false,
    });
    expect(workflow.steps.at(-1)?.requireConfirmation).toBe(true);
    expect(workflow.firstStep?.stepId).toBe('reproduce');
    expect(workflow.firstStep?.prompt).toContain('{{goal}}');
  });

  it('returns the same hash list_workflows reports', () => {
    const { deps } = testDeps();
    const ws = tempDir();
    const inspected = inspectWorkflow(deps, { workflowId: 'wr.mr-review', workspacePath: ws });
    const listed = listWorkflows(deps, { workspacePath: ws, tags: ['review_audit'] });
    const listedHash = listed.ok
      ? listed.value.workflows.find((w) => w.workflowId === 'wr.mr-review')?.workflowHash
      : '';
    expect(inspected.ok && inspected.value.workflowHash).toBe(listedHash);
  });

  it('marks virtual steps and conditional confirmations', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(
      path.join(ws, '.workrail', 'workflows'),
      'audited.json',
      doc('acme.audited', {
        steps: [
          {
            id: 'build-it',
            title: 'Build',
            prompt: 'Build it.',
            audit: { rubric: ['Is it tested?'] },
            requireConfirmation: { var: 'risky' },
          },
        ],
      }),
    );
    const workflow = preview(inspectWorkflow(deps, { workflowId: 'acme.audited', workspacePath: ws }));
    expect(workflow.steps.map((step) => [step.stepId, step.requireConfirmation, step.virtualOf?.role])).toEqual([
      ['build-it', 'conditional', undefined],
      ['build-it__audit', false, 'audit'],
    ]);
  });

  it('returns only metadata in metadata mode', () => {
    const { deps } = testDeps();
    const result = inspectWorkflow(deps, { workflowId: 'wr.quick-task', workspacePath: tempDir(), mode: 'metadata' });
    if (!result.ok) throw new Error('expected ok');
    expect(result.value).toMatchObject({ workflowId: 'wr.quick-task', mode: 'metadata', source: { kind: 'bundled' } });
    expect(Object.keys(result.value.workflow).sort()).toEqual([
      'about',
      'description',
      'examples',
      'name',
      'tags',
      'version',
    ]);
  });

  it('resolves references against the workspace', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(ws, 'docs/style.md', '# Style');
    const reference = { title: 'Style', purpose: 'House style.', authoritative: true };
    write(
      path.join(ws, '.workrail', 'workflows'),
      'refs.json',
      doc('acme.refs', {
        references: [
          { id: 'style', source: 'docs/style.md', ...reference },
          { id: 'missing', source: 'docs/missing.md', ...reference },
        ],
      }),
    );
    const workflow = preview(inspectWorkflow(deps, { workflowId: 'acme.refs', workspacePath: ws }));
    expect(workflow.references.map((ref) => [ref.id, ref.resolveFrom, ref.resolvedPath])).toEqual([
      ['style', 'workspace', path.join(ws, 'docs', 'style.md')],
      ['missing', 'workspace', null],
    ]);
  });

  it('fails with NOT_FOUND and similar ids for an unknown workflow', () => {
    const { deps } = testDeps();
    const result = inspectWorkflow(deps, { workflowId: 'wr.quick-tsk', workspacePath: tempDir() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('NOT_FOUND');
    expect(result.error.details?.similarIds).toEqual(['wr.quick-task']);
  });

  it('fails with PRECONDITION_FAILED and the issues when the workspace bindings break compilation', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(
      path.join(ws, '.workrail', 'workflows'),
      'bound.json',
      doc('acme.bound', {
        extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews.', default: 'wr.mr-review' }],
        steps: [{ id: 'step-one', title: 'One', prompt: 'Ask {{wr.bindings.reviewer}}.' }],
      }),
    );
    write(ws, '.workrail/bindings.json', { reviewer: '{{wr.refs.nope}}' });
    const result = inspectWorkflow(deps, { workflowId: 'acme.bound', workspacePath: ws });
    expect(!result.ok && result.error.code).toBe('PRECONDITION_FAILED');
    expect(!result.ok && (result.error.details?.issues as unknown[] | undefined)?.[0]).toMatchObject({
      rule: 'wr-token-unresolved',
    });
  });
});
