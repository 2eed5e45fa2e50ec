// `workrail demo`: plays a short workflow the way an agent receives it over MCP (start, two advances, a blocked step
// and its retry, then a resume from a new conversation) and prints the text each tool returns. The calls go through
// the MCP tools/call handler itself, so the text is exactly what a client gets. Everything lives in a temporary
// WorkRail home and workspace, removed at the end; the user's own store is never opened.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { createApp, type Env } from '../../app/index.js';
import { type CallContext, callTool } from '../../mcp/call-tool.js';
import { createLogger } from '../../mcp/logger.js';
import { TOOLS } from '../../mcp/server.js';
import { type CliIo, type CommandContext, EXIT } from '../io.js';

export const DEMO_WORKFLOW_ID = 'demo.fix-flaky-test';
const GOAL = 'Fix the flaky login test';

/** A project workflow (written to the demo workspace's `.workrail/workflows/`) whose middle step has a contract. */
const DEMO_WORKFLOW = {
  id: DEMO_WORKFLOW_ID,
  name: 'Fix a flaky test (demo)',
  version: '1.0.0',
  description: 'A three-step sample: find the cause, fix and self-review, then hand over.',
  metaGuidance: ['Change only what the fix needs.'],
  steps: [
    {
      id: 'find-cause',
      title: 'Find the cause',
      prompt:
        'Task: {{goal}}.\n\nRun the test a few times and read it with the code it covers until you can say why it fails only sometimes. Put the cause, in one or two sentences, in your notes.',
    },
    {
      id: 'fix-and-review',
      title: 'Fix it and review your diff',
      prompt:
        'Make the smallest change that removes the cause. Then read your diff as a reviewer would.\n\nSubmit a `wr.review_verdict` artifact with your verdict on your own diff.',
      outputContract: { contractRef: 'wr.contracts.review_verdict' },
    },
    {
      id: 'hand-over',
      title: 'Hand over',
      prompt:
        'Run the test suite, then tell the user in three lines what was wrong, what you changed and how you checked it. In your notes, list the commands you ran and their results.',
    },
  ],
};

const REVIEW_VERDICT = {
  kind: 'wr.review_verdict',
  verdict: 'clean',
  confidence: 'high',
  findings: [],
  summary: 'The wait is now on the session cookie instead of a fixed timeout; nothing else changed.',
};

export function registerDemo(program: Command, context: CommandContext): void {
  program
    .command('demo')
    .description('Play a sample workflow exactly as an agent receives it over MCP (in a temporary store).')
    .option('--dir <dir>', 'keep the demo store and workspace in <dir> instead of a temporary directory')
    .action(async (options: { dir?: string }) => {
      // A reader that quits early (`| head`) closes stdout: play on quietly so the temporary store is still removed.
      process.stdout.on('error', () => {});
      context.setExitCode(await runDemo(context.io, options));
    });
}

/** Plays the demo; returns 0, or 1 when a tool answers with an error (a bug: the script is fixed). */
export async function runDemo(io: CliIo, options: { readonly dir?: string } = {}): Promise<number> {
  const root =
    options.dir === undefined ? mkdtempSync(path.join(tmpdir(), 'workrail-demo-')) : path.resolve(io.cwd, options.dir);
  try {
    return await playIn(root, io, options.dir !== undefined);
  } finally {
    if (options.dir === undefined) rmSync(root, { recursive: true, force: true });
  }
}

async function playIn(root: string, io: CliIo, kept: boolean): Promise<number> {
  const workspace = path.join(root, 'workspace');
  const workflowsDir = path.join(workspace, '.workrail', 'workflows');
  mkdirSync(workflowsDir, { recursive: true });
  writeFileSync(path.join(workflowsDir, 'fix-flaky-test.json'), `${JSON.stringify(DEMO_WORKFLOW, null, 2)}\n`);
  const env = demoEnv(io.env, path.join(root, 'home'));
  const app = createApp({ env });
  const context: CallContext = {
    deps: app,
    tools: new Map(TOOLS.map((tool) => [tool.name, tool])),
    logger: createLogger({ WORKRAIL_LOG_LEVEL: env.WORKRAIL_LOG_LEVEL ?? 'warn' }),
    jsonResponses: false,
  };
  io.stdout(
    `WorkRail demo: an agent runs "${DEMO_WORKFLOW.name}" through the MCP tools. Below each → line is the exact\n` +
      `text the tool returns to the agent. Store and workspace: ${root}${kept ? '' : ' (temporary, removed at the end)'}\n`,
  );
  try {
    await play(workspace, narratedCall(io, context));
  } catch (error) {
    if (!(error instanceof DemoFailed)) throw error;
    io.stderr(`workrail demo: ${error.message}\n`);
    return EXIT.failed;
  } finally {
    app.close();
  }
  io.stdout(
    `\nThat is the whole protocol. Connect your own agent as the README's "Connect your agent" section shows,\n` +
      `then ask it to "use WorkRail to ..." a real task.\n`,
  );
  return EXIT.ok;
}

