import { describe, expect, it } from 'vitest';
import { resolveBindingsFile } from '../../../src/workflow/bindings.js';

describe('resolveBindingsFile (workflow-format.md §9.5 rule 1)', () => {
  it('uses the section keyed by the workflow id', () => {
    const file = { 'acme.review': { reviewer: 'acme.security-review' }, reviewer: 'flat-value' };
    expect(resolveBindingsFile(file, 'acme.review')).toEqual({ bindings: { reviewer: 'acme.security-review' } });
  });

  it('falls back to flat string entries when the workflow has no section, ignoring other sections', () => {
    const file = { 'acme.other': { reviewer: 'x' }, reviewer: 'acme.security-review' };
    expect(resolveBindingsFile(file, 'acme.review')).toEqual({ bindings: { reviewer: 'acme.security-review' } });
  });

  it('returns no bindings and no warning for an empty file', () => {
    expect(resolveBindingsFile({}, 'acme.review')).toEqual({ bindings: {} });
  });

  it.each([
    ['a non-object file', ['reviewer']],
    ['a null file', null],
    ['a section that is not an object', { 'acme.review': 'x' }],
    ['an empty value', { reviewer: '' }],
    ['a value over 128 characters', { reviewer: 'x'.repeat(129) }],
    ['a non-string value in the section', { 'acme.review': { reviewer: 5 } }],
    ['a non-string flat value', { reviewer: true }],
  ])('ignores %s with a warning', (_name, json) => {
    const result = resolveBindingsFile(json, 'acme.review');
    expect(result.bindings).toEqual({});
    expect(result.warning).toMatch(/bindings\.json/);
  });

  it('accepts a value of exactly 128 characters', () => {
    expect(resolveBindingsFile({ reviewer: 'x'.repeat(128) }, 'acme.review').bindings.reviewer).toHaveLength(128);
  });

  it('keeps a __proto__ key as a plain entry', () => {
    const json = JSON.parse('{"__proto__": "polluted"}') as unknown;
    const { bindings } = resolveBindingsFile(json, 'acme.review');
    expect(Object.getPrototypeOf(bindings)).toBe(Object.prototype);
    expect(Object.hasOwn(bindings, '__proto__')).toBe(true);
  });
});
