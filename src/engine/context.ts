// Run context (docs: mcp-protocol.md §7.1–§7.2): validation of a delta or initial context, the shallow merge,
// and the size budget of the merged result.
import { canonicalJson, utf8Length } from '../workflow/canonical.js';
import type { JsonObject, JsonValue } from '../workflow/types.js';
import { makeBlocker } from './blockers.js';
import type { Blocker } from './events.js';

export const CONTEXT_MAX_BYTES = 256 * 1024;
export const CONTEXT_MAX_DEPTH = 64;
export const RESERVED_CONTEXT_KEYS = [
  'eat_token',
  'parent_eat_token',
  'metrics_harness',
  'metrics_active_model',
  'is_autonomous',
] as const;
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);
export const METRICS_OUTCOMES = ['success', 'partial', 'abandoned', 'error'] as const;

/** Why a context object was refused; `kind` is the `details.kind` of the app's VALIDATION_ERROR. */
export type ContextIssue =
  | { readonly kind: 'context_invalid_shape'; readonly message: string; readonly path: string }
  | { readonly kind: 'context_too_deep'; readonly message: string; readonly maxDepth: number }
  | {
      readonly kind: 'context_budget_exceeded';
      readonly message: string;
      readonly measuredBytes: number;
      readonly maxBytes: number;
    }
  | { readonly kind: 'context_reserved_key'; readonly message: string; readonly key: string; readonly path: string }
  | { readonly kind: 'context_invalid_metrics_outcome'; readonly message: string; readonly value: JsonValue };

export type ContextCheck =
  | { readonly ok: true; readonly value: JsonObject }
  | { readonly ok: false; readonly issue: ContextIssue };

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

/**
 * Checks a context delta or an initial context: a JSON object, depth ≤ 64, no reserved keys, a valid
 * `metrics_outcome`, canonical JSON ≤ 256 KiB. Returns the first problem found, in that order.
 * `allowReservedKeys` lets trusted callers (the daemon) set keys such as `is_autonomous`.
 */
export function validateContext(value: unknown, options: { allowReservedKeys?: readonly string[] } = {}): ContextCheck {
  const fail = (issue: ContextIssue): ContextCheck => ({ ok: false, issue });
  if (!isPlainObject(value))
    return fail({ kind: 'context_invalid_shape', message: 'context must be a JSON object', path: 'context' });
  const walk = walkJson(value, 'context', 1);
  if (walk !== null) return fail(walk);
  const allowed = new Set(options.allowReservedKeys ?? []);
  for (const key of RESERVED_CONTEXT_KEYS) {
    if (Object.hasOwn(value, key) && !allowed.has(key)) {
      return fail({
        kind: 'context_reserved_key',
        message: `"${key}" is reserved and cannot be set`,
        key,
        path: `context.${key}`,
      });
    }
  }
  const outcome = value.metrics_outcome;
  if (outcome !== undefined && outcome !== null && !(METRICS_OUTCOMES as readonly unknown[]).includes(outcome)) {
    return fail({
      kind: 'context_invalid_metrics_outcome',
      message: `metrics_outcome must be one of ${METRICS_OUTCOMES.join(', ')}`,
      value: outcome as JsonValue,
    });
  }
  const measuredBytes = contextBytes(value as JsonObject);
  if (measuredBytes > CONTEXT_MAX_BYTES) {
    return fail({
      kind: 'context_budget_exceeded',
      message: `context is ${measuredBytes} bytes of canonical JSON; the limit is ${CONTEXT_MAX_BYTES}`,
      measuredBytes,
      maxBytes: CONTEXT_MAX_BYTES,
    });
  }
  return { ok: true, value: value as JsonObject };
}

/** Finds the first non-JSON value, forbidden key or excess depth below `value` (which sits at `depth`). */
function walkJson(value: unknown, path: string, depth: number): ContextIssue | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? null : { kind: 'context_invalid_shape', message: 'numbers must be finite', path };
  }
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) return { kind: 'context_invalid_shape', message: 'not a JSON value', path };
  if (depth > CONTEXT_MAX_DEPTH) {
    return {
      kind: 'context_too_deep',
      message: `context nests deeper than ${CONTEXT_MAX_DEPTH} levels`,
      maxDepth: CONTEXT_MAX_DEPTH,
    };
  }
  const entries = isArray ? (value as unknown[]).map((v, i) => [String(i), v] as const) : Object.entries(value);
  for (const [key, child] of entries) {
    const childPath = isArray ? `${path}[${key}]` : `${path}.${key}`;
    if (!isArray && FORBIDDEN_KEYS.has(key)) {
      return { kind: 'context_reserved_key', message: `"${key}" is not allowed as a key`, key, path: childPath };
    }
    const issue = walkJson(child, childPath, depth + 1);
    if (issue !== null) return issue;
  }
  return null;
}

/** Size of the RFC 8785 canonical JSON of a context, in UTF-8 bytes. */
export function contextBytes(context: JsonObject): number {
  return utf8Length(canonicalJson(context));
}

/** Shallow merge (§7.1): each delta key replaces the stored value; `null` deletes the key. */
export function mergeContext(base: JsonObject, delta: JsonObject): JsonObject {
  const entries = new Map(Object.entries(base));
  for (const [key, value] of Object.entries(delta)) {
    if (value === null) entries.delete(key);
    else entries.set(key, value);
  }
  return Object.fromEntries(entries);
}

/** The CONTEXT_BUDGET_EXCEEDED blocker when a merged context is over 256 KiB, else null. */
export function mergedBudgetBlocker(merged: JsonObject): Blocker | null {
  const bytes = contextBytes(merged);
  if (bytes <= CONTEXT_MAX_BYTES) return null;
  return makeBlocker(
    'CONTEXT_BUDGET_EXCEEDED',
    { kind: 'context_budget' },
    `The merged context would be ${bytes} bytes; the limit is ${CONTEXT_MAX_BYTES}.`,
    'Send null for context keys that are no longer needed, or store less data in context.',
  );
}
