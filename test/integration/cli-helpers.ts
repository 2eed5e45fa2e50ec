import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { main } from '../../src/cli/workrail.js';

const temporaryDirs: string[] = [];

afterEach(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-cli-'));
  temporaryDirs.push(dir);
  return dir;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `workrail <argv>` in process with a temporary WORKRAIL_HOME unless `env` sets one. */
export async function runCli(
  argv: readonly string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { WORKRAIL_HOME: tempDir(), ...options.env },
    cwd: options.cwd ?? tempDir(),
  });
  return { code, stdout, stderr };
}

export function doc(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    name: `Workflow ${id}`,
    description: 'A test workflow.',
    version: '1.0.0',
    steps: [{ id: 'step-one', title: 'One', prompt: 'Do it.' }],
    ...extra,
  };
}

export function write(dir: string, relPath: string, content: unknown): string {
  const file = path.join(dir, relPath);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return file;
}