async function play(workspacePath: string, call: NarratedCall): Promise<void> {
  const started = await call(
    `the agent calls start_workflow for ${DEMO_WORKFLOW_ID} with the goal "${GOAL}"`,
    'start_workflow',
    { workflowId: DEMO_WORKFLOW_ID, workspacePath, goal: GOAL },
  );
  const fixStep = await call('the agent finds the cause and calls continue_workflow with notes', 'continue_workflow', {
    continueToken: tokenOf(started),
    output: { notesMarkdown: 'The test clicks "Log in" before the session cookie is set; a 100 ms sleep hides it.' },
  });
  const blocked = await call(
    'the agent fixes the test and calls continue_workflow with notes but without the review artifact',
    'continue_workflow',
    {
      continueToken: tokenOf(fixStep),
      output: { notesMarkdown: 'Replaced the sleep with a wait for the session cookie.' },
    },
  );
  if (blocked.kind !== 'blocked') throw new DemoFailed('expected a blocked response to the incomplete output');
  const handOver = await call(
    'the agent calls continue_workflow again with the new token, the notes and a wr.review_verdict artifact',
    'continue_workflow',
    {
      continueToken: tokenOf(blocked),
      output: { notesMarkdown: 'Replaced the sleep with a wait for the session cookie.', artifacts: [REVIEW_VERDICT] },
    },
  );
  if (handOver.kind !== 'ok') throw new DemoFailed('expected the retry to advance');
  const resumed = await call(
    'the chat is lost; in a new conversation the agent calls resume_session with the user\'s words "flaky login"',
    'resume_session',
    { workspacePath, query: 'flaky login' },
  );
  const nextCall = firstCandidateCall(resumed);
  const rehydrated = await call(
    "the agent calls continue_workflow with the best candidate's st_ token (rehydrate), as its nextCall says",
    'continue_workflow',
    nextCall,
  );
  await call(
    'the agent runs the tests, reports to the user and calls continue_workflow with notes',
    'continue_workflow',
    {
      continueToken: tokenOf(rehydrated),
      output: {
        notesMarkdown: '`npm test`: 214 passed. Told the user what was wrong, the fix and how it was checked.',
      },
    },
  );
}

type Structured = Record<string, unknown>;
type NarratedCall = (narration: string, tool: string, args: Structured) => Promise<Structured>;

/** Prints a one-line narrator header, calls the tool as an MCP client would, prints the text it returns. */
function narratedCall(io: CliIo, context: CallContext): NarratedCall {
  return async (narration, tool, args) => {
    io.stdout(`\n${header(`→ ${narration}`)}\n\n`);
    const result = await callTool(context, tool, args);
    for (const part of result.content) if (part.type === 'text') io.stdout(`${part.text}\n`);
    if (result.isError === true) throw new DemoFailed(`${tool} answered with an error (see above).`);
    return result.structuredContent ?? {};
  };
}

function header(text: string): string {
  return `── ${text} ${'─'.repeat(Math.max(3, 100 - text.length))}`;
}

function tokenOf(response: Structured): string {
  const token = response.continueToken;
  if (typeof token !== 'string') throw new DemoFailed('the response carries no continueToken');
  return token;
}

function firstCandidateCall(resumed: Structured): Structured {
  const candidates = resumed.candidates as { nextCall?: { params?: Structured } }[] | undefined;
  const params = candidates?.[0]?.nextCall?.params;
  if (params === undefined) throw new DemoFailed('resume_session found no session to resume');
  return params;
}

/** The caller's environment pointed at the demo's own home, data and keys, without user or extra sources. */
function demoEnv(env: Env, home: string): Env {
  const dataDir = path.join(home, 'data');
  return {
    ...env,
    WORKRAIL_HOME: home,
    WORKRAIL_DATA_DIR: dataDir,
    WORKRAIL_KEYS_DIR: path.join(dataDir, 'keys'),
    WORKFLOW_INCLUDE_USER: 'false',
    WORKFLOW_INCLUDE_PROJECT: 'true',
    WORKFLOW_STORAGE_PATH: '',
    WORKRAIL_JSON_RESPONSES: 'false',
  };
}

class DemoFailed extends Error {}
