// The HMAC keyring of docs/mcp-protocol.md §3: a current and an optional previous 32-byte key in one JSON file
// (mode 0600, directory 0700). The file is created once, atomically, even when several processes start together.
import { chmodSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const KEY_BYTES = 32;
export const KEYRING_FILE = 'keyring.json';

/** The keys tokens are signed with. `previous` still verifies tokens after a rotation. */
export interface Keyring {
  readonly current: Uint8Array;
  readonly previous: Uint8Array | null;
}

/** Source of randomness, injected so callers (and tests) decide where bytes come from. */
export type RandomBytes = (size: number) => Uint8Array;

interface KeyringFile {
  readonly v: 1;
  readonly current: string;
  readonly previous: string | null;
}

/** `WORKRAIL_KEYS_DIR`, else `<dataDir>/keys`. */
export function resolveKeysDir(env: NodeJS.ProcessEnv, dataDir: string): string {
  const configured = env.WORKRAIL_KEYS_DIR;
  return configured !== undefined && configured !== '' ? configured : join(dataDir, 'keys');
}

/**
 * Reads `<dir>/keyring.json`, creating it with a fresh key on first use. Concurrent first calls from several
 * processes all end up with the same keyring: the file appears by an exclusive hard link, and losers re-read it.
 * Throws on I/O failures and on a file that is not a keyring (an infrastructure fault, never silently replaced).
 */
export function loadOrCreateKeyring(dir: string, randomBytes: RandomBytes): Keyring {
  const path = join(dir, KEYRING_FILE);
  const existing = readKeyringFile(path);
  if (existing !== null) return existing;

  ensurePrivateDir(dir);
  const tmp = writeTempFile(dir, { v: 1, current: encodeKey(randomBytes(KEY_BYTES)), previous: null }, randomBytes);
  try {
    linkSync(tmp, path);
  } catch (error) {
    if (!isErrno(error, 'EEXIST')) throw error;
  } finally {
    unlinkSync(tmp);
  }
  const created = readKeyringFile(path);
  if (created === null) throw new Error(`keyring ${path} vanished right after creation`);
  return created;
}

/** Moves the current key to `previous` and installs a fresh current key (atomic replace). Returns the new keyring. */
export function rotateKeyring(dir: string, randomBytes: RandomBytes): Keyring {
  const path = join(dir, KEYRING_FILE);
  const old = loadOrCreateKeyring(dir, randomBytes);
  const next: KeyringFile = { v: 1, current: encodeKey(randomBytes(KEY_BYTES)), previous: encodeKey(old.current) };
  renameSync(writeTempFile(dir, next, randomBytes), path);
  return decodeKeyring(next, path);
}

function readKeyringFile(path: string): Keyring | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw error;
  }
  return decodeKeyring(JSON.parse(text) as KeyringFile, path);
}

function decodeKeyring(file: KeyringFile, path: string): Keyring {
  if (file?.v !== 1 || typeof file.current !== 'string') throw new Error(`${path} is not a WorkRail keyring`);
  const current = decodeKey(file.current, path);
  const previous = typeof file.previous === 'string' ? decodeKey(file.previous, path) : null;
  return { current, previous };
}

function decodeKey(text: string, path: string): Uint8Array {
  const key = new Uint8Array(Buffer.from(text, 'base64url'));
  if (key.length !== KEY_BYTES) throw new Error(`${path} holds a key of ${key.length} bytes, expected ${KEY_BYTES}`);
  return key;
}

function encodeKey(key: Uint8Array): string {
  if (key.length !== KEY_BYTES) throw new Error(`randomBytes returned ${key.length} bytes, expected ${KEY_BYTES}`);
  return Buffer.from(key).toString('base64url');
}

function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Writes the keyring to a uniquely named sibling file with mode 0600 and fsyncs it; returns its path. */
function writeTempFile(dir: string, file: KeyringFile, randomBytes: RandomBytes): string {
  ensurePrivateDir(dir);
  const tmp = join(dir, `.${KEYRING_FILE}.${process.pid}.${Buffer.from(randomBytes(6)).toString('hex')}.tmp`);
  writeFileSync(tmp, JSON.stringify(file), { mode: 0o600, flag: 'wx', flush: true });
  return tmp;
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
