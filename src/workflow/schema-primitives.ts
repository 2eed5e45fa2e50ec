// Building blocks for the workflow zod schema (docs: workflow-format.md §2–§10). Custom issues carry
// their rule id in `params.rule` and a complete message; built-in zod issues are mapped in validate-issues.ts.

import { z } from 'zod';
import { canonicalJson } from './canonical.js';

export type Ctx = z.RefinementCtx<unknown>;
export type RawObject = { readonly [key: string]: unknown };

/** Refinements run even when a sibling value failed, so independent problems are all reported. */
export const ALWAYS = { when: () => true } as const;

export function isRecord(value: unknown): value is RawObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function has(object: RawObject, key: string): boolean {
  return Object.hasOwn(object, key) && object[key] !== undefined;
}

/** Adds one custom issue at `path` (relative to the refined value). */
export function report(ctx: Ctx, path: readonly PropertyKey[], rule: string, message: string): void {
  ctx.addIssue({ code: 'custom', path: [...path], message, params: { rule } });
}

export function quote(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return 'nothing';
  try {
    const text = JSON.stringify(value);
    return text.length > 60 ? `${text.slice(0, 57)}...` : text;
  } catch {
    return typeof value;
  }
}

export function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a non-finite number';
  return typeof value;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a plausible typo. */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const [typed, known] = [name.toLowerCase(), candidate.toLowerCase()];
    const prefix = typed.length >= 3 && (known.startsWith(typed) || typed.startsWith(known));
    const distance = prefix ? 1 : levenshtein(typed, known);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export interface ClosedOptions {
  /** Keys that belong to another step kind: key -> description of where it belongs. */
  readonly foreign?: { readonly [key: string]: string };
  /** Object-level rules, run on the raw object even if some of its fields failed. */
  readonly refine?: (value: RawObject, ctx: Ctx) => void;
}

/**
 * An object that accepts only the keys of `shape`: any other key is `unknown-field` (with the nearest known
 * name as a hint), or `field-not-allowed` when it belongs to another step kind.
 */
export function closedObject<S extends z.ZodRawShape>(what: string, shape: S, options: ClosedOptions = {}) {
  const known = Object.keys(shape);
  return z.looseObject(shape).superRefine((value, ctx) => {
    if (!isRecord(value)) return;
    for (const key of Object.keys(value)) {
      if (Object.hasOwn(shape, key)) continue;
      const owner = options.foreign?.[key];
      if (owner !== undefined) {
        report(ctx, [key], 'field-not-allowed', `${key} is not allowed on ${what}; it belongs to ${owner}. Remove it.`);
        continue;
      }
      const near = nearestName(key, known);
      const hint = near === undefined ? 'remove it' : `did you mean "${near}"?`;
      report(ctx, [key], 'unknown-field', `Unknown field "${key}" on ${what}; ${hint}`);
    }
    options.refine?.(value, ctx);
  }, ALWAYS);
}

// No check here uses `abort: true`: an aborting issue would stop the ALWAYS refinements of every enclosing object.

/** A string of `min`–`max` characters. */
export function text(min: number, max?: number) {
  const schema = z.string().min(min);
  return max === undefined ? schema : schema.max(max);
}

/** Adds a custom issue whose message is prefixed with the field's name (e.g. "id must ..."). */
function reportField(ctx: Ctx, rule: string, predicate: string): void {
  ctx.addIssue({ code: 'custom', path: [], message: predicate, params: { rule, labelled: true } });
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** What is wrong with a string of `length` characters, or undefined. */
export function lengthProblem(length: number, min?: number, max?: number): string | undefined {
  if (min !== undefined && length < min) {
    return min === 1 ? 'must not be empty' : `must be at least ${plural(min, 'character')} long; got ${length}`;
  }
  if (max !== undefined && length > max) return `must be at most ${plural(max, 'character')} long; got ${length}`;
  return undefined;
}

/** A string within a length range that matches `pattern` (described for the message); one issue at most. */
export function patterned(pattern: RegExp, described: string, min?: number, max?: number) {
  return z.string().superRefine((value, ctx) => {
    const problem = lengthProblem(value.length, min, max);
    if (problem !== undefined) reportField(ctx, 'string-length', problem);
    else if (!pattern.test(value)) reportField(ctx, 'pattern', `must be ${described}; got ${quote(value)}`);
  });
}

/**
 * An array of `min`–`max` items (rule `array-length`). zod's own `.max()` is avoided on arrays: for an oversized
 * array it raises an aborting issue, which would silence the refinements of every enclosing object.
 */
export function arrayOf<T extends z.ZodType>(item: T, min: number, max?: number) {
  return z.array(item).superRefine((items: unknown, ctx) => {
    if (!Array.isArray(items)) return;
    if (items.length >= min && (max === undefined || items.length <= max)) return;
    const bound = items.length < min ? `at least ${min}` : `at most ${max}`;
    reportField(
      ctx,
      'array-length',
      `must have ${bound} item${(items.length < min ? min : max) === 1 ? '' : 's'}; got ${items.length}`,
    );
  }, ALWAYS);
}

/** A string checked as a whole by one rule (length and pattern), e.g. `workflow-id-format`. */
export function ruledString(rule: string, check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const problem = check(value);
    if (problem !== undefined) report(ctx, [], rule, problem);
  });
}

/** An integer from `min` to `max` (inclusive); non-integers and values out of range are `number-range`. */
export function integer(min: number, max?: number) {
  return z.number().superRefine((value, ctx) => {
    if (Number.isInteger(value) && value >= min && (max === undefined || value <= max)) return;
    report(ctx, [], 'number-range', `${integerRange(min, max)}; got ${value}`);
  });
}

export function integerRange(min: number, max?: number): string {
  return max === undefined ? `must be an integer of at least ${min}` : `must be an integer from ${min} to ${max}`;
}

/** Rule `unique-items`: no two structurally equal items (compared as canonical JSON); optional item count. */
export function uniqueItems<T extends z.ZodType>(item: T, min = 0, max?: number) {
  return arrayOf(item, min, max).superRefine((items, ctx) => {
    const seen = new Map<string, number>();
    items.forEach((entry, index) => {
      const key = canonicalJson(entry);
      const first = seen.get(key);
      if (first === undefined) seen.set(key, index);
      else report(ctx, [index], 'unique-items', `Item ${index} duplicates item ${first}; remove one of them`);
    });
  });
}

/** Rule `<rule>`: the string field `key` of the array's objects is unique (later duplicates are reported). */
export function uniqueBy<T extends z.ZodType>(array: T, key: string, rule: string, what: string) {
  return array.superRefine((items, ctx) => {
    if (!Array.isArray(items)) return;
    const seen = new Map<string, number>();
    items.forEach((entry: unknown, index) => {
      const value = isRecord(entry) ? entry[key] : undefined;
      if (typeof value !== 'string') return;
      const first = seen.get(value);
      if (first === undefined) seen.set(value, index);
      else report(ctx, [index, key], rule, `${what} "${value}" is already used by item ${first}; pick a unique ${key}`);
    });
  }, ALWAYS);
}

/** Any JSON value (checked for JSON-ness before schema validation). */
export const jsonValue = z.custom<import('./types.js').JsonValue>(() => true);

/** An object with string values (e.g. delegation `args`). */
export const stringRecord = z.record(z.string(), z.string());
