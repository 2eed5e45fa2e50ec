import type { AppDeps } from '../app/deps.js';

/** Where the CLI writes and what it reads from its process; injectable so tests run `main` in process. */
export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: { readonly [name: string]: string | undefined };
  readonly cwd: string;
}

/** What every command receives: its io, the app's deps (built on first use) and a way to set the exit code. */
export interface CommandContext {
  readonly io: CliIo;
  readonly deps: () => AppDeps;
  readonly setExitCode: (code: number) => void;
}

/** Exit codes of the `workrail` CLI. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export function processIo(): CliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
  };
}
