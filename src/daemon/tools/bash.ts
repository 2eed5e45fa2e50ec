// Bash (docs/worktrain.md §6.3, §6.4): `/bin/bash -c` in its own process group, cwd inside the root, stdin from
// /dev/null and an allowlisted environment. Output is merged, middle-truncated and ends with the exit line.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULTS } from '../defaults.js';
import { confinePath } from './confine.js';
import { type AgentTool, defineTool, errorResult, okResult } from './tool.js';
import { truncateMiddle } from './truncate.js';

const KILL_GRACE_MS = 5000;
const DELIVERY_COMMANDS = /\bgit\s+push\b|\bgh\s+pr\s+create\b/;

export const bashTool: AgentTool = defineTool(
  'Bash',
  'Run a shell command in the workspace. Returns merged stdout/stderr and the exit code.',
  z.object({
    command: z.string().min(1),
    cwd: z.string().optional().describe('Directory relative to the workspace root'),
    timeoutSeconds: z
      .number()
      .positive()
      .max(DEFAULTS.bashMaxTimeoutSeconds)
      .optional()
      .describe(`Default ${DEFAULTS.bashTimeoutSeconds}`),
  }),
  async (input, ctx) => {
    if (DELIVERY_COMMANDS.test(input.command)) {
      return errorResult('Bash: git push and gh pr create are refused; delivery does this after the workflow');
    }
    const cwd = confinePath('Bash', input.cwd ?? '.', ctx.root, ctx.rootReal);
    if (!cwd.ok) return errorResult(cwd.error);
    if (!isDirectory(cwd.path)) return errorResult(`Bash: cwd '${input.cwd}' is not a directory`);
    const timeoutSeconds = input.timeoutSeconds ?? DEFAULTS.bashTimeoutSeconds;
    const result = await runShell(input.command, cwd.path, ctx.bashEnv, timeoutSeconds * 1000, ctx.signal);
    const last =
      result.ending === 'timeout'
        ? `[timed out after ${timeoutSeconds}s]`
        : result.ending === 'killed'
          ? '[killed]'
          : `[exit code: ${result.code}]`;
    return okResult(`${truncateMiddle(result.output)}\n${last}`);
  },
);

interface ShellResult {
  readonly output: string;
  readonly code: number | null;
  readonly ending: 'exit' | 'timeout' | 'killed';
}

function runShell(
  command: string,
  cwd: string,
  env: { readonly [name: string]: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<ShellResult> {
  return new Promise((resolve) => {
    const child = spawn('/bin/bash', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const append = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.length > 4 * DEFAULTS.toolResultMaxChars)
        output = truncateMiddle(output, 2 * DEFAULTS.toolResultMaxChars);
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    let ending: ShellResult['ending'] = 'exit';
    let forceTimer: NodeJS.Timeout | undefined;
    const stop = (why: 'timeout' | 'killed') => {
      ending = why;
      killGroup(child.pid, 'SIGTERM');
      forceTimer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const timer = setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('killed');
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    child.on('close', (code) => {
      clearTimeout(timer);
      if (forceTimer !== undefined) clearTimeout(forceTimer);
      signal.removeEventListener('abort', onAbort);
      resolve({ output, code, ending });
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve({ output: `${output}${error.message}`, code: null, ending });
    });
  });
}

function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    // the group already exited
  }
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The environment Bash sees (§6.4): an allowlist, never a secret or a WORKRAIL_/WORKTRAIN_ setting. */
export function bashEnvironment(
  env: { readonly [name: string]: string | undefined },
  session: { readonly sessionId: string; readonly tmpDir: string },
): { [name: string]: string } {
  const out: { [name: string]: string } = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (['PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'TERM', 'TZ'].includes(name) || name.startsWith('LC_')) {
      out[name] = value;
    }
  }
  return {
    ...out,
    TMPDIR: session.tmpDir,
    CI: 'true',
    GIT_TERMINAL_PROMPT: '0',
    WORKTRAIN_SESSION_ID: session.sessionId,
  };
}
