// Short opaque tokens of docs/mcp-protocol.md §3: prefix + 24 base64url characters encoding a 12-byte nonce and the
// first 6 bytes of HMAC-SHA256(key, nonce ‖ kind byte). A token carries no session data; the store maps it to a record.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Keyring, RandomBytes } from './keyring.js';

export type TokenKind = 'continue' | 'checkpoint' | 'state';
export type ContinueToken = `ct_${string}`;
export type CheckpointToken = `ck_${string}`;
export type StateToken = `st_${string}`;
export type Token = ContinueToken | CheckpointToken | StateToken;
export type TokenOfKind<K extends TokenKind> = K extends 'continue'
  ? ContinueToken
  : K extends 'checkpoint'
    ? CheckpointToken
    : StateToken;

export type TokenErrorCode = 'TOKEN_INVALID_FORMAT' | 'TOKEN_UNSUPPORTED_VERSION' | 'TOKEN_BAD_SIGNATURE';
export interface TokenError {
  readonly code: TokenErrorCode;
  readonly message: string;
}
export type VerifyResult =
  | { readonly ok: true; readonly value: { readonly kind: TokenKind; readonly token: Token } }
  | { readonly ok: false; readonly error: TokenError };

export const TOKEN_PATTERN = /^(ct|ck|st)_[A-Za-z0-9_-]{24}$/;
const LEGACY_PATTERN = /^(st1|ack1|chk1)[A-Za-z0-9_-]{8,}$/;
const NONCE_BYTES = 12;
const TAG_BYTES = 6;

const PREFIX_OF: { readonly [K in TokenKind]: string } = { continue: 'ct', checkpoint: 'ck', state: 'st' };
const KIND_OF_PREFIX: { readonly [prefix: string]: TokenKind } = { ct: 'continue', ck: 'checkpoint', st: 'state' };
const KIND_BYTE: { readonly [K in TokenKind]: number } = { continue: 0x04, checkpoint: 0x03, state: 0x01 };

/** Mints a fresh token of `kind`, signed with the keyring's current key. The caller stores its record. */
export function mintToken<K extends TokenKind>(kind: K, keyring: Keyring, randomBytes: RandomBytes): TokenOfKind<K> {
  return signed(kind, keyring, freshNonce(randomBytes));
}

/**
 * Mints the ct_/ck_ pair of one attempt over one nonce (the store keeps one row per nonce). Each token keeps its own
 * tag, since the kind byte differs, so neither passes for the other.
 */
export function mintTokenPair(
  keyring: Keyring,
  randomBytes: RandomBytes,
): { readonly continueToken: ContinueToken; readonly checkpointToken: CheckpointToken } {
  const nonce = freshNonce(randomBytes);
  return { continueToken: signed('continue', keyring, nonce), checkpointToken: signed('checkpoint', keyring, nonce) };
}

function freshNonce(randomBytes: RandomBytes): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES);
  if (nonce.length !== NONCE_BYTES) throw new Error(`randomBytes returned ${nonce.length} bytes, expected 12`);
  return nonce;
}

function signed<K extends TokenKind>(kind: K, keyring: Keyring, nonce: Uint8Array): TokenOfKind<K> {
  const body = Buffer.concat([nonce, tag(keyring.current, nonce, kind)]).toString('base64url');
  return `${PREFIX_OF[kind]}_${body}` as TokenOfKind<K>;
}

/**
 * Checks a token's format and signature (current key, then previous), in the order of docs/mcp-protocol.md §3.
 * Returns its kind on success. Record lookup, scope and workflow-hash checks belong to the caller.
 */
export function verifyToken(token: string, keyring: Keyring): VerifyResult {
  if (!TOKEN_PATTERN.test(token)) {
    if (LEGACY_PATTERN.test(token)) {
      return fail('TOKEN_UNSUPPORTED_VERSION', 'This is a WorkRail 3.x token; start or resume the session again.');
    }
    return fail(
      'TOKEN_INVALID_FORMAT',
      'Tokens look like ct_, ck_ or st_ followed by 24 characters; pass them back exactly.',
    );
  }
  const kind = KIND_OF_PREFIX[token.slice(0, 2)]!;
  const bytes = Buffer.from(token.slice(3), 'base64url');
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const presented = bytes.subarray(NONCE_BYTES);
  const keys = keyring.previous === null ? [keyring.current] : [keyring.current, keyring.previous];
  for (const key of keys) {
    if (timingSafeEqual(presented, tag(key, nonce, kind))) return { ok: true, value: { kind, token: token as Token } };
  }
  return fail('TOKEN_BAD_SIGNATURE', 'The token was not issued by this server, or was altered.');
}

function tag(key: Uint8Array, nonce: Uint8Array, kind: TokenKind): Buffer {
  return createHmac('sha256', key).update(nonce).update(Uint8Array.of(KIND_BYTE[kind])).digest().subarray(0, TAG_BYTES);
}

function fail(code: TokenErrorCode, message: string): VerifyResult {
  return { ok: false, error: { code, message } };
}
