// Conditions (docs: workflow-format.md §4): two-stage variable lookup, lenient equality, and an evaluator
// that never throws. A condition validation should have rejected evaluates to false with a note.
import { canonicalJson } from '../workflow/canonical.js';
import type { ComparisonOperator, Condition, JsonObject, JsonValue } from '../workflow/types.js';
import { COMPARISON_OPERATORS } from '../workflow/types.js';

/** The object conditions and templates read: the run context with loop variables laid over it (§4.5). */
export type EvalContext = JsonObject;

/** Builds an evaluation context; loop variables shadow context keys of the same name. */
export function evaluationContext(context: JsonObject, loopVars?: JsonObject): EvalContext {
  return loopVars === undefined ? context : { ...context, ...loopVars };
}

const hasOwn = (obj: object, key: string): boolean => Object.hasOwn(obj, key);
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Resolves `name` (§4.2): an own key equal to the whole name wins; otherwise a dotted name is followed through
 * nested objects. Returns `undefined` when missing.
 */
export function lookupVariable(ctx: EvalContext, name: string): JsonValue | undefined {
  if (hasOwn(ctx, name)) return ctx[name];
  if (!name.includes('.')) return undefined;
  let current: JsonValue | undefined = ctx;
  for (const segment of name.split('.')) {
    if (!isObject(current) || !hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** String form of a value (§4.1): strings trimmed, JSON text for numbers/booleans/arrays/objects, "" for null/missing. */
export function stringForm(value: JsonValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim();
  return JSON.stringify(value);
}

const NUMERIC_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

/** Lenient equality (§4.3), first matching rule wins. */
export function lenientEquals(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) return aMissing && bMissing;
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (typeof a === 'string' && typeof b === 'number') return numericStringEquals(a, b);
  if (typeof a === 'number' && typeof b === 'string') return numericStringEquals(b, a);
  if (typeof a === 'string' && typeof b === 'boolean') return booleanStringEquals(a, b);
  if (typeof a === 'boolean' && typeof b === 'string') return booleanStringEquals(b, a);
  const bothArrays = Array.isArray(a) && Array.isArray(b);
  if (bothArrays || (isObject(a) && isObject(b))) return canonicalJson(a) === canonicalJson(b);
  return typeof a === typeof b && a === b;
}

function numericStringEquals(text: string, n: number): boolean {
  const trimmed = text.trim();
  return NUMERIC_TEXT.test(trimmed) && Number.isFinite(Number(trimmed)) && Number(trimmed) === n;
}

function booleanStringEquals(text: string, flag: boolean): boolean {
  const word = text.trim().toLowerCase();
  return flag ? TRUE_WORDS.has(word) : FALSE_WORDS.has(word);
}

/** Result of an evaluation; `note` explains a false that comes from a malformed condition (for the decision trace). */
export interface ConditionOutcome {
  readonly value: boolean;
  readonly note?: string;
}

/** Evaluates a condition (§4.1, §4.4). Never throws. */
export function evaluateCondition(condition: Condition, ctx: EvalContext): boolean {
  return evaluateConditionWithNote(condition, ctx).value;
}

/** Like `evaluateCondition`, and says why when a malformed condition (bad regex, bad operand) forced false. */
export function evaluateConditionWithNote(condition: Condition, ctx: EvalContext): ConditionOutcome {
  if (!isObject(condition as unknown)) return { value: false, note: 'condition is not an object' };
  if ('and' in condition) return combine(condition.and, ctx, 'and');
  if ('or' in condition) return combine(condition.or, ctx, 'or');
  if ('not' in condition) {
    const inner = evaluateConditionWithNote(condition.not, ctx);
    return inner.note === undefined ? { value: !inner.value } : { value: false, note: inner.note };
  }
  if (typeof condition.var !== 'string') return { value: false, note: 'condition has no "var" name' };
  return evaluateComparison(condition as unknown as Record<string, JsonValue>, ctx);
}

function combine(parts: readonly Condition[], ctx: EvalContext, op: 'and' | 'or'): ConditionOutcome {
  if (!Array.isArray(parts) || parts.length === 0) return { value: false, note: `"${op}" needs a non-empty array` };
  for (const part of parts) {
    const outcome = evaluateConditionWithNote(part, ctx);
    if (outcome.note !== undefined) return { value: false, note: outcome.note };
    if (op === 'and' && !outcome.value) return { value: false };
    if (op === 'or' && outcome.value) return { value: true };
  }
  return { value: op === 'and' };
}

function evaluateComparison(condition: Record<string, JsonValue>, ctx: EvalContext): ConditionOutcome {
  const name = condition.var as string;
  const operators = COMPARISON_OPERATORS.filter((op) => hasOwn(condition, op));
  const value = lookupVariable(ctx, name);
  if (operators.length === 0) return { value: isTruthy(value) };
  if (operators.length > 1) return { value: false, note: `condition on "${name}" has several operators` };
  const op = operators[0] as ComparisonOperator;
  return compare(op, value, condition[op] as JsonValue, name);
}

function isTruthy(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && value !== false && value !== 0 && value !== '';
}

function compare(
  op: ComparisonOperator,
  value: JsonValue | undefined,
  operand: JsonValue,
  name: string,
): ConditionOutcome {
  const bad = (why: string): ConditionOutcome => ({ value: false, note: `"${op}" on "${name}": ${why}` });
  switch (op) {
    case 'equals':
      return { value: lenientEquals(value, operand) };
    case 'not_equals':
      return { value: !lenientEquals(value, operand) };
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof operand !== 'number') return bad('operand is not a number');
      return { value: typeof value === 'number' && numericCompare(op, value, operand) };
    case 'in':
      if (!Array.isArray(operand)) return bad('operand is not an array');
      return { value: operand.some((item) => lenientEquals(value, item)) };
    case 'contains':
    case 'startsWith':
    case 'endsWith': {
      if (typeof operand !== 'string') return bad('operand is not a string');
      const needle = operand.trim().toLowerCase();
      if (op === 'contains' && Array.isArray(value)) {
        return { value: value.some((item) => stringForm(item).toLowerCase().includes(needle)) };
      }
      const text = stringForm(value).toLowerCase();
      if (op === 'contains') return { value: text.includes(needle) };
      return { value: op === 'startsWith' ? text.startsWith(needle) : text.endsWith(needle) };
    }
    case 'matches': {
      if (typeof operand !== 'string') return bad('operand is not a string');
      const regex = compileRegex(operand, 'i');
      if (regex === null) return bad(`invalid regular expression /${operand}/`);
      return { value: regex.test(stringForm(value)) };
    }
  }
}

function numericCompare(op: 'gt' | 'gte' | 'lt' | 'lte', a: number, b: number): boolean {
  if (op === 'gt') return a > b;
  if (op === 'gte') return a >= b;
  if (op === 'lt') return a < b;
  return a <= b;
}

/** Compiles a regex, or returns null when the pattern or flags are invalid. */
export function compileRegex(pattern: string, flags?: string): RegExp | null {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return null;
  }
}
