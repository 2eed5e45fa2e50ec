// `workrail sessions list|show|export|import`: stored sessions from the command line. Export writes a self-contained
// bundle (events, pinned workflow, integrity hashes); import verifies one and stores it as a new session.

import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { AppError } from '../../app/errors.js';
import { exportSession } from '../../app/export-session.js';
import { type ImportSessionOutput, importSession } from '../../app/import-session.js';
import { type ListSessionsOutput, listSessions } from '../../app/list-sessions.js';
import {
  type CurrentPosition,
  type SessionTimeline,
  type StepRef,
  showSession,
  type TimelineEntry,
} from '../../app/show-session.js';
import { displayPath, plural, table } from '../format.js';
import { type CommandContext, EXIT } from '../io.js';

const STATUSES = ['in_progress', 'complete'] as const;

export function registerSessions(program: Command, context: CommandContext): void {
  const sessions = program
    .command('sessions')
    .description('List, show, export and import stored sessions.')
    .addHelpText('after', '\nExit status: 0 on success, 1 when a session or bundle is refused, 2 on usage errors.');
  registerListCommand(sessions, context);
  registerShowCommand(sessions, context);
  registerExportCommand(sessions, context);
  registerImportCommand(sessions, context);
}

function registerListCommand(sessions: Command, context: CommandContext): void {
  sessions
    .command('list')
    .description('List sessions, most recently active first.')
    .option('--workspace <dir>', 'only sessions of this workspace (or a directory inside it)')
    .option('--workflow <id>', 'only sessions of this workflow')
    .option('--status <status>', `only sessions with this status (${STATUSES.join(' or ')})`)
    .option('--limit <n>', 'at most this many sessions (default 50)')
    .option('--json', 'print {"sessions": [...]} as JSON')
    .action((options: { workspace?: string; workflow?: string; status?: string; limit?: string; json?: boolean }) => {
      const { io } = context;
      const status = options.status;
      if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) {
        return usage(context, 'list', `--status must be ${STATUSES.join(' or ')}, got "${status}".`);
      }
      const limit = options.limit === undefined ? undefined : Number(options.limit);
      if (limit !== undefined && !/^\d+$/.test(options.limit ?? '')) {
        return usage(context, 'list', `--limit must be a positive integer, got "${options.limit}".`);
      }
      const workspacePath = options.workspace === undefined ? undefined : path.resolve(io.cwd, options.workspace);
      const listed = listSessions(context.deps(), {
        ...(workspacePath === undefined ? {} : { workspacePath }),
        ...(options.workflow === undefined ? {} : { workflowId: options.workflow }),
        ...(status === undefined ? {} : { status: status as (typeof STATUSES)[number] }),
        ...(limit === undefined ? {} : { limit }),
      });
      if (!listed.ok) return fail(context, 'list', listed.error, EXIT.usage);
      io.stdout(options.json === true ? json(listed.value) : renderList(listed.value, workspacePath, io.cwd));
    });
}

function registerShowCommand(sessions: Command, context: CommandContext): void {
  sessions
    .command('show')
    .description('Show a session as a timeline: steps, notes, blockers, checkpoints and where it stands now.')
    .argument('<sessionId>', 'id of the session, e.g. sess_…')
    .option('--json', 'print the timeline as JSON')
    .action((sessionId: string, options: { json?: boolean }) => {
      const shown = showSession(context.deps(), sessionId);
      if (!shown.ok) return fail(context, 'show', shown.error);
      context.io.stdout(options.json === true ? json(shown.value) : renderTimeline(shown.value, context.io.cwd));
    });
}

function registerExportCommand(sessions: Command, context: CommandContext): void {
  sessions
    .command('export')
    .description('Write a session as a self-contained JSON bundle (events, pinned workflow, integrity hashes).')
    .argument('<sessionId>', 'id of the session, e.g. sess_…')
    .option('-o, --output <file>', 'write the bundle to this file instead of stdout')
    .action((sessionId: string, options: { output?: string }) => {
      const { io } = context;
      const exported = exportSession(context.deps(), sessionId);
      if (!exported.ok) return fail(context, 'export', exported.error);
      const text = json(exported.value);
      if (options.output === undefined) return io.stdout(text);
      const file = path.resolve(io.cwd, options.output);
      try {
        writeFileSync(file, text);
      } catch (error) {
        return usage(context, 'export', `cannot write ${file} (${(error as Error).message})`);
      }
      io.stdout(`Exported ${sessionId} (${exported.value.events.length} events) to ${displayPath(file, io.cwd)}\n`);
    });
}

function registerImportCommand(sessions: Command, context: CommandContext): void {
  sessions
    .command('import')
    .description('Verify a bundle from `sessions export` and store it as a new session with fresh tokens.')
    .argument('<file>', 'the bundle file')
    .option('--json', 'print the new session id, resume token and next call as JSON')
    .action((file: string, options: { json?: boolean }) => {
      const { io } = context;
      const resolved = path.resolve(io.cwd, file);
      let bundleText: string;
      try {
        bundleText = readFileSync(resolved, 'utf8');
      } catch (error) {
        const { code, message } = error as NodeJS.ErrnoException;
        return usage(
          context,
          'import',
          code === 'ENOENT' ? `no such file: ${resolved}` : `cannot read ${resolved} (${message})`,
        );
      }
      const imported = importSession(context.deps(), { bundleText });
      if (!imported.ok) return fail(context, 'import', imported.error, EXIT.failed);
      io.stdout(options.json === true ? json(imported.value) : renderImport(imported.value));
    });
}

