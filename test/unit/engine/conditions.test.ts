import { describe, expect, it } from 'vitest';
import {
  evaluateCondition,
  evaluateConditionWithNote,
  evaluationContext,
  lenientEquals,
  lookupVariable,
  stringForm,
} from '../../../src/engine/conditions.js';
import type { Condition, JsonValue } from '../../../src/workflow/types.js';

const ctx = {
  size: 'Large ',
  count: 5,
  ratio: 2.5,
  flag: true,
  off: false,
  zero: 0,
  empty: '',
  nothing: null,
  tags: ['Alpha', 'beta'],
  obj: { a: 1, b: [1, 2] },
  'a.b': 'literal',
  a: { b: 'nested', c: { d: 'deep' } },
  numText: '5',
} as const;

const cond = (c: unknown) => c as Condition;

describe('lookupVariable', () => {
  it('prefers an own key that contains dots over the nested path', () => {
    expect(lookupVariable(ctx, 'a.b')).toBe('literal');
  });
  it('follows a dotted path through nested objects', () => {
    expect(lookupVariable(ctx, 'a.c.d')).toBe('deep');
  });
  it('treats a missing segment or a non-object on the way as missing', () => {
    expect(lookupVariable(ctx, 'a.x.d')).toBeUndefined();
    expect(lookupVariable(ctx, 'size.length')).toBeUndefined();
    expect(lookupVariable(ctx, 'tags.0')).toBeUndefined();
  });
  it('does not read inherited properties', () => {
    expect(lookupVariable(ctx, 'toString')).toBeUndefined();
  });
  it('lets loop variables shadow context keys of the same name', () => {
    const evalCtx = evaluationContext({ currentIteration: 'stored', keep: 1 }, { currentIteration: 3 });
    expect(lookupVariable(evalCtx, 'currentIteration')).toBe(3);
    expect(lookupVariable(evalCtx, 'keep')).toBe(1);
  });
});

describe('stringForm', () => {
  it.each<[JsonValue | undefined, string]>([
    ['  hi ', 'hi'],
    [5, '5'],
    [true, 'true'],
    [null, ''],
    [undefined, ''],
    [[1, 'a'], '[1,"a"]'],
    [{ a: 1 }, '{"a":1}'],
  ])('renders %j as %j', (value, expected) => {
    expect(stringForm(value)).toBe(expected);
  });
});

describe('lenientEquals', () => {
  it.each<[JsonValue | undefined, JsonValue | undefined, boolean]>([
    [null, undefined, true],
    [null, 'x', false],
    [undefined, 0, false],
    ['Large ', 'large', true],
    ['a', 'b', false],
    [' 5 ', 5, true],
    [5, '5.0', true],
    ['', 0, false],
    ['five', 5, false],
    ['0x5', 5, false],
    ['YES', true, true],
    [' 1', true, true],
    ['no', false, true],
    ['0', false, true],
    ['true', false, false],
    [[1, { a: 2 }], [1, { a: 2 }], true],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [[1], ['1'], false],
    [[], {}, false],
    [0, false, false],
    [1, 1, true],
    [true, true, true],
  ])('eq(%j, %j) is %s', (a, b, expected) => {
    expect(lenientEquals(a, b)).toBe(expected);
  });
});

