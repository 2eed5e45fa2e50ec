// Generates docs/workflows.md from the bundled workflow files: when to use each workflow, its phases, the
// context keys its prompts ask the agent to send, and the artifacts it produces.
//
//   node --import tsx scripts/generate-workflow-docs.ts          writes docs/workflows.md
//   node --import tsx scripts/generate-workflow-docs.ts --check  exits 1 when docs/workflows.md is stale

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { formatCondition } from '../src/cli/format.js';
import type { CatalogEntry } from '../src/workflow/catalog.js';
import { bundledWorkflowsDir, createWorkflowSources } from '../src/workflow/sources.js';
import { TAG_CATALOG } from '../src/workflow/tags.js';
import type {
  CompiledBodyStep,
  CompiledStep,
  CompiledWorkflow,
  Condition,
  ConfirmationRule,
  LoopStep,
  Step,
  WorkflowDocument,
} from '../src/workflow/types.js';

export const DOCS_PATH = fileURLToPath(new URL('../docs/workflows.md', import.meta.url));

/** The bundled catalog entries (listed ones only), workflows first and routines last, each group by id. */
export function loadBundledEntries(): CatalogEntry[] {
  const sources = createWorkflowSources(
    {
      workrailHome: path.join(bundledWorkflowsDir(), '.no-home'),
      bundledDir: bundledWorkflowsDir(),
      includeBundled: true,
      includeUser: false,
      includeProject: false,
      storagePaths: [],
    },
    {
      now: () => 0,
      roots: { list: () => [], remember: () => {} },
      managed: { list: () => [], add: () => [], remove: () => [] },
    },
  );
  const entries = sources.list().entries.filter((entry) => entry.source.kind === 'bundled' && !entry.internal);
  const isRoutine = (entry: CatalogEntry) => entry.id.startsWith('wr.routine-');
  return [...entries.filter((e) => !isRoutine(e)), ...entries.filter(isRoutine)];
}

/** A context key the prompts ask for: where it is set and what reads it. */
export interface ContextInput {
  readonly key: string;
  readonly setBy: readonly string[];
  readonly readBy: readonly string[];
}

const SEND_CONTEXT = /Send context ([\s\S]*?)(?:\.(?:\s|$)|$)/g;
const BACKTICKED = /`([A-Za-z_][A-Za-z0-9_]*)`/g;
const TEMPLATE_VAR = /\{\{([A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_.]*)?\}\}/g;

/** Keys named in a prompt's "Send context `a`, `b` and `c` (...)" sentences; parentheses and "as/with ..." tails are ignored. */
export function requestedContextKeys(prompt: string): string[] {
  const keys: string[] = [];
  for (const match of prompt.matchAll(SEND_CONTEXT)) {
    const head = (match[1] ?? '').replace(/\([^)]*\)/g, '').split(/ (?:as|with|to) /)[0] ?? '';
    for (const key of head.matchAll(BACKTICKED)) if (key[1] !== undefined && !keys.includes(key[1])) keys.push(key[1]);
  }
  return keys;
}

