// Delivery stage 3 (docs/worktrain.md §8.3): one conventional commit of the staged filesChanged, carrying the
// session trailer so a rerun can tell it has already committed.
import { git } from './git.js';
import type { Handoff } from './handoff.js';

export const WORKTRAIN_NAME = 'WorkTrain';
export const WORKTRAIN_EMAIL = 'worktrain@noreply.local';
export const CO_AUTHOR_TRAILER = `Co-authored-by: ${WORKTRAIN_NAME} <${WORKTRAIN_EMAIL}>`;

export interface GitIdentity {
  readonly name?: string;
  readonly email?: string;
  readonly sign?: boolean;
}

export type CommitResult =
  | {
      readonly ok: true;
      readonly status: 'ok' | 'skipped';
      readonly detail: string | null;
      /** The commits on the branch that are not on `origin/<base>`, oldest first. */
      readonly commitShas: readonly string[];
      readonly warnings: readonly string[];
    }
  | { readonly ok: false; readonly error: string };

/** `<type>(<scope>): <subject>`, `<type>: <subject>` without scope; a subject starting `<type>(` is the header. */
export function commitHeader(handoff: Pick<Handoff, 'commitType' | 'commitScope' | 'commitSubject'>): string {
  const { commitType: type, commitScope: scope, commitSubject: subject } = handoff;
  if (subject.startsWith(`${type}(`)) return subject;
  return scope.trim() === '' ? `${type}: ${subject}` : `${type}(${scope.trim()}): ${subject}`;
}

export function sessionTrailer(sessionId: string): string {
  return `Worktrain-Session: ${sessionId}`;
}

export async function commitStaged(input: {
  readonly worktreePath: string;
  readonly sessionId: string;
  readonly baseBranch: string;
  readonly handoff: Handoff;
  readonly gitIdentity: GitIdentity;
}): Promise<CommitResult> {
  const cwd = input.worktreePath;
  const staged = await git(cwd, ['diff', '--cached', '--quiet']);
  const hasStaged = !staged.ok;
  const warnings = await unlistedChanges(cwd, input.handoff.filesChanged);

  if (!hasStaged) {
    const ahead = await commitsAhead(cwd, input.baseBranch);
    if (!ahead.ok) return ahead;
    const headMessage = await git(cwd, ['log', '-1', '--format=%B']);
    if (headMessage.ok && hasTrailer(headMessage.stdout, sessionTrailer(input.sessionId)))
      return { ok: true, status: 'skipped', detail: 'already_committed', commitShas: ahead.shas, warnings };
    if (ahead.shas.length > 0)
      return { ok: true, status: 'skipped', detail: 'nothing_to_commit', commitShas: ahead.shas, warnings };
    return {
      ok: false,
      error: `nothing to commit: the files in filesChanged do not differ from HEAD and the branch has no commits ahead of origin/${input.baseBranch}`,
    };
  }

  const config = await identityConfig(cwd, input.gitIdentity);
  const message = [commitHeader(input.handoff)];
  const body = input.handoff.commitBody?.trim();
  if (body !== undefined && body !== '') message.push(body);
  message.push(`${sessionTrailer(input.sessionId)}\n${CO_AUTHOR_TRAILER}`);
  const committed = await git(cwd, [...config, 'commit', '--quiet', ...message.flatMap((m) => ['-m', m])]);
  if (!committed.ok) {
    const signing = input.gitIdentity.sign !== false && (await signingOn(cwd));
    const hint = signing
      ? ' (commit.gpgsign is on and signing may have failed; set "gitSign": false in config.json to commit unsigned)'
      : '';
    return { ok: false, error: `git commit failed: ${committed.message}${hint}` };
  }
  const ahead = await commitsAhead(cwd, input.baseBranch);
  if (!ahead.ok) return ahead;
  return { ok: true, status: 'ok', detail: null, commitShas: ahead.shas, warnings };
}

/** `-c` options for the identity git lacks (repo config > config.json > WorkTrain) and for `gitSign: false`. */
async function identityConfig(cwd: string, identity: GitIdentity): Promise<string[]> {
  const options: string[] = [];
  const name = await git(cwd, ['config', 'user.name']);
  if (!name.ok || name.stdout.trim() === '') options.push('-c', `user.name=${identity.name ?? WORKTRAIN_NAME}`);
  const email = await git(cwd, ['config', 'user.email']);
  if (!email.ok || email.stdout.trim() === '') options.push('-c', `user.email=${identity.email ?? WORKTRAIN_EMAIL}`);
  if (identity.sign === false) options.push('-c', 'commit.gpgsign=false');
  return options;
}

async function signingOn(cwd: string): Promise<boolean> {
  const sign = await git(cwd, ['config', '--bool', 'commit.gpgsign']);
  return sign.ok && sign.stdout.trim() === 'true';
}

async function commitsAhead(
  cwd: string,
  baseBranch: string,
): Promise<{ ok: true; shas: string[] } | { ok: false; error: string }> {
  const list = await git(cwd, ['rev-list', '--reverse', `refs/remotes/origin/${baseBranch}..HEAD`]);
  if (!list.ok) return { ok: false, error: `git rev-list origin/${baseBranch}..HEAD failed: ${list.message}` };
  return { ok: true, shas: list.stdout.split('\n').filter((s) => s !== '') };
}

function hasTrailer(message: string, trailer: string): boolean {
  return message.split('\n').some((line) => line.trim() === trailer);
}

/** A warning naming changed files the handoff did not list (they stay uncommitted), or nothing. */
async function unlistedChanges(cwd: string, filesChanged: readonly string[]): Promise<string[]> {
  const status = await git(cwd, ['status', '--porcelain', '-z', '--untracked-files=all']);
  if (!status.ok) return [];
  const listed = new Set(filesChanged.map((f) => f.replace(/^\.\//, '')));
  const unlisted: string[] = [];
  const entries = status.stdout.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] ?? '';
    if (entry.length < 4) continue;
    const file = entry.slice(3);
    if (entry[0] === 'R' || entry[0] === 'C') i++; // the rename source follows as its own entry
    if (entry[1] === ' ' && entry[0] !== '?') continue; // staged only: it came from filesChanged
    if (!listed.has(file) && ![...listed].some((l) => file.startsWith(`${l.replace(/\/$/, '')}/`))) unlisted.push(file);
  }
  return unlisted.length === 0 ? [] : [`changed files not in filesChanged (left uncommitted): ${unlisted.join(', ')}`];
}
