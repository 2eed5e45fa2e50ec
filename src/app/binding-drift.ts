// BINDING_DRIFT (docs: workflow-format.md §9.5): the session keeps the binding values pinned at start; when the
// workspace's `.workrail/bindings.json` now says otherwise, rehydrate responses report each changed slot.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SessionHead } from '../store/index.js';
import { resolveBindingsFile, resolveSlotValues } from '../workflow/bindings.js';
import type { ResponseWarning } from './execution-response.js';

/** One warning per slot whose current value differs from the pinned one; none when nothing changed. */
export function bindingDrift(session: Pick<SessionHead, 'workspacePath' | 'run' | 'workflow'>): ResponseWarning[] {
  const { run, workflow } = session;
  if (run === null || workflow === null || workflow.extensionPoints.length === 0) return [];
  const current = resolveSlotValues(workflow.extensionPoints, readOverrides(session.workspacePath, workflow.id));
  const warnings: ResponseWarning[] = [];
  for (const [slotId, currentValue] of current) {
    const pinnedValue = run.bindings[slotId];
    if (pinnedValue === undefined || pinnedValue === currentValue) continue;
    warnings.push({
      code: 'BINDING_DRIFT',
      message: `Binding "${slotId}" is now "${currentValue}" in .workrail/bindings.json; this session keeps "${pinnedValue}".`,
      details: { slotId, pinnedValue, currentValue },
    });
  }
  return warnings;
}

function readOverrides(workspacePath: string, workflowId: string): Record<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(workspacePath, '.workrail', 'bindings.json'), 'utf8');
  } catch {
    return undefined;
  }
  try {
    return resolveBindingsFile(JSON.parse(text) as unknown, workflowId).bindings;
  } catch {
    return undefined;
  }
}
