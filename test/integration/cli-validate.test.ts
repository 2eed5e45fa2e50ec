import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledWorkflowsDir } from '../../src/workflow/sources.js';
import { bundledDocuments } from '../support/bundled.js';
import { doc, runCli, tempDir, write } from './cli-helpers.js';

describe('workrail validate', () => {
  it('prints OK for a valid file and exits 0', async () => {
    const dir = tempDir();
    write(dir, 'demo.json', doc('acme.demo'));
    const run = await runCli(['validate', 'demo.json'], { cwd: dir });
    expect(run).toEqual({ code: 0, stdout: 'OK demo.json\n', stderr: '' });
  });

  it('prints FAIL and one line per issue with its pointer and rule, and exits 1', async () => {
    const dir = tempDir();
    write(dir, 'bad.json', doc('acme.bad', { version: '1.0', steps: [{ id: 'step-one', title: 'One' }] }));
    const run = await runCli(['validate', 'bad.json'], { cwd: dir });
    expect(run.code).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('FAIL bad.json');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^ {2}\/version: .+ \[version-semver\]$/),
      expect.stringMatching(/^ {2}\/steps\/0: .+ \[prompt-source-missing\]$/),
    ]);
  });

  it('expands directories recursively and exits 1 when any file is invalid', async () => {
    const dir = tempDir();
    write(dir, 'flows/good.json', doc('acme.good'));
    write(dir, 'flows/nested/broken.json', '{');
    const run = await runCli(['validate', 'flows'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('OK flows/good.json\n');
    expect(run.stdout).toContain(`FAIL ${path.join('flows', 'nested', 'broken.json')}\n`);
    expect(run.stdout).toContain('[json-syntax]');
  });

  it('prints {"results": [...]} with --json', async () => {
    const dir = tempDir();
    const file = write(dir, 'bad.json', doc('acme.bad', { version: '1.0' }));
    const run = await runCli(['validate', '--json', file], { cwd: dir });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual({
      results: [
        {
          file,
          valid: false,
          workflowId: 'acme.bad',
          issues: [{ path: '/version', message: expect.any(String), rule: 'version-semver' }],
          suggestions: [],
        },
      ],
    });
  });

  it('rejects wr. ids unless --bundled is given', async () => {
    const dir = tempDir();
    write(dir, 'reserved.json', doc('wr.reserved'));
    const plain = await runCli(['validate', 'reserved.json'], { cwd: dir });
    expect(plain.code).toBe(1);
    expect(plain.stdout).toContain('[workflow-id-reserved]');
    expect((await runCli(['validate', '--bundled', 'reserved.json'], { cwd: dir })).code).toBe(0);
  });

  it('validates the bundled library with --bundled', async () => {
    const run = await runCli(['validate', '--bundled', bundledWorkflowsDir()]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n').filter((line) => line.startsWith('OK '))).toHaveLength(bundledDocuments().length);
  });

  it('exits 2 with a clear message and no stack trace for a missing file', async () => {
    const run = await runCli(['validate', 'nope.json']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('workrail validate: no such file or directory: nope.json\n');
  });

  it('exits 2 without arguments or with an unknown option', async () => {
    const noPaths = await runCli(['validate']);
    expect(noPaths.code).toBe(2);
    expect(noPaths.stderr).toContain("missing required argument 'paths'");
    const unknown = await runCli(['validate', '--strict', 'x.json']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--strict'");
    expect(unknown.stderr).not.toContain('    at ');
  });

  it('prints help with --help and exits 0', async () => {
    const run = await runCli(['validate', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: workrail validate [options] <paths...>');
    expect(run.stdout).toContain('--bundled');
  });
});
