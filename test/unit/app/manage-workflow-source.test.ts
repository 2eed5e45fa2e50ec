import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app/create-app.js';
import { listWorkflows } from '../../../src/app/list-workflows.js';
import { manageWorkflowSource } from '../../../src/app/manage-workflow-source.js';
import { doc, tempDir, testDeps, write } from './helpers.js';

describe('manage_workflow_source', () => {
  it('attaches a directory whose workflows are then listed as a custom source', () => {
    const dir = tempDir();
    write(dir, 'team.json', doc('acme.team'));
    const { deps } = testDeps();
    const attached = manageWorkflowSource(deps, { action: 'attach', path: `${dir}${path.sep}` });
    expect(attached).toEqual({
      ok: true,
      value: { action: 'attach', path: dir, sources: [{ path: dir, addedAtMs: 1_700_000_000_000 }] },
    });
    const listed = listWorkflows(deps, { workspacePath: tempDir(), tags: ['acme'] });
    expect(listed.ok && listed.value.workflows.map((item) => [item.workflowId, item.source.kind])).toEqual([
      ['acme.team', 'custom'],
    ]);
  });

  it('keeps attached sources for the next process using the same WORKRAIL_HOME', () => {
    const dir = tempDir();
    const { deps, home } = testDeps();
    manageWorkflowSource(deps, { action: 'attach', path: dir });
    const later = createApp({ env: { WORKRAIL_HOME: home } });
    expect(later.sources.managed().map((source) => source.path)).toEqual([dir]);
  });

  it('detaches a directory and ignores an unknown one', () => {
    const dir = tempDir();
    const { deps } = testDeps();
    manageWorkflowSource(deps, { action: 'attach', path: dir });
    expect(manageWorkflowSource(deps, { action: 'detach', path: path.join(dir, 'nope') })).toMatchObject({
      ok: true,
      value: { sources: [{ path: dir }] },
    });
    expect(manageWorkflowSource(deps, { action: 'detach', path: dir })).toEqual({
      ok: true,
      value: { action: 'detach', path: dir, sources: [] },
    });
  });

  it('fails with PRECONDITION_FAILED when attaching a missing directory', () => {
    const { deps } = testDeps();
    const result = manageWorkflowSource(deps, { action: 'attach', path: path.join(tempDir(), 'missing') });
    expect(result).toMatchObject({ ok: false, error: { code: 'PRECONDITION_FAILED' } });
  });

  it('fails with VALIDATION_ERROR for a relative path', () => {
    const { deps } = testDeps();
    expect(manageWorkflowSource(deps, { action: 'attach', path: 'rel/dir' })).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_ERROR' },
    });
  });
});
