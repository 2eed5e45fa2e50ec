// The bearer token of the daemon's /api/v2 write endpoints (docs/worktrain.md §5.1): WORKTRAIN_API_TOKEN if set,
// else `~/.workrail/api-token` (32 random bytes, hex, mode 0600), created on first start.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export function apiTokenPath(workrailHome: string): string {
  return path.join(workrailHome, 'api-token');
}

/** Reads the token, creating the file when it is missing. */
export function loadOrCreateApiToken(
  workrailHome: string,
  env: { readonly [name: string]: string | undefined },
): string {
  const fromEnv = env.WORKTRAIN_API_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const file = apiTokenPath(workrailHome);
  const existing = readApiToken(workrailHome, {});
  if (existing !== null) return existing;
  mkdirSync(workrailHome, { recursive: true });
  const token = randomBytes(32).toString('hex');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return token;
}

/** The token the CLI sends, or null when none exists yet. */
export function readApiToken(
  workrailHome: string,
  env: { readonly [name: string]: string | undefined },
): string | null {
  const fromEnv = env.WORKTRAIN_API_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    const text = readFileSync(apiTokenPath(workrailHome), 'utf8').trim();
    return text === '' ? null : text;
  } catch {
    return null;
  }
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1]?.trim();
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