/** Context variables the compiled workflow reads (conditions, loop inputs, `{{var}}`), loop variables and goal excluded. */
export function readVariables(workflow: CompiledWorkflow): Map<string, string[]> {
  const reads = new Map<string, string[]>();
  const add = (name: string, reader: string, hidden: ReadonlySet<string>) => {
    const root = name.split('.')[0] ?? name;
    if (root === 'goal' || hidden.has(root)) return;
    const list = reads.get(root) ?? [];
    if (!list.includes(reader)) list.push(reader);
    reads.set(root, list);
  };
  const conditionVars = (condition: Condition | undefined, reader: string, hidden: ReadonlySet<string>): void => {
    if (condition === undefined) return;
    if ('and' in condition || 'or' in condition) {
      for (const member of 'and' in condition ? condition.and : condition.or) conditionVars(member, reader, hidden);
    } else if ('not' in condition) conditionVars(condition.not, reader, hidden);
    else add(condition.var, reader, hidden);
  };
  const bodyStep = (step: CompiledBodyStep, hidden: ReadonlySet<string>) => {
    conditionVars(step.runCondition, `${step.id} (runCondition)`, hidden);
    const confirmation = confirmationCondition(step.requireConfirmation);
    conditionVars(confirmation, `${step.id} (requireConfirmation)`, hidden);
    if (step.kind !== 'standard') return;
    for (const fragment of step.promptFragments) conditionVars(fragment.when, `${step.id} (prompt fragment)`, hidden);
    for (const text of [step.title, step.prompt]) {
      for (const match of text.matchAll(TEMPLATE_VAR)) add(match[1] ?? '', `${step.id} (prompt)`, hidden);
    }
  };
  for (const step of workflow.steps) {
    if (step.kind !== 'loop') {
      bodyStep(step, new Set());
      continue;
    }
    const { loop } = step;
    const hidden = new Set([loop.iterationVar, loop.itemVar, loop.indexVar]);
    conditionVars(step.runCondition, `${step.id} (runCondition)`, new Set());
    if (loop.items !== undefined) add(loop.items, `${step.id} (loop items)`, new Set());
    if (typeof loop.count === 'string') add(loop.count, `${step.id} (loop count)`, new Set());
    if (loop.control?.kind === 'context_variable')
      conditionVars(loop.control.condition, `${step.id} (loop condition)`, hidden);
    for (const body of step.body) bodyStep(body, hidden);
  }
  return reads;
}

/** Every context key some prompt asks for, in the order the steps ask, with its readers. */
export function contextInputs(workflow: CompiledWorkflow): ContextInput[] {
  const setBy = new Map<string, string[]>();
  for (const step of flatten(workflow.steps)) {
    if (step.kind !== 'standard') continue;
    for (const key of requestedContextKeys(step.prompt)) setBy.set(key, [...(setBy.get(key) ?? []), step.id]);
  }
  const reads = readVariables(workflow);
  return [...setBy.entries()].map(([key, steps]) => ({ key, setBy: steps, readBy: reads.get(key) ?? [] }));
}

function flatten(steps: readonly CompiledStep[]): CompiledBodyStep[] {
  return steps.flatMap((step) => (step.kind === 'loop' ? step.body : [step]));
}

function confirmationCondition(rule: ConfirmationRule | undefined): Condition | undefined {
  if (rule === undefined || typeof rule === 'boolean') return undefined;
  if ('kind' in rule && (rule.kind === 'coordinator_eval' || rule.kind === 'human_approval')) return rule.condition;
  return rule as Condition;
}

// ---------- rendering ----------

