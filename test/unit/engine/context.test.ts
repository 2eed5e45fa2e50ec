import { describe, expect, it } from 'vitest';
import {
  CONTEXT_MAX_BYTES,
  contextBytes,
  mergeContext,
  mergedBudgetBlocker,
  validateContext,
} from '../../../src/engine/context.js';
import type { JsonObject } from '../../../src/workflow/types.js';

const nested = (depth: number): JsonObject => {
  let value: JsonObject = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
};
const kindOf = (value: unknown, options = {}) => {
  const check = validateContext(value, options);
  return check.ok ? 'ok' : check.issue.kind;
};

describe('validateContext', () => {
  it.each<[string, unknown, string]>([
    ['accepts a plain object', { a: 1, b: [true, null, { c: 'x' }] }, 'ok'],
    ['rejects an array', [1], 'context_invalid_shape'],
    ['rejects null', null, 'context_invalid_shape'],
    ['rejects a string', 'x', 'context_invalid_shape'],
    ['rejects a non-finite number', { a: Number.NaN }, 'context_invalid_shape'],
    ['rejects undefined members', { a: undefined }, 'context_invalid_shape'],
    ['accepts depth 64', nested(64), 'ok'],
    ['rejects depth 65', nested(65), 'context_too_deep'],
    ['rejects a reserved top-level key', { is_autonomous: 'true' }, 'context_reserved_key'],
    ['allows a reserved name below the top level', { nested: { eat_token: 'x' } }, 'ok'],
    ['rejects __proto__ at any depth', JSON.parse('{"a":{"b":[{"__proto__":1}]}}'), 'context_reserved_key'],
    ['rejects constructor', { constructor: 1 }, 'context_reserved_key'],
    ['rejects prototype nested', { a: { prototype: 1 } }, 'context_reserved_key'],
    ['accepts a known metrics_outcome', { metrics_outcome: 'partial' }, 'ok'],
    ['accepts a null metrics_outcome (deletion)', { metrics_outcome: null }, 'ok'],
    ['rejects an unknown metrics_outcome', { metrics_outcome: 'great' }, 'context_invalid_metrics_outcome'],
  ])('%s', (_name, value, expected) => {
    expect(kindOf(value)).toBe(expected);
  });

  it('lets trusted callers set an allowed reserved key', () => {
    expect(kindOf({ is_autonomous: 'true' }, { allowReservedKeys: ['is_autonomous'] })).toBe('ok');
  });

  it('reports the measured canonical size when the budget is exceeded', () => {
    const big = { blob: 'x'.repeat(CONTEXT_MAX_BYTES) };
    const check = validateContext(big);
    expect(check).toEqual({
      ok: false,
      issue: expect.objectContaining({
        kind: 'context_budget_exceeded',
        measuredBytes: contextBytes(big),
        maxBytes: CONTEXT_MAX_BYTES,
      }),
    });
  });
});

describe('mergeContext', () => {
  it('replaces top-level keys whole, deletes on null and keeps other keys', () => {
    const base = { keep: 1, replace: { a: 1, b: 2 }, drop: 'x' };
    expect(mergeContext(base, { replace: { a: 9 }, drop: null, add: [1] })).toEqual({
      keep: 1,
      replace: { a: 9 },
      add: [1],
    });
    expect(base).toEqual({ keep: 1, replace: { a: 1, b: 2 }, drop: 'x' });
  });
});

describe('mergedBudgetBlocker', () => {
  it('returns CONTEXT_BUDGET_EXCEEDED only when the merged context is over 256 KiB', () => {
    expect(mergedBudgetBlocker({ a: 'x'.repeat(1000) })).toBeNull();
    expect(mergedBudgetBlocker({ a: 'x'.repeat(CONTEXT_MAX_BYTES) })).toMatchObject({
      code: 'CONTEXT_BUDGET_EXCEEDED',
      pointer: { kind: 'context_budget' },
    });
  });
});
