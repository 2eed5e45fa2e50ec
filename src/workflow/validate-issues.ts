// Turns zod issues into ValidationIssues (docs: workflow-format.md §13.1): rule ids, RFC 6901 pointers,
// messages that say how to fix the problem, and document order.

import type { z } from 'zod';
import { isRecord, jsonTypeOf, lengthProblem, quote } from './schema-primitives.js';
import type { ValidationIssue } from './types.js';

type Segment = PropertyKey;

/** An issue that still knows its path as segments, for sorting into document order. */
export interface LocatedIssue {
  readonly segments: readonly Segment[];
  readonly rule: string;
  readonly message: string;
}

export function pointer(segments: readonly Segment[]): string {
  return segments.map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function valueAt(root: unknown, segments: readonly Segment[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node) && typeof segment === 'string' && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

/** `maxIterations`, `examples[2]`, or `the document` for the root. */
function label(segments: readonly Segment[]): string {
  const last = segments.at(-1);
  if (last === undefined) return 'The document';
  if (typeof last !== 'number') return String(last);
  const parent = segments.at(-2);
  return parent === undefined ? `Item ${last}` : `${String(parent)}[${last}]`;
}

const EXPECTED: { readonly [type: string]: string } = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

function expectedText(expected: unknown): string {
  return EXPECTED[String(expected)] ?? String(expected);
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function sizeMessage(issue: z.core.$ZodIssue, name: string, actual: unknown): LocatedRule {
  const small = issue.code === 'too_small';
  const bound = Number(small ? (issue as { minimum: unknown }).minimum : (issue as { maximum: unknown }).maximum);
  const relation = small ? 'at least' : 'at most';
  const origin = (issue as { origin?: string }).origin;
  if (origin === 'string') {
    const length = typeof actual === 'string' ? actual.length : 0;
    const problem = small ? lengthProblem(length, bound) : lengthProblem(length, undefined, bound);
    return { rule: 'string-length', message: `${name} ${problem ?? 'has the wrong length'}` };
  }
  if (origin === 'array') {
    const length = Array.isArray(actual) ? actual.length : 0;
    return { rule: 'array-length', message: `${name} must have ${relation} ${plural(bound, 'item')}; got ${length}` };
  }
  return { rule: 'number-range', message: `${name} must be ${relation} ${bound}; got ${quote(actual)}` };
}

interface LocatedRule {
  readonly rule: string;
  readonly message: string;
}

function isRootTypeMismatch(issues: readonly z.core.$ZodIssue[]): boolean {
  return issues.length === 1 && issues[0]!.code === 'invalid_type' && issues[0]!.path.length === 0;
}

function mapUnion(
  issue: z.core.$ZodIssue & { code: 'invalid_union' },
  at: readonly Segment[],
  root: unknown,
): LocatedIssue[] {
  const actual = valueAt(root, at);
  const name = label(at);
  if ('discriminator' in issue && issue.discriminator !== undefined) {
    if (actual === undefined) return [{ segments: at, rule: 'required', message: `${name} is required` }];
    if (issue.discriminator === 'type') {
      const message = `Step type must be absent (standard step), "loop" or "parallel"; got ${quote(actual)}`;
      return [{ segments: at, rule: 'step-kind', message }];
    }
    const options = ((issue as { options?: readonly unknown[] }).options ?? []).map(quote).join(', ');
    return [{ segments: at, rule: 'enum', message: `${name} must be one of ${options}; got ${quote(actual)}` }];
  }
  if (actual === undefined && at.length > 0)
    return [{ segments: at, rule: 'required', message: `${name} is required` }];
  const branch = issue.errors.find((issues) => !isRootTypeMismatch(issues));
  if (branch !== undefined) return branch.flatMap((inner) => locate(inner, at, root));
  const expected = issue.errors.map((issues) => expectedText((issues[0] as { expected?: unknown }).expected));
  const message = `${name} must be ${[...new Set(expected)].join(' or ')}; got ${jsonTypeOf(actual)}`;
  return [{ segments: at, rule: 'type', message }];
}

function locate(issue: z.core.$ZodIssue, prefix: readonly Segment[], root: unknown): LocatedIssue[] {
  const at = [...prefix, ...issue.path];
  const actual = valueAt(root, at);
  const name = label(at);
  switch (issue.code) {
    case 'custom': {
      const params = issue.params as { rule?: string; labelled?: boolean } | undefined;
      const message = params?.labelled === true ? `${name} ${issue.message}` : issue.message;
      return [{ segments: at, rule: params?.rule ?? 'type', message }];
    }
    case 'invalid_type': {
      if (actual === undefined && at.length > 0) {
        return [{ segments: at, rule: 'required', message: `${name} is required` }];
      }
      const message = `${name} must be ${expectedText(issue.expected)}; got ${jsonTypeOf(actual)}`;
      return [{ segments: at, rule: 'type', message }];
    }
    case 'too_small':
    case 'too_big':
      return [{ segments: at, ...sizeMessage(issue, name, actual) }];
    case 'invalid_value': {
      if (actual === undefined) return [{ segments: at, rule: 'required', message: `${name} is required` }];
      const options = issue.values.map(quote).join(', ');
      return [{ segments: at, rule: 'enum', message: `${name} must be one of ${options}; got ${quote(actual)}` }];
    }
    case 'invalid_format':
      return [{ segments: at, rule: 'pattern', message: `${name} ${issue.message}; got ${quote(actual)}` }];
    case 'invalid_union':
      return mapUnion(issue, at, root);
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({
        segments: [...at, key],
        rule: 'unknown-field',
        message: `Unknown field "${key}"; remove it`,
      }));
    default:
      return [{ segments: at, rule: 'type', message: `${name}: ${issue.message}` }];
  }
}

/** Maps zod issues to located issues; `root` is the validated input, used for actual values and pointers. */
export function locateZodIssues(issues: readonly z.core.$ZodIssue[], root: unknown): LocatedIssue[] {
  return issues.flatMap((issue) => locate(issue, [], root));
}

function orderKey(root: unknown, segments: readonly Segment[]): number[] {
  const key: number[] = [];
  let node = root;
  for (const segment of segments) {
    if (Array.isArray(node) && typeof segment === 'number') {
      key.push(segment);
      node = node[segment];
    } else if (isRecord(node)) {
      const keys = Object.keys(node);
      const index = keys.indexOf(String(segment));
      key.push(index === -1 ? keys.length : index);
      node = index === -1 ? undefined : node[String(segment)];
    } else {
      key.push(0);
      node = undefined;
    }
  }
  return key;
}

function compareKeys(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

/** Sorts into document order (stable), drops exact duplicates and renders pointers. */
export function finishIssues(located: readonly LocatedIssue[], root: unknown): ValidationIssue[] {
  const keyed = located.map((issue, index) => ({ issue, index, key: orderKey(root, issue.segments) }));
  keyed.sort((a, b) => compareKeys(a.key, b.key) || a.index - b.index);
  const seen = new Set<string>();
  const result: ValidationIssue[] = [];
  for (const { issue } of keyed) {
    const path = pointer(issue.segments);
    const identity = `${path}\u0000${issue.rule}\u0000${issue.message}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    result.push({ path, message: issue.message, rule: issue.rule });
  }
  return result;
}
