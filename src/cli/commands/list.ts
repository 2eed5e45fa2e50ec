// `workrail list`: every workflow visible from a workspace, with its source, tags and the catalog's warnings.

import path from 'node:path';
import type { Command } from 'commander';
import { type ListWorkflowsOutput, listWorkflows } from '../../app/list-workflows.js';
import { displayPath, plural, table } from '../format.js';
import { type CommandContext, EXIT } from '../io.js';

export function registerList(program: Command, context: CommandContext): void {
  program
    .command('list')
    .description('List workflows from every source (bundled, user, managed, configured, project).')
    .option('--workspace <dir>', 'workspace whose project workflows are included (default: current directory)')
    .option('--json', 'print the list_workflows response (with sources) as JSON')
    .action((options: { workspace?: string; json?: boolean }) => {
      const { io } = context;
      const workspacePath = path.resolve(io.cwd, options.workspace ?? '.');
      const listed = listWorkflows(context.deps(), { workspacePath, includeSources: true });
      if (!listed.ok) {
        io.stderr(`workrail list: ${listed.error.message}\n`);
        context.setExitCode(EXIT.usage);
        return;
      }
      io.stdout(
        options.json === true ? `${JSON.stringify(listed.value, null, 2)}\n` : renderText(listed.value, io.cwd),
      );
    });
}

function renderText(output: ListWorkflowsOutput, cwd: string): string {
  const rows = output.workflows.map((item) => [item.workflowId, item.name, item.source.kind, item.tags.join(', ')]);
  const lines = table([['ID', 'NAME', 'SOURCE', 'TAGS'], ...rows]);
  const sourceCount = (output.sources ?? []).filter((source) => source.totalWorkflowCount > 0).length;
  lines.push('', `${plural(output.workflows.length, 'workflow')} from ${plural(sourceCount, 'source')}.`);

  if (output.validationWarnings !== undefined) {
    lines.push('', 'Invalid workflow files (not listed):');
    for (const warning of output.validationWarnings) {
      const note = warning.shadowsValidCopy ? ', a valid lower-priority copy is used instead' : '';
      lines.push(`  ${displayPath(warning.filePath, cwd)} (${warning.sourceKind}${note})`);
      for (const issue of warning.issues) lines.push(`    ${issue.path || '(root)'}: ${issue.message} [${issue.rule}]`);
    }
  }
  if (output.warnings !== undefined) {
    lines.push('', 'Warnings:');
    for (const warning of output.warnings) lines.push(`  ${warning.code}: ${warning.message}`);
  }
  if (output.staleRoots !== undefined) {
    lines.push('', 'Missing source directories:');
    for (const root of output.staleRoots) lines.push(`  ${root}`);
  }
  return `${lines.join('\n')}\n`;
}
