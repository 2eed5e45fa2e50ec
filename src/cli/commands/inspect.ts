// `workrail inspect <workflowId>`: metadata and the compiled step outline of one workflow.

import path from 'node:path';
import type { Command } from 'commander';
import {
  type InspectWorkflowOutput,
  inspectWorkflow,
  type StepOutline,
  type WorkflowPreview,
} from '../../app/inspect-workflow.js';
import { formatCondition } from '../format.js';
import { type CommandContext, EXIT } from '../io.js';

export function registerInspect(program: Command, context: CommandContext): void {
  program
    .command('inspect')
    .description('Show a workflow: metadata, guidance and the compiled step outline.')
    .argument('<workflowId>', 'id of the workflow, e.g. wr.quick-task')
    .option('--workspace <dir>', 'workspace whose sources and bindings apply (default: current directory)')
    .option('--json', 'print the inspect_workflow response as JSON')
    .action((workflowId: string, options: { workspace?: string; json?: boolean }) => {
      const { io } = context;
      const workspacePath = path.resolve(io.cwd, options.workspace ?? '.');
      const inspected = inspectWorkflow(context.deps(), { workflowId, workspacePath, mode: 'preview' });
      if (!inspected.ok) {
        const { code, message, details } = inspected.error;
        io.stderr(`workrail inspect: ${message}\n`);
        const similar = (details?.similarIds ?? []) as string[];
        if (similar.length > 0) io.stderr(`Similar ids: ${similar.join(', ')}\n`);
        const issues = (details?.issues ?? []) as { path: string; message: string; rule: string }[];
        for (const issue of issues) io.stderr(`  ${issue.path || '(root)'}: ${issue.message} [${issue.rule}]\n`);
        context.setExitCode(code === 'VALIDATION_ERROR' ? EXIT.usage : EXIT.failed);
        return;
      }
      io.stdout(options.json === true ? `${JSON.stringify(inspected.value, null, 2)}\n` : renderText(inspected.value));
    });
}

function renderText(output: InspectWorkflowOutput): string {
  const workflow = output.workflow as WorkflowPreview;
  const lines = [
    `${workflow.name} (${output.workflowId} v${workflow.version})`,
    workflow.description,
    '',
    `Source:  ${output.source.kind}${output.source.path === null ? '' : ` ${output.source.path}`}`,
    `Hash:    ${output.workflowHash}`,
    `Tags:    ${workflow.tags.join(', ')}`,
  ];
  if (workflow.modelTier !== undefined) lines.push(`Tier:    ${workflow.modelTier}`);
  section(lines, 'Workflow guidance', workflow.metaGuidance);
  section(lines, 'Preconditions', workflow.preconditions);
  section(lines, 'Clarification questions', workflow.clarificationPrompts);
  section(lines, 'Features', workflow.features);
  section(
    lines,
    'References',
    workflow.references.map((ref) => `${ref.title}: ${ref.resolvedPath ?? `${ref.source} (unresolved)`}`),
  );
  section(lines, 'Examples', workflow.examples ?? []);

  lines.push('', 'Steps:');
  workflow.steps.forEach((step, index) => {
    outline(lines, step, `${index + 1}.`, '  ');
  });
  if (workflow.firstStep !== null) {
    lines.push('', `First step: ${workflow.firstStep.stepId} — ${workflow.firstStep.title}`);
    for (const line of workflow.firstStep.prompt.split('\n')) lines.push(`  ${line}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function section(lines: string[], title: string, items: readonly string[]): void {
  if (items.length === 0) return;
  lines.push('', `${title}:`, ...items.map((item) => `  - ${item}`));
}

function outline(lines: string[], step: StepOutline, number: string, indent: string): void {
  lines.push(`${indent}${number} ${step.stepId} — ${step.title}${annotations(step)}`);
  step.loop?.body.forEach((body, index) => {
    outline(lines, body, `${number.replace(/\.$/, '')}.${index + 1}`, `${indent}   `);
  });
}

function annotations(step: StepOutline): string {
  const notes: string[] = [];
  if (step.loop !== undefined) notes.push(describeLoop(step.loop));
  if (step.virtualOf !== undefined) notes.push(`${step.virtualOf.role} of ${step.virtualOf.parentStepId}`);
  if (step.runCondition !== undefined) notes.push(`when ${formatCondition(step.runCondition)}`);
  if (step.requireConfirmation === true) notes.push('confirm with user');
  if (step.requireConfirmation === 'conditional') notes.push('confirm with user (conditional)');
  if (step.outputContract !== undefined) {
    notes.push(`output ${step.outputContract.contractRef}${step.outputContract.required ? '' : ' (optional)'}`);
  }
  if (step.delegations !== undefined) notes.push(`delegates to ${step.delegations.join(', ')}`);
  if (step.kind !== 'loop' && !step.notesRequired) notes.push('notes optional');
  return notes.length === 0 ? '' : `  [${notes.join('; ')}]`;
}

function describeLoop(loop: NonNullable<StepOutline['loop']>): string {
  const parts = [`${loop.type} loop`];
  if (loop.condition !== undefined) parts.push(formatCondition(loop.condition));
  if (loop.controlledBy !== undefined) parts.push('until a wr.loop_control stop');
  if (loop.items !== undefined) parts.push(`over ${loop.items}`);
  if (loop.count !== undefined) parts.push(`${loop.count} times`);
  parts.push(`max ${loop.maxIterations}`);
  return parts.join(', ');
}
