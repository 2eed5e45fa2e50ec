import { describe, expect, it } from 'vitest';
import { validateWorkflow } from '../../../src/app/validate-workflow.js';
import { doc, tempDir, testDeps, write } from './helpers.js';

describe('validate_workflow', () => {
  it('accepts a valid document given as JSON text or as a value', () => {
    const { deps } = testDeps();
    expect(validateWorkflow(deps, { workflowJson: JSON.stringify(doc('acme.demo')) })).toEqual({
      ok: true,
      value: { valid: true, issues: [], suggestions: [] },
    });
    expect(validateWorkflow(deps, { workflowJson: doc('acme.demo') }).ok).toBe(true);
  });

  it('reports issues with JSON pointers and rule ids', () => {
    const { deps } = testDeps();
    const result = validateWorkflow(deps, { workflowJson: doc('acme.demo', { version: '1.0' }) });
    expect(result.ok && result.value.valid).toBe(false);
    expect(result.ok && result.value.issues).toEqual([
      expect.objectContaining({ path: '/version', rule: 'version-semver' }),
    ]);
  });

  it('validates a file given by path', () => {
    const { deps } = testDeps();
    const file = write(tempDir(), 'demo.json', '{"id": "acme.demo",');
    const result = validateWorkflow(deps, { path: file });
    expect(result.ok && result.value.issues.map((issue) => issue.rule)).toEqual(['json-syntax']);
  });

  it('knows the bundled templates', () => {
    const { deps } = testDeps();
    const call = { templateId: 'wr.templates.routine.self-review', args: { deliverable: 'the plan' } };
    const result = validateWorkflow(deps, {
      workflowJson: doc('acme.demo', { steps: [{ id: 'check', title: 'Check', templateCall: call }] }),
    });
    expect(result.ok && result.value.issues).toEqual([]);
  });

  it('rejects a wr. id unless bundled is set', () => {
    const { deps } = testDeps();
    const reserved = validateWorkflow(deps, { workflowJson: doc('wr.demo') });
    expect(reserved.ok && reserved.value.issues.map((issue) => issue.rule)).toEqual(['workflow-id-reserved']);
    expect(validateWorkflow(deps, { workflowJson: doc('wr.demo'), bundled: true })).toMatchObject({
      ok: true,
      value: { valid: true },
    });
  });

  it('fails with VALIDATION_ERROR when both or neither of workflowJson and path are given', () => {
    const { deps } = testDeps();
    expect(validateWorkflow(deps, {})).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    expect(validateWorkflow(deps, { workflowJson: '{}', path: '/x.json' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
  });

  it('fails with NOT_FOUND for an unreadable path', () => {
    const { deps } = testDeps();
    const result = validateWorkflow(deps, { path: `${tempDir()}/missing.json` });
    expect(result).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', retry: { kind: 'not_retryable' } } });
  });
});
