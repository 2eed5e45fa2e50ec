import { canonicalJson, sha256Hex } from './canonical.js';
import type { CompiledWorkflow, WorkflowHash } from './types.js';

/**
 * `sha256:` + hex SHA-256 over the RFC 8785 canonical JSON of the compiled workflow without its
 * `workflowHash` field (a present `workflowHash` is ignored, so a compiled workflow can be re-checked).
 */
export function hashCompiledWorkflow(w: Omit<CompiledWorkflow, 'workflowHash'>): WorkflowHash {
  const { workflowHash: _ignored, ...rest } = w as Partial<CompiledWorkflow>;
  return hashOf(canonicalJson(rest));
}

/**
 * Returns the pinned form of a freshly compiled workflow: a deep-frozen copy that holds exactly what was
 * hashed (no `undefined` members, nothing shared with the input) plus its `workflowHash`.
 */
export function pinCompiledWorkflow(w: Omit<CompiledWorkflow, 'workflowHash'>): CompiledWorkflow {
  const text = canonicalJson(w);
  const copy = JSON.parse(text) as Omit<CompiledWorkflow, 'workflowHash'>;
  return deepFreeze({ ...copy, workflowHash: hashOf(text) });
}

function hashOf(canonicalText: string): WorkflowHash {
  return `sha256:${sha256Hex(canonicalText)}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}
