// Extension-point bindings (docs: workflow-format.md §9.5): reading a project bindings file and
// substituting `{{wr.bindings.<slotId>}}` tokens at compile time.

import type { ExtensionPoint } from './types.js';

const MAX_VALUE_LENGTH = 128;
const BINDING_TOKEN = /\{\{wr\.bindings\.([^{}]*)\}\}/g;

export interface BindingsFile {
  readonly bindings: Record<string, string>;
  readonly warning?: string;
}

/**
 * Picks this workflow's overrides out of the parsed `.workrail/bindings.json`: the section keyed by the
 * workflow id, or else the file's flat string entries (object entries are other workflows' sections).
 * Values must be non-empty strings of at most 128 characters; a malformed file yields no bindings and a warning.
 */
export function resolveBindingsFile(json: unknown, workflowId: string): BindingsFile {
  if (!isPlainObject(json)) return malformed('the file is not a JSON object');
  const section = Object.hasOwn(json, workflowId) ? json[workflowId] : undefined;
  if (section !== undefined) {
    if (!isPlainObject(section)) return malformed(`the "${workflowId}" entry is not an object`);
    return collect(Object.entries(section), `"${workflowId}".`);
  }
  return collect(
    Object.entries(json).filter(([, value]) => !isPlainObject(value)),
    '',
  );
}

function collect(entries: [string, unknown][], where: string): BindingsFile {
  for (const [key, value] of entries) {
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_VALUE_LENGTH) {
      return malformed(`${where}${key} must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
    }
  }
  return { bindings: Object.fromEntries(entries) as Record<string, string> };
}

function malformed(reason: string): BindingsFile {
  return { bindings: {}, warning: `Ignored .workrail/bindings.json: ${reason}.` };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Bound value of every declared slot: the project override if present, else the slot's default. */
export function resolveSlotValues(
  extensionPoints: readonly ExtensionPoint[],
  overrides: { readonly [slotId: string]: string } | undefined,
): Map<string, string> {
  const values = new Map<string, string>();
  for (const point of extensionPoints) {
    const override =
      overrides !== undefined && Object.hasOwn(overrides, point.slotId) ? overrides[point.slotId] : undefined;
    values.set(point.slotId, override ?? point.default);
  }
  return values;
}

export interface BindingProblem {
  readonly rule: 'binding-without-extension-points' | 'binding-slot-undeclared';
  readonly message: string;
}

/**
 * Replaces every `{{wr.bindings.<slot>}}` in `text` with the slot's value. Each unresolvable token is
 * reported once per text and removed, so the final `{{wr.` scan does not report it a second time.
 */
export function substituteBindings(
  text: string,
  slots: ReadonlyMap<string, string>,
  report: (problem: BindingProblem) => void,
): string {
  if (!text.includes('{{wr.bindings.')) return text;
  const reported = new Set<string>();
  return text.replace(BINDING_TOKEN, (_token, slot: string) => {
    const value = slots.get(slot);
    if (value !== undefined) return value;
    if (reported.has(slot)) return '';
    reported.add(slot);
    if (slots.size === 0) {
      report({
        rule: 'binding-without-extension-points',
        message: `{{wr.bindings.${slot}}} needs a slot declared in the workflow's extensionPoints.`,
      });
    } else {
      report({
        rule: 'binding-slot-undeclared',
        message: `{{wr.bindings.${slot}}} names no declared slot; declared: ${[...slots.keys()].join(', ')}.`,
      });
    }
    return '';
  });
}
