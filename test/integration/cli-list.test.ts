import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledDocuments } from '../support/bundled.js';
import { doc, runCli, tempDir, write } from './cli-helpers.js';

describe('workrail list', () => {
  it('lists bundled and workspace workflows with source kind and tags', async () => {
    const ws = tempDir();
    write(path.join(ws, '.workrail', 'workflows'), 'deploy.json', doc('acme.deploy', { name: 'Deploy' }));
    const run = await runCli(['list', '--workspace', ws]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+SOURCE\s+TAGS$/);
    expect(lines).toContainEqual(expect.stringMatching(/^acme\.deploy\s+Deploy\s+project\s+acme$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^wr\.mr-review\s+Merge Request Review\s+bundled\s+review_audit$/),
    );
  });

  it('uses the current directory as the workspace by default', async () => {
    const ws = tempDir();
    write(path.join(ws, 'workflows'), 'legacy.json', doc('legacy-flow'));
    const run = await runCli(['list'], { cwd: ws });
    expect(run.stdout).toMatch(/^legacy-flow\s+Workflow legacy-flow\s+project\s+other$/m);
  });

  it('shows invalid files, skipped files and missing directories', async () => {
    const ws = tempDir();
    const missing = path.join(tempDir(), 'gone');
    write(path.join(ws, '.workrail', 'workflows'), 'quick.json', doc('wr.quick-task'));
    write(path.join(ws, '.workrail', 'workflows'), 'broken.json', '{');
    const run = await runCli(['list', '--workspace', ws], { env: { WORKFLOW_STORAGE_PATH: missing } });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Invalid workflow files (not listed):');
    expect(run.stdout).toContain('quick.json (project, a valid lower-priority copy is used instead)');
    expect(run.stdout).toContain('[workflow-id-reserved]');
    expect(run.stdout).toMatch(/WORKFLOW_FILE_SKIPPED: .*broken\.json: skipped, not valid JSON/);
    expect(run.stdout).toContain(`Missing source directories:\n  ${missing}`);
  });

  it('prints the list_workflows response with sources as JSON with --json', async () => {
    const run = await runCli(['list', '--json']);
    const output = JSON.parse(run.stdout);
    expect(output.workflows.map((item: { workflowId: string }) => item.workflowId)).toContain('wr.quick-task');
    expect(output.sources[0]).toMatchObject({
      sourceKey: 'bundled',
      kind: 'bundled',
      totalWorkflowCount: bundledDocuments().length,
    });
  });

  it('lists nothing bundled when WORKFLOW_INCLUDE_BUNDLED=false', async () => {
    const run = await runCli(['list', '--json'], { env: { WORKFLOW_INCLUDE_BUNDLED: 'false' } });
    expect(JSON.parse(run.stdout).workflows).toEqual([]);
  });
});
