import { canonicalJson, sha256Hex } from './canonical.js';
import type { CompiledWorkflow, WorkflowHash } from './types.js';

/**
 * `sha256:` + hex SHA-256 over the RFC 8785 canonical JSON of the compiled workflow without its
 * `workflowHash` field (a present `workflowHash` is ignored, so a compiled workflow can be re-checked).
 */
export function hashCompiledWorkflow(w: Omit<CompiledWorkflow, 'workflowHash'>): WorkflowHash {
  const { workflowHash: _ignored, ...rest } = w as Partial<CompiledWorkflow>;
  return `sha256:${sha256Hex(canonicalJson(rest))}`;
}

/**
 * Returns the pinned form of a freshly compiled workflow: a deep-frozen copy holding exactly what was
 * hashed (no `undefined` members, nothing shared with the input document) plus its `workflowHash`.
 * The result equals `{...w, workflowHash: hashCompiledWorkflow(w)}`.
 */
export function pinCompiledWorkflow(w: Omit<CompiledWorkflow, 'workflowHash'>): CompiledWorkflow {
  const state = { integerKey: false };
  const copy = sortedFrozenCopy(w, state, false) as Record<string, unknown>;
  // With keys inserted in sorted order, JSON.stringify writes RFC 8785 text (strings and numbers are
  // serialised the same way), except that engines list integer-like keys first: then use canonicalJson.
  const text = state.integerKey ? canonicalJson(copy) : JSON.stringify(copy);
  return Object.freeze({ ...copy, workflowHash: `sha256:${sha256Hex(text)}` }) as unknown as CompiledWorkflow;
}

const INTEGER_KEY = /^(?:0|[1-9][0-9]*)$/;

/** A JSON copy with object keys in code-unit order and `undefined` members dropped, frozen unless `freeze` is false. */
function sortedFrozenCopy(value: unknown, state: { integerKey: boolean }, freeze = true): unknown {
  if (typeof value !== 'object' || value === null) return value;
  let copy: unknown;
  if (Array.isArray(value)) {
    copy = value.map((item) => (item === undefined ? null : sortedFrozenCopy(item, state)));
  } else {
    const source = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const member = source[key];
      if (member === undefined) continue;
      if (INTEGER_KEY.test(key)) state.integerKey = true;
      const memberCopy = sortedFrozenCopy(member, state);
      if (key === '__proto__') Object.defineProperty(out, key, { value: memberCopy, enumerable: true, writable: true });
      else out[key] = memberCopy;
    }
    copy = out;
  }
  return freeze ? Object.freeze(copy) : copy;
}
