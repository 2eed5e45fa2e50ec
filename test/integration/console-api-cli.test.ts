import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const homes: string[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

const SCRIPT =
  "const { main } = await import('./src/cli/workrail.ts'); process.exitCode = await main(process.argv.slice(1));";

describe('workrail console', () => {
  it('prints its URL, serves the API until SIGTERM, then exits 0 and removes its lock', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-console-cli-'));
    homes.push(home);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'console', '--port', '0'],
      { env: { ...process.env, WORKRAIL_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /WorkRail console: (http:\/\/127\.0\.0\.1:\d+\/console\/)/.exec(out);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    const health = await fetch(new URL('/api/v2/health', url));
    expect(health.status).toBe(200);
    expect(existsSync(path.join(home, 'console.lock'))).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(existsSync(path.join(home, 'console.lock'))).toBe(false);
  });

  it('rejects a bad --port with a usage error', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-console-cli-'));
    homes.push(home);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', SCRIPT, 'console', '--port', 'http'],
      { env: { ...process.env, WORKRAIL_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(2);
    expect(err).toContain('--port must be an integer');
  });
});