describe('evaluateCondition operators', () => {
  it.each<[string, unknown, boolean]>([
    ['truthy string', { var: 'size' }, true],
    ['falsy false', { var: 'off' }, false],
    ['falsy zero', { var: 'zero' }, false],
    ['falsy empty string', { var: 'empty' }, false],
    ['falsy null', { var: 'nothing' }, false],
    ['equals lenient', { var: 'size', equals: 'LARGE' }, true],
    ['equals numeric string', { var: 'numText', equals: 5 }, true],
    ['not_equals', { var: 'count', not_equals: 6 }, true],
    ['gt true', { var: 'count', gt: 4 }, true],
    ['gt false at equality', { var: 'count', gt: 5 }, false],
    ['gte', { var: 'count', gte: 5 }, true],
    ['lt', { var: 'ratio', lt: 3 }, true],
    ['lte', { var: 'ratio', lte: 2 }, false],
    ['gt on numeric string is false', { var: 'numText', gt: 1 }, false],
    ['in matches leniently', { var: 'size', in: ['small', 'large'] }, true],
    ['in misses', { var: 'count', in: [1, 2] }, false],
    ['contains on string, case-insensitive', { var: 'size', contains: ' ARG ' }, true],
    ['contains on array element', { var: 'tags', contains: 'alp' }, true],
    ['contains misses', { var: 'tags', contains: 'gamma' }, false],
    ['startsWith', { var: 'size', startsWith: 'la' }, true],
    ['endsWith uses trimmed form', { var: 'size', endsWith: 'GE' }, true],
    ['endsWith misses', { var: 'size', endsWith: 'x' }, false],
    ['matches with i flag', { var: 'size', matches: '^lar' }, true],
    ['matches on object JSON', { var: 'obj', matches: '"b":\\[1,2\\]' }, true],
    ['and', { and: [{ var: 'flag' }, { var: 'count', equals: 5 }] }, true],
    ['and with a false member', { and: [{ var: 'flag' }, { var: 'off' }] }, false],
    ['or', { or: [{ var: 'off' }, { var: 'flag' }] }, true],
    ['or all false', { or: [{ var: 'off' }, { var: 'zero' }] }, false],
    ['not', { not: { var: 'off' } }, true],
  ])('%s', (_name, condition, expected) => {
    expect(evaluateCondition(cond(condition), ctx)).toBe(expected);
  });
});

describe('evaluateCondition with a missing or null variable', () => {
  it.each<[string, unknown, boolean]>([
    ['truthiness is false', { var: 'missing' }, false],
    ['equals null is true', { var: 'missing', equals: null }, true],
    ['equals a value is false', { var: 'nothing', equals: 'x' }, false],
    ['not_equals null is false', { var: 'missing', not_equals: null }, false],
    ['not_equals a value is true', { var: 'missing', not_equals: 'x' }, true],
    ['gt is false', { var: 'missing', gt: -1 }, false],
    ['gte is false', { var: 'missing', gte: -1 }, false],
    ['lt is false', { var: 'missing', lt: 1 }, false],
    ['lte is false', { var: 'nothing', lte: 1 }, false],
    ['in is true only with null in the array', { var: 'missing', in: ['a', null] }, true],
    ['in without null is false', { var: 'missing', in: ['a'] }, false],
    ['contains "" is true', { var: 'missing', contains: '' }, true],
    ['contains text is false', { var: 'missing', contains: 'a' }, false],
    ['startsWith "" is true', { var: 'missing', startsWith: '' }, true],
    ['endsWith text is false', { var: 'nothing', endsWith: 'a' }, false],
    ['matches tests the regex against ""', { var: 'missing', matches: '^$' }, true],
    ['matches a non-empty pattern fails', { var: 'missing', matches: 'a' }, false],
  ])('%s', (_name, condition, expected) => {
    expect(evaluateCondition(cond(condition), ctx)).toBe(expected);
  });
});

describe('evaluateConditionWithNote', () => {
  it('returns false with a note for an invalid regex instead of throwing', () => {
    const outcome = evaluateConditionWithNote(cond({ var: 'size', matches: '([' }), ctx);
    expect(outcome.value).toBe(false);
    expect(outcome.note).toContain('invalid regular expression');
  });
  it('keeps a malformed inner condition false even under not', () => {
    const outcome = evaluateConditionWithNote(cond({ not: { var: 'count', gt: 'x' } }), ctx);
    expect(outcome).toEqual({ value: false, note: expect.stringContaining('not a number') });
  });
  it('notes a condition with several operators', () => {
    expect(evaluateConditionWithNote(cond({ var: 'count', gt: 1, lt: 9 }), ctx).note).toContain('several operators');
  });
  it('notes an empty conjunction', () => {
    expect(evaluateConditionWithNote(cond({ and: [] }), ctx)).toEqual({ value: false, note: expect.any(String) });
  });
  it('has no note for a well-formed false condition', () => {
    expect(evaluateConditionWithNote(cond({ var: 'off' }), ctx)).toEqual({ value: false });
  });
});
