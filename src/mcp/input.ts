// Parsing a tool's arguments (docs: mcp-protocol.md §2.2): well-formed strings, JSON text in object- or array-typed
// fields, then the tool's strict zod schema. Every failure is a VALIDATION_ERROR in the shape of §2.2. Rules that
// belong to a use case (aliases, limits, reserved keys) are left to it.
import type { z } from 'zod';
import type { AppError } from '../app/index.js';
import { err, ok, type Result } from '../app/index.js';
import { parseJsonText, type Suggestion, validationError } from '../app/input-checks.js';
import { similarIds } from '../app/similar-ids.js';
import type { JsonObject, JsonValue } from '../workflow/types.js';

export interface InputSpec<S extends z.ZodObject> {
  readonly schema: S;
  /** Fields whose value may arrive as JSON text. */
  readonly jsonFields?: readonly string[];
  /** A minimal valid input, returned as `correctTemplate`. */
  readonly template: JsonObject;
}

type Path = readonly PropertyKey[];

/**
 * Checks `args` against the spec and returns them as given (after JSON-text fields are parsed): the use case
 * receives the caller's own objects, so keys such as `__proto__` reach its checks instead of being dropped by zod.
 */
export function parseToolInput<S extends z.ZodObject>(
  spec: InputSpec<S>,
  args: unknown,
): Result<z.output<S>, AppError> {
  const fail = (path: string, message: string) =>
    err(validationError(`${path || 'input'} ${message}.`, spec.template, [{ path, message }]));
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return fail('', 'must be an object');

  const badString = findIllFormedString(args);
  if (badString !== null) return fail(dotted(badString), 'contains an unpaired UTF-16 surrogate (not valid Unicode)');

  const input: Record<string, unknown> = { ...args };
  for (const field of spec.jsonFields ?? []) {
    const parsed = parseJsonText(input[field]);
    if (!parsed.ok) return fail(field, parsed.error);
    if (input[field] !== undefined) input[field] = parsed.value;
  }

  const checked = spec.schema.safeParse(input);
  if (checked.success) return ok(input as z.output<S>);
  return err(toValidationError(spec, input, checked.error.issues));
}

function toValidationError(
  spec: InputSpec<z.ZodObject>,
  input: unknown,
  issues: readonly z.core.$ZodIssue[],
): AppError {
  const errors: { path: string; message: string }[] = [];
  const suggestions: Suggestion[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(spec.schema, issue.path);
      for (const key of issue.keys) {
        const didYouMean = key.length > 200 ? null : (similarIds(key, known)[0] ?? null);
        const path = dotted([...issue.path, key]);
        suggestions.push({ kind: 'unknown_key', key: path, didYouMean });
        errors.push({
          path,
          message: didYouMean === null ? 'unknown key' : `unknown key; did you mean "${didYouMean}"?`,
        });
      }
      continue;
    }
    const path = dotted(issue.path);
    if (issue.code === 'invalid_type' && valueAt(input, issue.path) === undefined) {
      suggestions.push({ kind: 'missing_required', key: path, example: exampleAt(spec.template, issue.path) });
      errors.push({ path, message: 'required' });
      continue;
    }
    errors.push({ path, message: issue.message });
  }
  const first = errors[0] ?? { path: '', message: 'is invalid' };
  const message =
    first.message === 'required'
      ? `"${first.path}" is required.`
      : first.message.startsWith('unknown key')
        ? `Unknown input key "${first.path}".`
        : `${first.path || 'input'}: ${first.message}.`;
  return validationError(message, spec.template, errors, { suggestions });
}

/** The first string (value or key) holding a lone surrogate, as a path; walks iteratively, so depth is no risk. */
function findIllFormedString(root: object): Path | null {
  const stack: { value: unknown; path: Path }[] = [{ value: root, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return path;
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (LONE_SURROGATE.test(key)) return [...path, key];
        stack.push({ value: child, path: [...path, Array.isArray(value) ? Number(key) : key] });
      }
    }
  }
  return null;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function knownKeysAt(schema: z.ZodObject, path: Path): string[] {
  let current: unknown = schema;
  for (const key of path) {
    current = unwrap(current);
    const shape = (current as { shape?: Record<string, unknown> }).shape;
    if (shape === undefined || typeof key !== 'string') return [];
    current = shape[key];
  }
  const shape = (unwrap(current) as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

function unwrap(schema: unknown): unknown {
  let current = schema as { unwrap?: () => unknown; shape?: unknown; options?: unknown[] } | undefined;
  while (current !== undefined && current.shape === undefined) {
    if (typeof current.unwrap === 'function') current = current.unwrap() as typeof current;
    else if (Array.isArray(current.options))
      current = current.options.find((o) => (o as typeof current)?.shape !== undefined) as typeof current;
    else break;
  }
  return current;
}

function valueAt(root: unknown, path: Path): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function exampleAt(template: JsonObject, path: Path): JsonValue {
  const value = valueAt(template, path);
  return value === undefined ? null : (value as JsonValue);
}

/** `output.artifacts[0].kind`, the path form of validationErrors. */
export function dotted(path: Path): string {
  let text = '';
  for (const key of path) text += typeof key === 'number' ? `[${key}]` : text === '' ? String(key) : `.${String(key)}`;
  return text;
}
