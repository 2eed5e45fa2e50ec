import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBundle } from '../../../src/cli/load-bundle.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A CommonJS bundle in a fresh directory. */
function bundle(
  source = "const os = require('node:os');\nmodule.exports.answer = () => [42, typeof os.tmpdir, __filename];\n",
) {
  const dir = mkdtempSync(path.join(tmpdir(), 'workrail-load-bundle-'));
  dirs.push(dir);
  const file = path.join(dir, 'server.cjs');
  writeFileSync(file, source);
  return { dir, file, caches: () => readdirSync(path.join(dir, 'code-cache')) };
}

describe('loadBundle', () => {
  it('runs the file as a CommonJS module', () => {
    const { file } = bundle();
    const answer = loadBundle(file).exports.answer as () => unknown[];
    expect(answer()).toEqual([42, 'function', file]);
  });

  it('saves a code cache once and uses it on the next load instead of saving another', () => {
    const { dir, file, caches } = bundle();
    loadBundle(file).saveCodeCache();
    const [saved] = caches();
    expect(saved).toBeDefined();
    const savedAt = statSync(path.join(dir, 'code-cache', saved!)).mtimeMs;

    const next = loadBundle(file);
    next.saveCodeCache();
    expect(caches()).toEqual([saved]);
    expect(statSync(path.join(dir, 'code-cache', saved!)).mtimeMs).toBe(savedAt);
    expect((next.exports.answer as () => unknown[])()[0]).toBe(42);
  });

  it('does not take the cache of an earlier build of the file', () => {
    const { file, caches } = bundle();
    loadBundle(file).saveCodeCache();
    writeFileSync(file, 'module.exports.answer = () => [43];\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    const rebuilt = loadBundle(file);
    expect((rebuilt.exports.answer as () => unknown[])()).toEqual([43]);
    rebuilt.saveCodeCache();
    expect(caches()).toHaveLength(2);
  });

  it('serves without a cache when it cannot write one', () => {
    const { dir, file } = bundle();
    writeFileSync(path.join(dir, 'code-cache'), 'a file where the cache directory would go');
    const loaded = loadBundle(file);
    expect(() => loaded.saveCodeCache()).not.toThrow();
    expect((loaded.exports.answer as () => unknown[])()[0]).toBe(42);
  });

  it('keeps line numbers of the file in stack traces', () => {
    const { file } = bundle("\n\nmodule.exports.fail = () => { throw new Error('here'); };\n");
    const fail = loadBundle(file).exports.fail as () => never;
    expect(() => fail()).toThrow(expect.objectContaining({ stack: expect.stringContaining(`${file}:3:`) }));
  });
});