/** Reports a use case's failure; VALIDATION_ERROR is a usage error unless `exitCode` says otherwise. */
function fail(context: CommandContext, command: string, error: AppError, exitCode?: number): void {
  const { io } = context;
  io.stderr(`workrail sessions ${command}: ${error.message}\n`);
  const suggestion = error.details?.suggestion;
  if (typeof suggestion === 'string') io.stderr(`Hint: ${suggestion}\n`);
  context.setExitCode(exitCode ?? (error.code === 'VALIDATION_ERROR' ? EXIT.usage : EXIT.failed));
}

function usage(context: CommandContext, command: string, message: string): void {
  context.io.stderr(`workrail sessions ${command}: ${message}\n`);
  context.setExitCode(EXIT.usage);
}

function renderList(output: ListSessionsOutput, workspace: string | undefined, cwd: string): string {
  if (output.sessions.length === 0) {
    return workspace === undefined ? 'No sessions.\n' : `No sessions in ${displayPath(workspace, cwd)}.\n`;
  }
  const rows = output.sessions.map((s) => [
    s.sessionId,
    s.status === 'complete' ? 'complete' : 'in progress',
    s.workflowId ?? '-',
    s.pendingStep?.stepId ?? '-',
    time(s.lastActivityMs, 16),
    s.title ?? '',
  ]);
  const lines = table([['ID', 'STATUS', 'WORKFLOW', 'STEP', 'LAST ACTIVITY', 'TITLE'], ...rows]);
  const count = output.sessions.length;
  lines.push('', `${count} session${count === 1 ? '' : 's'}. Details: workrail sessions show <id>`);
  return `${lines.join('\n')}\n`;
}

function renderTimeline(t: SessionTimeline, cwd: string): string {
  const { stepsCompleted, blockedAttempts, checkpoints } = t.counts;
  const lines = [`Session ${t.sessionId}`];
  if (t.workflow !== null) lines.push(`Workflow:  ${t.workflow.name} (${t.workflow.id})`);
  if (t.goal !== null) lines.push(`Goal:      ${t.goal}`);
  lines.push(`Workspace: ${displayPath(t.workspacePath, cwd)}`);
  if (t.gitBranch !== null) lines.push(`Branch:    ${t.gitBranch}`);
  lines.push(
    `Status:    ${t.status === 'complete' ? 'complete' : 'in progress'}; ${plural(stepsCompleted, 'step')} completed, ` +
      `${plural(blockedAttempts, 'blocked attempt')}, ${plural(checkpoints, 'checkpoint')}`,
    `Created:   ${time(t.createdAtMs)}`,
    `Activity:  ${time(t.lastActivityMs)}`,
    `Now:       ${describeCurrent(t.current)}`,
  );
  if (t.current.kind === 'blocked') {
    for (const b of t.current.blockers) lines.push(`           ${b.code}: ${b.message}`);
  }
  lines.push('', 'Timeline:');
  for (const entry of t.entries) lines.push(...renderEntry(entry));
  return `${lines.join('\n')}\n`;
}

function describeCurrent(current: CurrentPosition): string {
  switch (current.kind) {
    case 'pending':
      return `pending step ${stepName(current.step)}`;
    case 'blocked':
      return `blocked at ${stepName(current.step)}; retry with the fixes below`;
    case 'gated':
      return `waiting at a ${current.gateKind} gate after ${stepName(current.step)}`;
    case 'complete':
      return 'complete';
    case 'not_started':
      return 'not started';
    default: {
      const unreachable: never = current;
      return String(unreachable);
    }
  }
}

const INDENT = ' '.repeat(24);

function renderEntry(entry: TimelineEntry): string[] {
  const at = `  ${time(entry.atMs)}  `;
  switch (entry.kind) {
    case 'started':
      return [`${at}started ${entry.workflowId}: ${entry.goal}`];
    case 'checkpoint':
      return [`${at}checkpoint at ${stepName(entry.step)}`];
    case 'completed':
      return [`${at}run completed (${Math.round(entry.durationMs / 1000)} s)`];
    case 'attempt': {
      const verb = { advanced: 'completed', blocked: 'blocked at', gated: 'completed (gated)' }[entry.outcome];
      const lines = [`${at}${verb} ${stepName(entry.step)}${entry.forked ? ' [new branch]' : ''}`];
      for (const notes of entry.notes) {
        notes.split('\n').forEach((line, index) => {
          lines.push(`${INDENT}${index === 0 ? 'notes: ' : '       '}${line}`.trimEnd());
        });
      }
      for (const a of entry.artifacts) lines.push(`${INDENT}artifact: ${a.kind} (${a.bytes} bytes)`);
      for (const b of entry.blockers) lines.push(`${INDENT}${b.code}: ${b.message}`);
      return lines;
    }
    default: {
      const unreachable: never = entry;
      return [String(unreachable)];
    }
  }
}

function renderImport(output: ImportSessionOutput): string {
  const status = output.pendingStep === null ? 'complete' : `in progress, pending step ${stepName(output.pendingStep)}`;
  return [
    `Imported session ${output.sessionId} from ${output.importedFrom} (${output.workflowId}, ${output.eventCount} events).`,
    `Status:       ${status}`,
    `Resume token: ${output.resumeToken}`,
    `Continue with continue_workflow ${JSON.stringify(output.nextCall.params)}`,
    `Timeline:     workrail sessions show ${output.sessionId}`,
    '',
  ].join('\n');
}

function stepName(step: StepRef): string {
  const loop = step.loop === null ? '' : ` (${step.loop.loopId} iteration ${step.loop.iteration})`;
  return step.stepId === null ? step.title : `${step.stepId} "${step.title}"${loop}`;
}

/** UTC, e.g. `2026-01-01 09:30:00Z` (or to the minute with `chars` 16). */
function time(ms: number, chars = 19): string {
  return `${new Date(ms).toISOString().replace('T', ' ').slice(0, chars)}Z`;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
