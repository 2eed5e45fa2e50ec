// Fresh identifiers and random bytes (docs: mcp-protocol.md §1): the only place, with create-app.ts, where
// randomness lives. Everything else receives `ids` through deps, so tests can make ids deterministic.
import { randomFillSync } from 'node:crypto';
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
/** Bytes drawn from the OS CSPRNG at once; one call serves about 200 ids instead of one. */
const POOL_BYTES = 4096;

/** Ids over `randomBytes` (default: the OS CSPRNG, drawn through a pool). Every id matches `^[a-z]+_[a-z2-7]{20}$`. */
export function createIds(randomBytes: RandomBytes = pooledRandomBytes()): Ids {
  return {
    randomBytes,
    newId(prefix) {
      const bytes = randomBytes(ID_CHARS);
      let body = '';
      for (let i = 0; i < ID_CHARS; i++) body += ALPHABET[bytes[i]! & 31];
      return `${prefix}_${body}`;
    },
  };
}

/**
 * The OS CSPRNG read in blocks of POOL_BYTES: each call returns unused bytes of the current block, never the same byte
 * twice. A block is never refilled in place (a spent block is replaced by a new one), so returned views stay valid.
 */
export function pooledRandomBytes(): RandomBytes {
  let pool = Buffer.alloc(0);
  let used = 0;
  return (size) => {
    if (size > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(size));
    if (used + size > pool.length) {
      pool = randomFillSync(Buffer.allocUnsafe(POOL_BYTES));
      used = 0;
    }
    const bytes = pool.subarray(used, used + size);
    used += size;
    return bytes;
  };
}
