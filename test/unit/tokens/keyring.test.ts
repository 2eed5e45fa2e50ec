import { spawn } from 'node:child_process';
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadOrCreateKeyring, resolveKeysDir, rotateKeyring } from '../../../src/tokens/index.js';

const randomBytes = (size: number) => new Uint8Array(nodeRandomBytes(size));
const freshDir = () => join(mkdtempSync(join(tmpdir(), 'workrail-keys-')), 'keys');
const keyringModule = fileURLToPath(new URL('../../../src/tokens/keyring.ts', import.meta.url));

describe('keyring', () => {
  it('creates keyring.json on first use with mode 0600 inside a 0700 directory', () => {
    const dir = freshDir();
    const keyring = loadOrCreateKeyring(dir, randomBytes);
    expect(keyring.current).toHaveLength(32);
    expect(keyring.previous).toBeNull();
    expect(statSync(join(dir, 'keyring.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('returns the same keys on every later load and leaves no temporary files', () => {
    const dir = freshDir();
    const first = loadOrCreateKeyring(dir, randomBytes);
    const second = loadOrCreateKeyring(dir, randomBytes);
    expect(Buffer.from(second.current).equals(Buffer.from(first.current))).toBe(true);
    expect(readdirSync(dir)).toEqual(['keyring.json']);
  });

  it('rotation moves the current key to previous and installs a new current key', () => {
    const dir = freshDir();
    const before = loadOrCreateKeyring(dir, randomBytes);
    const rotated = rotateKeyring(dir, randomBytes);
    expect(Buffer.from(rotated.previous!).equals(Buffer.from(before.current))).toBe(true);
    expect(Buffer.from(rotated.current).equals(Buffer.from(before.current))).toBe(false);
    const reloaded = loadOrCreateKeyring(dir, randomBytes);
    expect(Buffer.from(reloaded.current).equals(Buffer.from(rotated.current))).toBe(true);
    expect(statSync(join(dir, 'keyring.json')).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not a keyring instead of replacing it', () => {
    const dir = freshDir();
    loadOrCreateKeyring(dir, randomBytes);
    writeFileSync(join(dir, 'keyring.json'), JSON.stringify({ v: 1, current: 'short' }));
    expect(() => loadOrCreateKeyring(dir, randomBytes)).toThrow(/expected 32/);
  });

  it('uses WORKRAIL_KEYS_DIR when set, else <dataDir>/keys', () => {
    expect(resolveKeysDir({ WORKRAIL_KEYS_DIR: '/k' }, '/data')).toBe('/k');
    expect(resolveKeysDir({}, '/data')).toBe(join('/data', 'keys'));
  });

  it('ends with one keyring when several processes create it at the same time', async () => {
    const dir = freshDir();
    const script = `
      const { loadOrCreateKeyring } = await import(${JSON.stringify(keyringModule)});
      const { randomBytes } = await import('node:crypto');
      const k = loadOrCreateKeyring(${JSON.stringify(dir)}, (n) => new Uint8Array(randomBytes(n)));
      process.stdout.write(Buffer.from(k.current).toString('base64url'));`;
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => {
          out += d;
        });
        child.stderr.on('data', (d) => {
          err += d;
        });
        child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err))));
      });
    const keys = await Promise.all(Array.from({ length: 6 }, run));
    expect(new Set(keys).size).toBe(1);
    expect(Buffer.from(loadOrCreateKeyring(dir, randomBytes).current).toString('base64url')).toBe(keys[0]);
    expect(readdirSync(dir)).toEqual(['keyring.json']);
  });
});
