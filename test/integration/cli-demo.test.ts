import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/commands/demo.js';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin', 'workrail.mjs');
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-demo-test-'));
  dirs.push(dir);
  return dir;
}

beforeAll(() => {
  if (!existsSync(path.join(root, 'dist', 'cli', 'workrail.js'))) {
    throw new Error('dist/ is missing: run `npm run build` before this test (npm test does).');
  }
});

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('workrail demo', () => {
  it('plays start, advances, a blocked step, its retry and a resume, and exits 0 without touching $HOME', () => {
    const home = tempDir();
    const tmp = tempDir();
    const result = spawnSync(process.execPath, [bin, 'demo'], {
      cwd: root,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: home,
        WORKRAIL_HOME: path.join(home, '.workrail'),
        WORKRAIL_DATA_DIR: path.join(home, 'data'),
        TMPDIR: tmp,
      },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    const out = result.stdout;
    const headers = out.split('\n').filter((line) => line.startsWith('── → '));
    expect(headers.map((line) => /calls (\w+)/.exec(line)?.[1])).toEqual([
      'start_workflow',
      'continue_workflow',
      'continue_workflow',
      'continue_workflow',
      'resume_session',
      'continue_workflow',
      'continue_workflow',
    ]);
    for (const title of ['# Find the cause', '# Fix it and review your diff', '# Hand over']) {
      expect(out).toContain(`\n${title}\n`);
    }
    expect(out).toContain('# Blocked: Fix it and review your diff');
    expect(out).toContain('**MISSING_REQUIRED_OUTPUT**');
    expect(out).toContain('Retry with this call (the complete output again):');
    expect(out).toMatch(/continue_workflow again with the new token[^\n]*\n\n# Hand over\n/);
    expect(out).toContain('# Sessions to resume (1 of 1)');
    expect(out).toMatch(/"continueToken": "st_[\w-]+",\n\s+"intent": "rehydrate"/);
    expect(out).toContain('# Hand over (resumed)');
    expect(out).toContain('## Recovery context');
    expect(out).toContain('# Workflow complete');

    expect(readdirSync(home)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('keeps the store and workspace in --dir', async () => {
    const dir = path.join(tempDir(), 'kept');
    let out = '';
    const code = await runDemo(
      { stdout: (text) => (out += text), stderr: (text) => (out += text), env: {}, cwd: root },
      { dir },
    );
    expect(code).toBe(0);
    expect(out).toContain(`Store and workspace: ${dir}\n`);
    expect(existsSync(path.join(dir, 'home', 'data', 'workrail.db'))).toBe(true);
    expect(existsSync(path.join(dir, 'workspace', '.workrail', 'workflows', 'fix-flaky-test.json'))).toBe(true);
  });
});

describe('workrail on a terminal', () => {
  const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
  it.skipIf(script.status !== 0)('says on stderr that the server is ready and prints nothing on stdout', () => {
    const home = tempDir();
    const stderrFile = path.join(home, 'stderr.txt');
    // script(1) gives the server a pseudo-terminal for stdin and stdout; its stdout is what the terminal shows.
    const result = spawnSync('script', ['-qec', `"${process.execPath}" "${bin}" 2>"${stderrFile}"`, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      input: '',
      timeout: 10_000,
      env: { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home },
    });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe('');
    const stderr = readFileSync(stderrFile, 'utf8');
    expect(stderr).toContain('MCP server ready on stdio');
    expect(stderr).toContain('workrail demo');
  });
});
