// Blockers (docs: mcp-protocol.md §5.3): construction, size limits, de-duplication and the canonical order.
import { utf8Length } from '../workflow/canonical.js';
import type { Blocker, BlockerCode, BlockerPointer } from './events.js';

export const MAX_BLOCKERS = 10;
const MAX_MESSAGE_BYTES = 512;
const MAX_FIX_BYTES = 1024;

/** Blocker codes after which resubmitting cannot succeed. */
const TERMINAL_CODES: ReadonlySet<BlockerCode> = new Set(['INVARIANT_VIOLATION', 'STORAGE_CORRUPTION_DETECTED']);

export function makeBlocker(
  code: BlockerCode,
  pointer: BlockerPointer,
  message: string,
  suggestedFix?: string,
): Blocker {
  const base = { code, pointer, message: truncateBytes(message, MAX_MESSAGE_BYTES) };
  return suggestedFix === undefined ? base : { ...base, suggestedFix: truncateBytes(suggestedFix, MAX_FIX_BYTES) };
}

/** The value a pointer sorts by within its kind. */
export function pointerValue(pointer: BlockerPointer): string {
  switch (pointer.kind) {
    case 'workflow_step':
      return pointer.stepId;
    case 'output_contract':
      return pointer.contractRef;
    case 'assessment_dimension':
      return `${pointer.assessmentId}/${pointer.dimensionId}`;
    case 'context_key':
      return pointer.key;
    case 'context_budget':
      return '';
  }
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Drops repeats of the same (code, pointer), sorts by code, pointer kind, pointer value, and keeps at most 10. */
export function finalizeBlockers(blockers: readonly Blocker[]): Blocker[] {
  const seen = new Set<string>();
  const unique = blockers.filter((b) => {
    const key = `${b.code}\u0000${b.pointer.kind}\u0000${pointerValue(b.pointer)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  unique.sort(
    (a, b) =>
      compareText(a.code, b.code) ||
      compareText(a.pointer.kind, b.pointer.kind) ||
      compareText(pointerValue(a.pointer), pointerValue(b.pointer)),
  );
  return unique.slice(0, MAX_BLOCKERS);
}

/** True when every blocker can be fixed by resubmitting. */
export function isRetryable(blockers: readonly Blocker[]): boolean {
  return blockers.every((b) => !TERMINAL_CODES.has(b.code));
}

/** Cuts `text` so that its UTF-8 form fits in `maxBytes`, marking the cut with an ellipsis. */
export function truncateBytes(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const chars = Array.from(text);
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (utf8Length(`${chars.slice(0, mid).join('')}…`) <= maxBytes) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join('')}…`;
}
