import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'workrail.mjs');
let home = '';

function workrail(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, WORKRAIL_HOME: home },
  });
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'workrail.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (npm test does).');
  }
  home = mkdtempSync(path.join(tmpdir(), 'workrail-bin-'));
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('the workrail binary', () => {
  it('validates the bundled library and exits 0', () => {
    const result = workrail('validate', '--bundled', 'workflows');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('OK workflows/quick-task.json');
  });

  it('exits 1 when a file is invalid', () => {
    const result = workrail('validate', 'workflows/quick-task.json');
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('[workflow-id-reserved]');
  });

  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    const result = workrail('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('exits 2 with a usage message for an unknown command', () => {
    const result = workrail('frobnicate');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
