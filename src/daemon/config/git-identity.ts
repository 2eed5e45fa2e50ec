// The commit identity of delivery (docs/worktrain.md §2.2, §8.3): config.json `gitAuthorName`, `gitAuthorEmail`
// and `gitSign`, used when the repository has no identity of its own. A missing or unreadable file means none.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { GitIdentity } from '../delivery/commit.js';

export function readGitIdentity(workrailHome: string): GitIdentity {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path.join(workrailHome, 'config.json'), 'utf8'));
  } catch {
    return {};
  }
  const config = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { [key: string]: unknown };
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : undefined);
  const sign = config.gitSign;
  const name = text(config.gitAuthorName);
  const email = text(config.gitAuthorEmail);
  return {
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
    ...(sign === true || sign === 'true' ? { sign: true } : sign === false || sign === 'false' ? { sign: false } : {}),
  };
}