/** The whole docs/workflows.md page. */
export function renderWorkflowDocs(entries: readonly CatalogEntry[]): string {
  const workflows = entries.filter((entry) => !entry.id.startsWith('wr.routine-'));
  const routines = entries.filter((entry) => entry.id.startsWith('wr.routine-'));
  const lines = [
    '# Bundled workflows',
    '',
    '<!-- Generated by scripts/generate-workflow-docs.ts from workflows/. Do not edit by hand. -->',
    '',
    'WorkRail ships these workflows. Start one with `start_workflow` and its id; `workrail inspect <id>` shows the',
    'compiled outline. Context keys listed under **Inputs** are the values the agent is asked to send with',
    '`continue_workflow` (`context`); later steps and loops read them. Every run also receives the start `goal`.',
    '',
    '| Workflow | Id | Tags | What it does |',
    '|---|---|---|---|',
    ...workflows.map(
      (e) => `| [${e.workflow.name}](#${anchor(e)}) | \`${e.id}\` | ${tagNames(e.tags)} | ${e.workflow.description} |`,
    ),
    '',
    '**Routines** are small procedures the workflows above reuse through `templateCall`; each can also be started on its own.',
    '',
    '| Routine | Template id | Arguments | What it does |',
    '|---|---|---|---|',
    ...routines.map(
      (e) =>
        `| [${e.workflow.name}](#${anchor(e)}) | \`${templateId(e.id)}\` | ${
          routineArgs(e.document)
            .map((a) => `\`${a}\``)
            .join(', ') || '—'
        } | ${e.workflow.description} |`,
    ),
  ];
  for (const entry of [...workflows, ...routines]) lines.push('', ...renderEntry(entry, entries));
  return `${lines.join('\n')}\n`;
}

function renderEntry(entry: CatalogEntry, all: readonly CatalogEntry[]): string[] {
  const { workflow, document } = entry;
  const lines = [
    `## ${workflow.name}`,
    '',
    `\`${entry.id}\` · version ${workflow.version} · tags: ${tagNames(entry.tags)}`,
    '',
  ];
  lines.push(workflow.description, '');
  if (workflow.about !== undefined) lines.push('### When to use it', '', workflow.about, '');
  if (workflow.examples.length > 0) lines.push('Example goals:', '', ...workflow.examples.map((e) => `- ${e}`), '');
  if (workflow.preconditions.length > 0) {
    lines.push('Before you start:', '', ...workflow.preconditions.map((p) => `- ${p}`), '');
  }
  lines.push('### Phases', '');
  document.steps.forEach((step, index) => {
    lines.push(...phaseLines(step, `${index + 1}.`, '', document, all));
  });
  lines.push('', '### Inputs', '', '- `goal` — the start goal (every run).');
  for (const input of contextInputs(workflow)) {
    const readers = input.readBy.length === 0 ? '' : `; read by ${input.readBy.map((r) => `\`${r}\``).join(', ')}`;
    lines.push(`- \`${input.key}\` — sent at ${input.setBy.map((s) => `\`${s}\``).join(', ')}${readers}`);
  }
  const outputs = artifactOutputs(workflow);
  lines.push('', '### Outputs', '');
  if (outputs.length === 0) lines.push('- Step notes only (no artifacts).');
  else lines.push(...outputs.map((o) => `- ${o}`));
  const usedBy = all
    .filter((other) => usesTemplate(other.document, templateId(entry.id)))
    .map((other) => `\`${other.id}\``);
  if (entry.id.startsWith('wr.routine-')) {
    lines.push('', `Used by: ${usedBy.length === 0 ? 'no bundled workflow yet' : usedBy.join(', ')}.`);
  }
  return lines;
}

function phaseLines(
  step: Step,
  number: string,
  indent: string,
  doc: WorkflowDocument,
  all: readonly CatalogEntry[],
): string[] {
  const notes: string[] = [];
  if (step.type === 'loop') notes.push(describeLoop(step));
  if (step.type === undefined && step.templateCall !== undefined) {
    notes.push(`routine \`${routineOf(step.templateCall.templateId, all)}\``);
  }
  if (step.runCondition !== undefined) notes.push(`only when \`${formatCondition(step.runCondition)}\``);
  const confirmation = describeConfirmation(step.requireConfirmation);
  if (confirmation !== undefined) notes.push(confirmation);
  if (step.type === undefined && step.outputContract !== undefined) {
    const kind = step.outputContract.contractRef.replace('wr.contracts.', 'wr.');
    notes.push(`${step.outputContract.required === false ? 'may submit' : 'submits'} \`${kind}\``);
  }
  if (step.type === undefined && (step.assessmentRefs ?? []).length > 0) {
    notes.push(`assessment ${(step.assessmentRefs ?? []).map((a) => `\`${a}\``).join(', ')}`);
  }
  const suffix = notes.length === 0 ? '' : ` — ${notes.join('; ')}`;
  const lines = [`${indent}${number} **${step.title}**${suffix}`];
  if (step.type === 'loop') {
    const body = typeof step.body === 'string' ? doc.steps.filter((s) => s.id === step.body) : step.body;
    body.forEach((inner, i) => {
      lines.push(...phaseLines(inner, `${i + 1}.`, `${indent}   `, doc, all));
    });
  }
  return lines;
}

function describeLoop(step: LoopStep): string {
  const { loop } = step;
  const cap = `at most ${loop.maxIterations} passes`;
  switch (loop.type) {
    case 'forEach':
      return `repeats for each item of \`${loop.items}\`, ${cap}`;
    case 'for':
      return `repeats ${typeof loop.count === 'string' ? `\`${loop.count}\`` : loop.count} times, ${cap}`;
    default: {
      const condition =
        loop.condition ??
        (loop.conditionSource?.kind === 'context_variable' ? loop.conditionSource.condition : undefined);
      if (condition === undefined) return `repeats until a \`wr.loop_control\` stop, ${cap}`;
      return `repeats ${loop.type} \`${formatCondition(condition)}\`, ${cap}`;
    }
  }
}

