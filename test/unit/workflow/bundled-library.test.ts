import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  contextInputs,
  DOCS_PATH,
  loadBundledEntries,
  readVariables,
  renderWorkflowDocs,
} from '../../../scripts/generate-workflow-docs.js';
import { BUNDLED_WORKFLOW_TAGS, TAG_CATALOG } from '../../../src/workflow/tags.js';
import type { CompiledBodyStep, CompiledWorkflow } from '../../../src/workflow/types.js';

const entries = loadBundledEntries();
const routines = entries.filter((entry) => entry.id.startsWith('wr.routine-'));
const workflows = entries.filter((entry) => !entry.id.startsWith('wr.routine-'));

function stepsOf(workflow: CompiledWorkflow): CompiledBodyStep[] {
  return workflow.steps.flatMap((step) => (step.kind === 'loop' ? step.body : [step]));
}

describe('the bundled workflow library', () => {
  it('contains the required workflows and at least three routines', () => {
    expect(workflows.map((e) => e.id)).toEqual(
      expect.arrayContaining([
        'wr.coding-task',
        'wr.bug-investigation',
        'wr.mr-review',
        'wr.discovery',
        'wr.shaping',
        'wr.classify-task',
        'wr.quick-task',
        'wr.refactoring',
        'wr.documentation',
        'wr.test-generation',
        'wr.architecture-audit',
        'wr.workflow-authoring',
      ]),
    );
    expect(routines.length).toBeGreaterThanOrEqual(3);
  });

  it('tags every bundled workflow, only with tag ids from the catalog', () => {
    const known = new Set(TAG_CATALOG.map((tag) => tag.id));
    for (const entry of entries) {
      const tags = BUNDLED_WORKFLOW_TAGS[entry.id];
      expect({ id: entry.id, tagged: tags !== undefined && tags.length > 0 }).toEqual({ id: entry.id, tagged: true });
      expect((tags ?? []).filter((tag) => !known.has(tag))).toEqual([]);
    }
    expect(Object.keys(BUNDLED_WORKFLOW_TAGS).sort()).toEqual(entries.map((e) => e.id).sort());
  });

  it('gives every workflow an about text and example goals for the catalog', () => {
    const missing = entries.filter((e) => e.workflow.about === undefined || e.workflow.examples.length === 0);
    expect(missing.map((e) => e.id)).toEqual([]);
  });

  it('reuses every routine in at least two workflows', () => {
    for (const routine of routines) {
      const template = `wr.templates.routine.${routine.id.slice('wr.routine-'.length)}`;
      const users = workflows.filter((e) =>
        e.document.steps.some(
          (s) =>
            (s.type === undefined && s.templateCall?.templateId === template) ||
            (s.type === 'loop' &&
              typeof s.body !== 'string' &&
              s.body.some((b) => b.type === undefined && b.templateCall?.templateId === template)),
        ),
      );
      expect({ routine: routine.id, users: users.length >= 2 }).toEqual({ routine: routine.id, users: true });
    }
  });

  it('tells the agent what to put in its notes at every step that requires notes', () => {
    const silent = entries.flatMap((entry) =>
      stepsOf(entry.workflow)
        .filter((step) => step.kind === 'standard' && step.notesRequired && !/notes\**:/i.test(step.prompt))
        .map((step) => `${entry.id}/${step.id}`),
    );
    expect(silent).toEqual([]);
  });

  it('asks the agent, by name, for every context value a condition, loop or template reads', () => {
    const unasked = entries.flatMap((entry) => {
      const asked = new Set(contextInputs(entry.workflow).map((input) => input.key));
      return [...readVariables(entry.workflow).keys()]
        .filter((key) => !asked.has(key))
        .map((key) => `${entry.id}: ${key}`);
    });
    expect(unasked).toEqual([]);
  });
});

describe('docs/workflows.md', () => {
  it('is the generator output for the current workflow files (regenerate with scripts/generate-workflow-docs.ts)', () => {
    expect(readFileSync(DOCS_PATH, 'utf8')).toBe(renderWorkflowDocs(entries));
  });

  it('lists each workflow with its phases, inputs and outputs', () => {
    const page = readFileSync(DOCS_PATH, 'utf8');
    for (const entry of entries) expect(page).toContain(`\`${entry.id}\``);
    expect(page).toContain('- `slices` — sent at `plan`; read by `implement-slices (loop items)`');
    expect(page).toContain('- `wr.coding_handoff` artifact from `handoff`');
    expect(page).toContain('**Implement the slices** — repeats for each item of `slices`, at most 8 passes');
  });
});
