// Shared setup of the delivery tests: a captured pino logger and a session worktree on a real bare origin.

import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { setupWorktree } from '../../src/daemon/delivery/worktree-setup.js';
import type { Logger } from '../../src/daemon/logger.js';
import { gitRemoteWorkspace } from '../support/git-remote.js';
import { tempDir } from '../support/worktrain-harness.js';

export function captureLogger(): { log: Logger; text: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return { log: pino({ level: 'debug' }, destination), text: () => text };
}

export interface SessionWorktree {
  readonly workspace: string;
  readonly remote: string;
  readonly worktreePath: string;
  readonly branch: string;
  readonly sessionId: string;
  readonly log: Logger;
  readonly logs: () => string;
}

/** A bare origin, its clone, and a `worktree` strategy session worktree on `worktrain/<sessionId>`. */
export async function sessionWorktree(cleanups: (() => unknown)[], sessionId = 'wt_s1'): Promise<SessionWorktree> {
  const { workspace, remote } = gitRemoteWorkspace(cleanups);
  const home = tempDir(cleanups, 'worktrain-home-');
  const { log, text } = captureLogger();
  const setup = await setupWorktree({
    workspacePath: workspace,
    sessionId,
    strategy: 'worktree',
    baseBranch: undefined,
    branchPrefix: 'worktrain/',
    worktreesDir: path.join(home, 'worktrees'),
    log,
  });
  if (!setup.ok) throw new Error(setup.error);
  return {
    workspace,
    remote,
    worktreePath: setup.worktreePath,
    branch: setup.branch ?? '',
    sessionId,
    log,
    logs: text,
  };
}
