import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/worktrain.js';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

describe('worktrain console', () => {
  it('serves the same console as workrail console until stopped, then removes its lock', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'worktrain-console-'));
    homes.push(home);
    let stdout = '';
    let printed: (url: string) => void = () => {};
    const urlPrinted = new Promise<string>((resolve) => {
      printed = resolve;
    });
    const io: CliIo = {
      stdout: (text) => {
        stdout += text;
        const match = /WorkRail console: (http:\/\/127\.0\.0\.1:\d+\/console\/)/.exec(stdout);
        if (match?.[1] !== undefined) printed(match[1]);
      },
      stderr: () => {},
      env: { WORKRAIL_HOME: home, HOME: home, WORKFLOW_INCLUDE_BUNDLED: 'false' },
      cwd: home,
    };
    let stop: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const parsed = main(['console', '--port', '0'], io, () => stopped);
    const url = await urlPrinted;
    const health = await fetch(new URL('/api/v2/health', url));
    expect(health.status).toBe(200);
    const sessions = await fetch(new URL('/api/v2/sessions', url));
    expect(await sessions.json()).toMatchObject({ success: true, data: { sessions: [], totalCount: 0 } });
    expect(existsSync(path.join(home, 'console.lock'))).toBe(true);
    stop();
    expect(await parsed).toBe(0);
    expect(existsSync(path.join(home, 'console.lock'))).toBe(false);
  });
});
