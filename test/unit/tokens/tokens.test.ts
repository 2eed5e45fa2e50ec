import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Keyring, TokenKind } from '../../../src/tokens/index.js';
import { mintToken, mintTokenPair, TOKEN_PATTERN, verifyToken } from '../../../src/tokens/index.js';

const golden = JSON.parse(readFileSync(new URL('../../fixtures/tokens/golden.json', import.meta.url), 'utf8')) as {
  keyBase64url: string;
  nonceHex: string;
  tokens: Record<TokenKind, string>;
};

const randomBytes = (size: number) => new Uint8Array(nodeRandomBytes(size));
const newKeyring = (): Keyring => ({ current: randomBytes(32), previous: null });
const KINDS: TokenKind[] = ['continue', 'checkpoint', 'state'];

describe('mintToken', () => {
  it('produces the committed golden token for a fixed key and nonce, for every kind', () => {
    const keyring: Keyring = { current: new Uint8Array(Buffer.from(golden.keyBase64url, 'base64url')), previous: null };
    const nonce = new Uint8Array(Buffer.from(golden.nonceHex, 'hex'));
    for (const kind of KINDS) {
      expect(mintToken(kind, keyring, () => nonce)).toBe(golden.tokens[kind]);
    }
  });

  it('uses the ct_, ck_ and st_ prefixes with 24 base64url characters', () => {
    const keyring = newKeyring();
    expect(mintToken('continue', keyring, randomBytes)).toMatch(/^ct_[A-Za-z0-9_-]{24}$/);
    expect(mintToken('checkpoint', keyring, randomBytes)).toMatch(/^ck_[A-Za-z0-9_-]{24}$/);
    expect(mintToken('state', keyring, randomBytes)).toMatch(/^st_[A-Za-z0-9_-]{24}$/);
  });

  it('mints a different string on every call', () => {
    const keyring = newKeyring();
    const tokens = new Set(Array.from({ length: 100 }, () => mintToken('continue', keyring, randomBytes)));
    expect(tokens.size).toBe(100);
  });
});

describe('verifyToken', () => {
  it('accepts a token it minted and reports its kind', () => {
    const keyring = newKeyring();
    for (const kind of KINDS) {
      const token = mintToken(kind, keyring, randomBytes);
      expect(verifyToken(token, keyring)).toEqual({ ok: true, value: { kind, token } });
    }
  });

  it.each([
    ['an empty string', ''],
    ['a truncated token', 'ct_AAECAwQFBgcICQoL8WmpAyC'],
    ['a token with an extra character', 'ct_AAECAwQFBgcICQoL8WmpAyCKx'],
    ['an unknown prefix', 'xx_AAECAwQFBgcICQoL8WmpAyCK'],
    ['a character outside base64url', 'ct_AAECAwQFBgcICQoL8Wmp+yCK'],
    ['surrounding whitespace', ' ct_AAECAwQFBgcICQoL8WmpAyCK'],
  ])('rejects %s with TOKEN_INVALID_FORMAT', (_name, token) => {
    const result = verifyToken(token, newKeyring());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('TOKEN_INVALID_FORMAT');
  });

  it.each([
    ['st1', 'st1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq'],
    ['ack1', 'ack1zq8rv9sx5u7kqy3wgm2p4t6hd0nfjc8e9a5lkqsw7vzr'],
    ['chk1', 'chk1w0fj3x2k9m8p7q6r5s4t3u2v1wxyz0a9b8c7d6e5f4g3'],
  ])('rejects a WorkRail 3.x %s token with TOKEN_UNSUPPORTED_VERSION', (_name, token) => {
    const result = verifyToken(token, newKeyring());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('TOKEN_UNSUPPORTED_VERSION');
  });

  it('rejects a forged token of the right shape with TOKEN_BAD_SIGNATURE', () => {
    const forged = `ct_${Buffer.from(randomBytes(18)).toString('base64url')}`;
    expect(forged).toMatch(TOKEN_PATTERN);
    const result = verifyToken(forged, newKeyring());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('rejects a token whose nonce was altered by one bit', () => {
    const keyring = newKeyring();
    const bytes = Buffer.from(mintToken('continue', keyring, randomBytes).slice(3), 'base64url');
    bytes[0] = bytes[0]! ^ 1;
    const result = verifyToken(`ct_${bytes.toString('base64url')}`, keyring);
    expect(result.ok ? 'ok' : result.error.code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('rejects a continue token presented with the ck_ or st_ prefix, because the kind is signed', () => {
    const keyring = newKeyring();
    const body = mintToken('continue', keyring, randomBytes).slice(3);
    for (const prefix of ['ck', 'st']) {
      const result = verifyToken(`${prefix}_${body}`, keyring);
      expect(result.ok ? 'ok' : result.error.code).toBe('TOKEN_BAD_SIGNATURE');
    }
  });

  it('rejects a token signed with another key', () => {
    const token = mintToken('state', newKeyring(), randomBytes);
    const result = verifyToken(token, newKeyring());
    expect(result.ok ? 'ok' : result.error.code).toBe('TOKEN_BAD_SIGNATURE');
  });

  it('accepts a token signed with the previous key after a rotation', () => {
    const before = newKeyring();
    const token = mintToken('checkpoint', before, randomBytes);
    const after: Keyring = { current: randomBytes(32), previous: before.current };
    expect(verifyToken(token, after).ok).toBe(true);
  });

  it('rejects a token signed with a key rotated out twice', () => {
    const first = newKeyring();
    const token = mintToken('continue', first, randomBytes);
    const twiceRotated: Keyring = { current: randomBytes(32), previous: randomBytes(32) };
    expect(verifyToken(token, twiceRotated).ok).toBe(false);
  });
});

describe('mintTokenPair', () => {
  it('mints a ct_ and a ck_ over one nonce, each verifying only as its own kind', () => {
    const keyring = newKeyring();
    const { continueToken, checkpointToken } = mintTokenPair(keyring, randomBytes);
    expect(continueToken.slice(3, 19)).toBe(checkpointToken.slice(3, 19));
    expect(continueToken.slice(19)).not.toBe(checkpointToken.slice(19));
    expect(verifyToken(continueToken, keyring)).toEqual({
      ok: true,
      value: { kind: 'continue', token: continueToken },
    });
    expect(verifyToken(checkpointToken, keyring)).toEqual({
      ok: true,
      value: { kind: 'checkpoint', token: checkpointToken },
    });
    // Each tag under the other prefix: signed for the other kind byte, so rejected.
    const swapped = [`ck_${continueToken.slice(3)}`, `ct_${checkpointToken.slice(3)}`];
    for (const token of swapped) {
      const result = verifyToken(token, keyring);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('TOKEN_BAD_SIGNATURE');
    }
  });

  it('matches mintToken for the same nonce', () => {
    const keyring: Keyring = { current: new Uint8Array(Buffer.from(golden.keyBase64url, 'base64url')), previous: null };
    const nonce = new Uint8Array(Buffer.from(golden.nonceHex, 'hex'));
    expect(mintTokenPair(keyring, () => nonce)).toEqual({
      continueToken: golden.tokens.continue,
      checkpointToken: golden.tokens.checkpoint,
    });
  });
});
