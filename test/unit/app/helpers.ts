import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createApp } from '../../../src/app/create-app.js';
import type { AppDeps } from '../../../src/app/deps.js';

const temporaryDirs: string[] = [];

afterEach(() => {
  for (const dir of temporaryDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-app-'));
  temporaryDirs.push(dir);
  return dir;
}

/** Fresh deps over a temporary WORKRAIL_HOME and a fixed clock. */
export function testDeps(env: Record<string, string> = {}): { deps: AppDeps; home: string } {
  const home = tempDir();
  return { deps: createApp({ env: { WORKRAIL_HOME: home, ...env }, clock: { now: () => 1_700_000_000_000 } }), home };
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