function describeConfirmation(rule: ConfirmationRule | undefined): string | undefined {
  if (rule === undefined || rule === false) return undefined;
  if (rule === true) return 'the user confirms';
  const condition = confirmationCondition(rule);
  return condition === undefined ? 'the user confirms' : `the user confirms when \`${formatCondition(condition)}\``;
}

function artifactOutputs(workflow: CompiledWorkflow): string[] {
  const outputs: string[] = [];
  for (const step of flatten(workflow.steps)) {
    if (step.kind !== 'standard') continue;
    const contract = step.outputContract;
    if (contract !== undefined && contract.contractRef !== 'wr.contracts.loop_control') {
      const kind = contract.contractRef.replace('wr.contracts.', 'wr.');
      outputs.push(`\`${kind}\` artifact from \`${step.id}\`${contract.required ? '' : ' (optional)'}`);
    }
    for (const assessment of step.assessmentRefs)
      outputs.push(`\`wr.assessment\` \`${assessment}\` from \`${step.id}\``);
  }
  return outputs;
}

function usesTemplate(doc: WorkflowDocument, id: string): boolean {
  const steps = doc.steps.flatMap((s) => (s.type === 'loop' && typeof s.body !== 'string' ? [s, ...s.body] : [s]));
  return steps.some((s) => s.type === undefined && s.templateCall?.templateId === id);
}

function routineArgs(doc: WorkflowDocument): string[] {
  const names = new Set<string>();
  for (const step of doc.steps) {
    if (step.type !== undefined) continue;
    for (const text of [step.title, step.prompt ?? '']) {
      for (const match of text.matchAll(/(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})/g)) names.add(match[1] ?? '');
    }
  }
  return [...names];
}

function templateId(workflowId: string): string {
  return `wr.templates.routine.${workflowId.replace(/^wr\.routine-/, '')}`;
}

function routineOf(id: string, all: readonly CatalogEntry[]): string {
  return all.find((entry) => templateId(entry.id) === id)?.id ?? id;
}

function anchor(entry: CatalogEntry): string {
  return entry.workflow.name
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .replace(/ /g, '-');
}

function tagNames(tags: readonly string[]): string {
  return tags.map((tag) => TAG_CATALOG.find((t) => t.id === tag)?.displayName ?? tag).join(', ');
}

// ---------- command line ----------

function main(args: readonly string[]): number {
  const text = renderWorkflowDocs(loadBundledEntries());
  if (args.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(DOCS_PATH, 'utf8');
    } catch {
      // a missing page is stale
    }
    if (current === text) return 0;
    process.stderr.write(`${DOCS_PATH} is out of date; run: node --import tsx scripts/generate-workflow-docs.ts\n`);
    return 1;
  }
  writeFileSync(DOCS_PATH, text);
  process.stderr.write(`wrote ${DOCS_PATH}\n`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
