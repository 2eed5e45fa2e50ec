// `workrail validate <file|dir>...`: validates workflow files (docs: workflow-format.md §13.1).

import type { Command } from 'commander';
import { validateWorkflow } from '../../app/validate-workflow.js';
import { collectJsonFiles } from '../../workflow/sources.js';
import type { ValidationIssue } from '../../workflow/types.js';
import { displayPath } from '../format.js';
import { type CommandContext, EXIT } from '../io.js';

interface FileResult {
  readonly file: string;
  readonly valid: boolean;
  readonly workflowId: string | null;
  readonly issues: readonly ValidationIssue[];
  readonly suggestions: readonly string[];
}

export function registerValidate(program: Command, context: CommandContext): void {
  program
    .command('validate')
    .description('Validate workflow files; directories are searched for *.json recursively.')
    .argument('<paths...>', 'workflow files or directories')
    .option('--json', 'print {"results": [...]} as JSON')
    .option('--bundled', 'allow reserved wr.* ids (for checking the bundled library)')
    .addHelpText('after', '\nExit status: 0 when every file is valid, 1 when any is invalid, 2 on usage errors.')
    .action((paths: string[], options: { json?: boolean; bundled?: boolean }) => {
      const { io } = context;
      const { files, missing } = collectJsonFiles(paths, io.cwd);
      if (missing.length > 0) {
        for (const file of missing) io.stderr(`workrail validate: no such file or directory: ${file}\n`);
        context.setExitCode(EXIT.usage);
        return;
      }
      if (files.length === 0) {
        io.stderr(`workrail validate: no .json files found in ${paths.join(', ')}\n`);
        context.setExitCode(EXIT.usage);
        return;
      }

      const results: FileResult[] = [];
      for (const file of files) {
        const result = validateFile(context, file, options.bundled === true);
        if (result === undefined) return;
        results.push(result);
      }
      io.stdout(options.json === true ? `${JSON.stringify({ results }, null, 2)}\n` : renderText(results, io.cwd));
      context.setExitCode(results.every((result) => result.valid) ? EXIT.ok : EXIT.failed);
    });
}

function validateFile(context: CommandContext, file: string, bundled: boolean): FileResult | undefined {
  const deps = context.deps();
  const read = deps.sources.readWorkflowText(file);
  if (!read.ok) {
    context.io.stderr(`workrail validate: cannot read ${file} (${read.message})\n`);
    context.setExitCode(EXIT.usage);
    return undefined;
  }
  const validated = validateWorkflow(deps, { workflowJson: read.text, bundled });
  if (!validated.ok) throw new Error(validated.error.message);
  const { valid, issues, suggestions } = validated.value;
  return { file, valid, workflowId: idOf(read.text), issues, suggestions };
}

function idOf(text: string): string | null {
  try {
    const value: unknown = JSON.parse(text);
    const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
}

function renderText(results: readonly FileResult[], cwd: string): string {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${result.valid ? 'OK' : 'FAIL'} ${displayPath(result.file, cwd)}`);
    for (const issue of result.issues) lines.push(`  ${issue.path || '(root)'}: ${issue.message} [${issue.rule}]`);
    for (const suggestion of result.suggestions) lines.push(`  suggestion: ${suggestion}`);
  }
  return `${lines.join('\n')}\n`;
}
