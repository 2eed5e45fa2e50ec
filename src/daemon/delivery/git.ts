// Git for worktree setup and delivery (docs/worktrain.md §8): always execFile (never a shell), 120 s per command.
// A failing git command is an expected outcome here, so it comes back as a value rather than a thrown error.
import { execFile } from 'node:child_process';

export const GIT_TIMEOUT_MS = 120_000;

export type GitResult =
  | { readonly ok: true; readonly stdout: string; readonly stderr: string }
  | { readonly ok: false; readonly stdout: string; readonly stderr: string; readonly message: string };

/** Runs `git <args>` in `cwd`. `message` on failure is git's stderr (else stdout, else the exit reason), one line. */
export function git(
  cwd: string,
  args: readonly string[],
  options: { readonly env?: { readonly [k: string]: string | undefined } } = {},
): Promise<GitResult> {
  return runTool('git', cwd, args, options);
}

/** Runs another program (gitleaks) the same way as git: execFile, 120 s, failure as a value. */
export function runTool(
  file: string,
  cwd: string,
  args: readonly string[],
  options: { readonly env?: { readonly [k: string]: string | undefined } } = {},
): Promise<GitResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd,
        timeout: GIT_TIMEOUT_MS,
        maxBuffer: 64 * 1024 * 1024,
        encoding: 'utf8',
        env: { ...process.env, GIT_TERMINAL_PROMPT: '0', ...options.env },
      },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ ok: true, stdout, stderr });
          return;
        }
        const reason = error.killed ? `${file} ${args[0]} timed out after ${GIT_TIMEOUT_MS / 1000} s` : error.message;
        const message = oneLine(stderr) || oneLine(stdout) || oneLine(reason);
        resolve({ ok: false, stdout, stderr, message });
      },
    );
  });
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .join('; ');
}
