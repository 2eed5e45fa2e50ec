// Fresh identifiers and random bytes (docs: mcp-protocol.md §1): the only place, with create-app.ts, where
// randomness lives. Everything else receives `ids` through deps, so tests can make ids deterministic.
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { RandomBytes } from '../tokens/index.js';

export type IdPrefix = 'sess' | 'run' | 'node' | 'attempt' | 'evt';

/** Makes opaque prefixed ids and supplies random bytes for token nonces and keys. */
export interface Ids {
  /** A fresh `<prefix>_<20 lowercase base32 characters>` id (100 random bits). */
  newId<P extends IdPrefix>(prefix: P): `${P}_${string}`;
  readonly randomBytes: RandomBytes;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const ID_CHARS = 20;

/** Ids over `randomBytes` (default: the OS CSPRNG). Every id matches `^[a-z]+_[a-z2-7]{20}$`. */
export function createIds(randomBytes: RandomBytes = (size) => cryptoRandomBytes(size)): Ids {
  return {
    randomBytes,
    newId(prefix) {
      const bytes = randomBytes(ID_CHARS);
      let body = '';
      for (const byte of bytes) body += ALPHABET[byte & 31];
      return `${prefix}_${body}`;
    },
  };
}
