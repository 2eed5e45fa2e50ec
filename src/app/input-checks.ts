// Input checks shared by the mutating use cases (docs: mcp-protocol.md §2.2, §7.2–§7.4). Every failure is a
// VALIDATION_ERROR whose details carry `validationErrors`, `suggestions` and a `correctTemplate`.
import type { ContextIssue } from '../engine/index.js';
import { canonicalJson, utf8Length } from '../workflow/canonical.js';
import type { JsonObject, JsonValue } from '../workflow/types.js';
import { type AppError, appError } from './errors.js';
import { err, ok, type Result } from './result.js';
import { similarIds } from './similar-ids.js';

export const NOTES_MAX_BYTES = 64 * 1024;
export const ARTIFACTS_MAX_COUNT = 20;
export const ARTIFACTS_MAX_BYTES = 256 * 1024;
export const ARTIFACT_MAX_DEPTH = 64;

export type Suggestion =
  | { readonly kind: 'unknown_key'; readonly key: string; readonly didYouMean: string | null }
  | { readonly kind: 'missing_required'; readonly key: string; readonly example: JsonValue };

export interface InvalidInput {
  readonly path: string;
  readonly message: string;
}

/** A VALIDATION_ERROR in the shape of §2.2. */
export function validationError(
  message: string,
  template: JsonObject,
  validationErrors: readonly InvalidInput[],
  more: { readonly suggestions?: readonly Suggestion[]; readonly [key: string]: unknown } = {},
): AppError {
  const { suggestions = [], ...rest } = more;
  return appError('VALIDATION_ERROR', message, {
    ...rest,
    validationErrors,
    suggestions,
    correctTemplate: template,
  });
}

/** Rejects keys of `input` outside `known`, naming the closest known key (§2.2). `prefix` is the dotted parent. */
export function checkKnownKeys(
  input: object,
  known: readonly string[],
  template: JsonObject,
  prefix = '',
): AppError | null {
  const unknown = Object.keys(input).filter((key) => !known.includes(key));
  if (unknown.length === 0) return null;
  const suggestions = unknown.map((key): Suggestion => ({ kind: 'unknown_key', key, didYouMean: closest(key, known) }));
  const errors = unknown.map((key, index) => {
    const hint = suggestions[index] as Extract<Suggestion, { kind: 'unknown_key' }>;
    return {
      path: `${prefix}${key}`,
      message: hint.didYouMean === null ? 'unknown key' : `unknown key; did you mean "${hint.didYouMean}"?`,
    };
  });
  return validationError(`Unknown input key "${prefix}${unknown[0]}".`, template, errors, { suggestions });
}

/** A missing required field, with an example value. */
export function missingRequired(key: string, example: JsonValue, template: JsonObject): AppError {
  return validationError(`"${key}" is required.`, template, [{ path: key, message: 'required' }], {
    suggestions: [{ kind: 'missing_required', key, example }],
  });
}

/** Object- or array-typed fields may arrive as JSON text (§2.2): parse such a string, else keep the value. */
export function parseJsonText(value: unknown): Result<unknown, string> {
  if (typeof value !== 'string') return ok(value);
  const text = value.trim();
  if (!text.startsWith('{') && !text.startsWith('[')) return ok(value);
  try {
    return ok(JSON.parse(text) as unknown);
  } catch {
    return err('is a string that is not valid JSON');
  }
}

/** `output.notesMarkdown` (§7.3): a string of at most 64 KiB; blank notes pass here and count as missing later. */
export function checkNotes(notes: unknown, at: string, template: JsonObject): Result<string | undefined, AppError> {
  if (notes === undefined) return ok(undefined);
  if (typeof notes !== 'string') {
    return err(validationError(`${at} must be a string.`, template, [{ path: at, message: 'must be a string' }]));
  }
  const measuredBytes = utf8Length(notes);
  if (measuredBytes > NOTES_MAX_BYTES) {
    return err(
      validationError(
        `${at} is ${measuredBytes} bytes; the limit is ${NOTES_MAX_BYTES}.`,
        template,
        [{ path: at, message: `at most ${NOTES_MAX_BYTES} bytes of UTF-8` }],
        { measuredBytes, maxBytes: NOTES_MAX_BYTES },
      ),
    );
  }
  return ok(notes);
}

/** `output.artifacts` (§7.4): ≤ 20 objects with a non-empty string `kind`, ≤ 256 KiB in total, depth ≤ 64. */
export function checkArtifacts(
  artifacts: unknown,
  at: string,
  template: JsonObject,
): Result<JsonObject[] | undefined, AppError> {
  if (artifacts === undefined) return ok(undefined);
  const fail = (path: string, message: string, more: Record<string, unknown> = {}) =>
    err(validationError(`${path} ${message}.`, template, [{ path, message }], more));
  if (!Array.isArray(artifacts)) return fail(at, 'must be an array of objects');
  if (artifacts.length > ARTIFACTS_MAX_COUNT) return fail(at, `must hold at most ${ARTIFACTS_MAX_COUNT} artifacts`);
  for (const [index, artifact] of artifacts.entries()) {
    const path = `${at}[${index}]`;
    if (!isPlainObject(artifact)) return fail(path, 'must be a JSON object');
    if (typeof artifact.kind !== 'string' || artifact.kind.trim() === '') {
      return fail(`${path}.kind`, 'must be a non-empty string');
    }
    if (depthOf(artifact) > ARTIFACT_MAX_DEPTH) return fail(path, `must not nest deeper than ${ARTIFACT_MAX_DEPTH}`);
  }
  const measuredBytes = artifacts.reduce((sum: number, a) => sum + utf8Length(canonicalJson(a as JsonObject)), 0);
  if (measuredBytes > ARTIFACTS_MAX_BYTES) {
    return fail(at, `must total at most ${ARTIFACTS_MAX_BYTES} bytes of canonical JSON`, {
      measuredBytes,
      maxBytes: ARTIFACTS_MAX_BYTES,
    });
  }
  return ok(artifacts as JsonObject[]);
}

/** The engine's context issue as a VALIDATION_ERROR (§7.2): `details.kind` names the rule. */
export function contextError(issue: ContextIssue, field: string, template: JsonObject): AppError {
  const { kind, message, ...facts } = issue;
  const path = 'path' in issue ? issue.path.replace(/^context/, field) : field;
  return validationError(`${field}: ${message}.`, template, [{ path, message }], { kind, ...facts });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

function closest(key: string, known: readonly string[]): string | null {
  return similarIds(key, known)[0] ?? null;
}
