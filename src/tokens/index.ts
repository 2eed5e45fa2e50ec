// tokens/ — the keyring and the short opaque tokens of docs/mcp-protocol.md §3.
//
// - `loadOrCreateKeyring(dir, randomBytes)` reads `<dir>/keyring.json` (mode 0600), creating it once on first use;
//   `rotateKeyring` moves the current key to `previous`. `resolveKeysDir(env, dataDir)` picks the directory.
// - `mintToken(kind, keyring, randomBytes)` returns `ct_…`, `ck_…` or `st_…` (27 characters); `mintTokenPair` the
//   ct_/ck_ pair of an attempt, which share one nonce (each with its own tag).
// - `verifyToken(token, keyring)` checks format, then the HMAC against the current and previous keys, and returns a
//   Result with `TOKEN_INVALID_FORMAT`, `TOKEN_UNSUPPORTED_VERSION` or `TOKEN_BAD_SIGNATURE` on failure.
//
// Tokens carry no session data: the store keeps one record per token (`TokenRecord` in store/), and the use case
// looks the record up, then checks scope and workflow hash. Randomness is always passed in; nothing here reads a
// clock or calls Math.random. Only keyring.ts touches the disk.
export type { Keyring, RandomBytes } from './keyring.js';
export { KEY_BYTES, KEYRING_FILE, loadOrCreateKeyring, resolveKeysDir, rotateKeyring } from './keyring.js';
export type {
  CheckpointToken,
  ContinueToken,
  StateToken,
  Token,
  TokenError,
  TokenErrorCode,
  TokenKind,
  TokenOfKind,
  VerifyResult,
} from './tokens.js';
export { mintToken, mintTokenPair, TOKEN_PATTERN, verifyToken } from './tokens.js';
