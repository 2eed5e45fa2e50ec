import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listWorkflows } from '../../../src/app/list-workflows.js';
import { bundledDocuments, bundledIdsTagged } from '../../support/bundled.js';
import { doc, tempDir, testDeps, write } from './helpers.js';

describe('list_workflows', () => {
  it('returns a tag summary and no workflows when neither tags nor includeSources is given', () => {
    const { deps } = testDeps();
    const result = listWorkflows(deps, { workspacePath: tempDir() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.workflows).toEqual([]);
    expect(result.value.nextStep).toBe('Call list_workflows again with tags: ["<id>"].');
    const coding = result.value.tagSummary?.find((tag) => tag.id === 'coding');
    expect(coding).toMatchObject({ displayName: 'Coding', count: bundledIdsTagged('coding').length });
    expect(coding?.when.length).toBeGreaterThan(0);
  });

  it('adds namespaces and "other" as virtual tags in the summary, after the catalog tags', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(path.join(ws, '.workrail', 'workflows'), 'a.json', doc('acme.deploy'));
    write(path.join(ws, '.workrail', 'workflows'), 'b.json', doc('legacy-flow'));
    const result = listWorkflows(deps, { workspacePath: ws });
    const ids = result.ok ? (result.value.tagSummary ?? []).map((tag) => tag.id) : [];
    expect(ids.slice(-2)).toEqual(['acme', 'other']);
  });

  it('returns the workflows having any of the requested tags, in the item shape of the protocol', () => {
    const { deps } = testDeps();
    const result = listWorkflows(deps, { workspacePath: tempDir(), tags: ['review_audit'] });
    const ids = result.ok ? result.value.workflows.map((item) => item.workflowId) : [];
    expect(ids).toEqual(bundledIdsTagged('review_audit'));
    expect(ids).toContain('wr.mr-review');
    const item = result.ok ? result.value.workflows.find((entry) => entry.workflowId === 'wr.mr-review') : undefined;
    expect(item).toMatchObject({
      workflowId: 'wr.mr-review',
      name: 'Merge Request Review',
      version: bundledDocuments().find((document) => document.id === 'wr.mr-review')?.version,
      tags: ['review_audit'],
      source: { kind: 'bundled', displayName: 'Bundled', path: null },
    });
    expect(item?.workflowHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(item?.examples?.length).toBeGreaterThan(0);
  });

  it('warns about an unknown tag', () => {
    const { deps } = testDeps();
    const result = listWorkflows(deps, { workspacePath: tempDir(), tags: ['nonsense'] });
    expect(result.ok && result.value.workflows).toEqual([]);
    expect(result.ok && result.value.warnings?.map((warning) => warning.code)).toEqual(['UNKNOWN_TAG']);
  });

  it('returns every listed workflow plus the sources with includeSources, leaving internal ones out', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(path.join(ws, '.workrail', 'workflows'), 'internal/helper.json', doc('acme.helper'));
    write(path.join(ws, '.workrail', 'workflows'), 'main.json', doc('acme.main'));
    const result = listWorkflows(deps, { workspacePath: ws, includeSources: true });
    if (!result.ok) throw new Error('expected ok');
    const ids = result.value.workflows.map((item) => item.workflowId);
    expect(ids).toContain('acme.main');
    expect(ids).not.toContain('acme.helper');
    expect(result.value.sources?.map((source) => source.kind)).toEqual(['bundled', 'user', 'project', 'project']);
    expect(result.value.sources?.at(-1)).toMatchObject({ totalWorkflowCount: 2, effectiveWorkflowCount: 2 });
  });

  it('reports validation warnings for invalid workspace files', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    write(path.join(ws, '.workrail', 'workflows'), 'bad.json', doc('acme.bad', { version: '1.0' }));
    const result = listWorkflows(deps, { workspacePath: ws, includeSources: true });
    expect(result.ok && result.value.validationWarnings).toEqual([
      expect.objectContaining({ workflowId: 'acme.bad', sourceKind: 'project', shadowsValidCopy: false }),
    ]);
  });

  it('remembers the workspace as a root', () => {
    const ws = tempDir();
    const { deps, home } = testDeps();
    listWorkflows(deps, { workspacePath: ws });
    const roots = JSON.parse(readFileSync(path.join(home, 'remembered-roots.json'), 'utf8'));
    expect(roots.roots).toEqual([{ path: ws, lastSeenMs: 1_700_000_000_000 }]);
  });

  it('rejects a relative workspacePath with VALIDATION_ERROR', () => {
    const { deps } = testDeps();
    const result = listWorkflows(deps, { workspacePath: 'relative/dir' });
    expect(!result.ok && result.error.code).toBe('VALIDATION_ERROR');
  });

  it('hashes a workflow with the workspace bindings, as start_workflow would pin it', () => {
    const ws = tempDir();
    const { deps } = testDeps();
    const bound = doc('acme.bound', {
      extensionPoints: [{ slotId: 'reviewer', purpose: 'Who reviews.', default: 'wr.mr-review' }],
      steps: [{ id: 'step-one', title: 'One', prompt: 'Ask {{wr.bindings.reviewer}}.' }],
    });
    write(path.join(ws, '.workrail', 'workflows'), 'bound.json', bound);
    const hashOf = () => {
      const result = listWorkflows(deps, { workspacePath: ws, tags: ['acme'] });
      return result.ok ? result.value.workflows[0]?.workflowHash : undefined;
    };
    const before = hashOf();
    write(ws, '.workrail/bindings.json', { reviewer: 'acme.other-review' });
    expect(hashOf()).not.toBe(before);
  });
});
