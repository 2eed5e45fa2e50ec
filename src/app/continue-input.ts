// The continue_workflow input rules (docs: mcp-protocol.md §4.4, §7): aliases, intent inference and the size
// limits of notes, artifacts and context, checked before any token or store access.
import path from 'node:path';
import { validateContext } from '../engine/index.js';
import { canonicalJson, sha256Hex } from '../workflow/canonical.js';
import type { JsonObject } from '../workflow/types.js';
import type { AppError } from './errors.js';
import {
  checkArtifacts,
  checkKnownKeys,
  checkNotes,
  contextError,
  isPlainObject,
  missingRequired,
  parseJsonText,
  validationError,
} from './input-checks.js';
import { err, ok, type Result } from './result.js';

export interface ContinueWorkflowInput {
  /** A `ct_` (advance or rehydrate) or an `st_` (rehydrate only). */
  readonly continueToken: string;
  readonly intent?: 'advance' | 'rehydrate';
  readonly output?: { readonly notesMarkdown?: string; readonly artifacts?: ArtifactsInput } | string;
  /** Alias of `output.notesMarkdown`. */
  readonly notes?: string;
  /** Alias of `output.artifacts`. */
  readonly artifacts?: ArtifactsInput;
  /** Only new or changed facts (§7.1). */
  readonly context?: ObjectInput;
  /** Alias of `context`. */
  readonly contextVariables?: ObjectInput;
  /** Remembered as a workflow root; bindings always come from the session's own workspacePath. */
  readonly workspacePath?: string;
}

/** Checked at run time (§7.4); JSON text is parsed first (§2.2). */
export type ArtifactsInput = readonly { readonly [key: string]: unknown }[] | string;
/** Checked at run time (§7.2); JSON text is parsed first (§2.2). */
export type ObjectInput = { readonly [key: string]: unknown } | string;

export interface ContinueOptions {
  /** Reserved context keys a trusted caller (the daemon) may set. */
  readonly allowReservedContextKeys?: readonly string[];
}

/** The input after alias resolution and checks. */
export interface ContinueRequest {
  readonly continueToken: unknown;
  readonly intent: 'advance' | 'rehydrate';
  readonly notes?: string;
  readonly artifacts?: readonly JsonObject[];
  readonly contextDelta?: JsonObject;
  readonly workspacePath?: string;
  /** SHA-256 of the canonical (notes, artifacts, context): tells a replay whether its input differs (§6.2). */
  readonly inputDigest: string;
}

const KNOWN_KEYS = [
  'continueToken',
  'intent',
  'output',
  'notes',
  'artifacts',
  'context',
  'contextVariables',
  'workspacePath',
];
const TEMPLATE: JsonObject = {
  continueToken: 'ct_…',
  output: { notesMarkdown: 'What I did in this step.', artifacts: [] },
  context: {},
};

/** Resolves aliases and infers the intent; VALIDATION_ERROR for any rule of §4.4 or limit of §7. */
export function parseContinueInput(
  input: ContinueWorkflowInput,
  options: ContinueOptions = {},
): Result<ContinueRequest, AppError> {
  if (!isPlainObject(input)) {
    return err(validationError('Input must be an object.', TEMPLATE, [{ path: '', message: 'must be an object' }]));
  }
  const unknown = checkKnownKeys(input, KNOWN_KEYS, TEMPLATE);
  if (unknown !== null) return err(unknown);
  if (input.continueToken === undefined) return err(missingRequired('continueToken', 'ct_…', TEMPLATE));
  const invalid = (path: string, message: string) =>
    err(validationError(`${path} ${message}.`, TEMPLATE, [{ path, message }]));

  const output = parseJsonText(input.output);
  if (!output.ok) return invalid('output', output.error);
  if (output.value !== undefined && !isPlainObject(output.value)) return invalid('output', 'must be an object');
  const out = (output.value ?? {}) as Record<string, unknown>;
  const unknownOutput = checkKnownKeys(out, ['notesMarkdown', 'artifacts'], TEMPLATE, 'output.');
  if (unknownOutput !== null) return err(unknownOutput);

  for (const [alias, canonical, present] of [
    ['notes', 'output.notesMarkdown', out.notesMarkdown !== undefined],
    ['artifacts', 'output.artifacts', out.artifacts !== undefined],
    ['contextVariables', 'context', input.context !== undefined],
  ] as const) {
    if (input[alias] !== undefined && present) {
      return err(
        validationError(`Send either ${alias} or ${canonical}, not both (${alias} is an alias).`, TEMPLATE, [
          { path: alias, message: `alias of ${canonical}, which is also present` },
        ]),
      );
    }
  }
  const hasPayload =
    input.output !== undefined ||
    input.notes !== undefined ||
    input.artifacts !== undefined ||
    input.context !== undefined ||
    input.contextVariables !== undefined;
  if (input.intent !== undefined && input.intent !== 'advance' && input.intent !== 'rehydrate') {
    return invalid('intent', 'must be "advance" or "rehydrate"');
  }
  if (input.intent === 'rehydrate' && hasPayload) {
    return invalid('intent', 'is "rehydrate", which takes no output, notes, artifacts or context');
  }
  const intent = input.intent ?? (hasPayload ? 'advance' : 'rehydrate');
  if (
    input.workspacePath !== undefined &&
    (typeof input.workspacePath !== 'string' || !path.isAbsolute(input.workspacePath))
  ) {
    return invalid('workspacePath', 'must be an absolute path');
  }

  const notesField = input.notes !== undefined ? 'notes' : 'output.notesMarkdown';
  const notes = checkNotes(input.notes ?? out.notesMarkdown, notesField, TEMPLATE);
  if (!notes.ok) return notes;
  const artifactsField = input.artifacts !== undefined ? 'artifacts' : 'output.artifacts';
  const rawArtifacts = parseJsonText(input.artifacts ?? out.artifacts);
  if (!rawArtifacts.ok) return invalid(artifactsField, rawArtifacts.error);
  const artifacts = checkArtifacts(rawArtifacts.value, artifactsField, TEMPLATE);
  if (!artifacts.ok) return artifacts;
  const contextField = input.contextVariables !== undefined ? 'contextVariables' : 'context';
  const rawContext = parseJsonText(input.contextVariables ?? input.context);
  if (!rawContext.ok) return invalid(contextField, rawContext.error);
  let contextDelta: JsonObject | undefined;
  if (rawContext.value !== undefined) {
    const allow =
      options.allowReservedContextKeys === undefined ? {} : { allowReservedKeys: options.allowReservedContextKeys };
    const checked = validateContext(rawContext.value, allow);
    if (!checked.ok) return err(contextError(checked.issue, contextField, TEMPLATE));
    contextDelta = checked.value;
  }

  const digest = sha256Hex(
    canonicalJson({ notes: notes.value ?? null, artifacts: artifacts.value ?? null, context: contextDelta ?? null }),
  );
  return ok({
    continueToken: input.continueToken,
    intent,
    ...(notes.value === undefined ? {} : { notes: notes.value }),
    ...(artifacts.value === undefined ? {} : { artifacts: artifacts.value }),
    ...(contextDelta === undefined ? {} : { contextDelta }),
    ...(input.workspacePath === undefined ? {} : { workspacePath: path.resolve(input.workspacePath) }),
    inputDigest: digest,
  });
}
