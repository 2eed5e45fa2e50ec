// More than a thousand malformed calls through the official client to the real binary over stdio: every one is
// answered with an error result carrying the envelope, and the same server then completes a normal workflow.
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/app/errors.js';
import { call, LINEAR, spawnStdio, testEnv, workspaceWith } from './mcp-helpers.js';

type Args = Record<string, unknown>;
interface Malformed {
  readonly tool: string;
  readonly args: Args;
  readonly why: string;
}

/** A small deterministic PRNG, so a failure names a reproducible case. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

const HUGE = 'x'.repeat(1024 * 1024);
const LONE = 'abc\ud800def';

function deep(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i++) value = { nested: value };
  return value;
}

/** Field kinds of each tool's input (docs: mcp-protocol.md §4). */
const FIELDS: Record<string, Record<string, 'string' | 'boolean' | 'array' | 'object' | 'json'>> = {
  list_workflows: { workspacePath: 'string', tags: 'array', includeSources: 'boolean' },
  inspect_workflow: { workflowId: 'string', workspacePath: 'string', mode: 'string' },
  start_workflow: {
    workflowId: 'string',
    workspacePath: 'string',
    goal: 'string',
    modelTier: 'string',
    context: 'object',
  },
  continue_workflow: {
    continueToken: 'string',
    intent: 'string',
    output: 'object',
    notes: 'string',
    artifacts: 'array',
    context: 'object',
    contextVariables: 'object',
    workspacePath: 'string',
  },
  checkpoint_workflow: { checkpointToken: 'string' },
  resume_session: {
    workspacePath: 'string',
    query: 'string',
    sessionId: 'string',
    runId: 'string',
    gitBranch: 'string',
    gitHeadSha: 'string',
    sameWorkspaceOnly: 'boolean',
  },
  manage_workflow_source: { action: 'string', path: 'string' },
  validate_workflow: { workflowJson: 'json', path: 'string' },
};

const REQUIRED: Record<string, string[]> = {
  list_workflows: ['workspacePath'],
  inspect_workflow: ['workflowId', 'workspacePath'],
  start_workflow: ['workflowId', 'workspacePath', 'goal'],
  continue_workflow: ['continueToken'],
  checkpoint_workflow: ['checkpointToken'],
  resume_session: ['workspacePath'],
  manage_workflow_source: ['action', 'path'],
  validate_workflow: ['path'],
};

const WRONG: Record<string, unknown[]> = {
  string: [123, true, null, [], { a: 1 }, 1.5],
  boolean: ['yes', 1, null, [], {}],
  array: ['plain words', 1, { a: 1 }, null, true],
  object: [1, true, 'plain words', null, 2.5],
  json: [123, true, null, 4.5],
};

function corpus(ws: string, continueToken: string, checkpointToken: string): Malformed[] {
  const next = random(42);
  const valid: Record<string, Args> = {
    list_workflows: { workspacePath: ws },
    inspect_workflow: { workflowId: 'acme.linear', workspacePath: ws },
    start_workflow: { workflowId: 'acme.linear', workspacePath: ws, goal: 'fuzz' },
    continue_workflow: { continueToken, notes: 'fuzz' },
    checkpoint_workflow: { checkpointToken },
    resume_session: { workspacePath: ws },
    manage_workflow_source: { action: 'detach', path: ws },
    validate_workflow: { path: `${ws}/.workrail/workflows/acme.linear.json` },
  };
  const cases: Malformed[] = [];
  const add = (tool: string, args: Args, why: string) => cases.push({ tool, args, why });

  for (const [tool, fields] of Object.entries(FIELDS)) {
    add(tool, {}, 'no arguments');
    for (const [field, kind] of Object.entries(fields)) {
      for (const value of WRONG[kind]!)
        add(tool, { ...valid[tool], [field]: value }, `${field} as ${JSON.stringify(value)}`);
      if (kind === 'string') {
        add(tool, { ...valid[tool], [field]: HUGE }, `${field} of 1 MB`);
        add(tool, { ...valid[tool], [field]: LONE }, `${field} with a lone surrogate`);
      }
    }
    for (const field of REQUIRED[tool] ?? []) {
      const { [field]: _dropped, ...rest } = valid[tool]!;
      add(tool, rest, `missing ${field}`);
    }
    for (let i = 0; i < 20; i++) {
      const key = `${Object.keys(fields)[i % Object.keys(fields).length]}${'_xyz'.slice(0, 1 + (i % 4))}${i}`;
      add(tool, { ...valid[tool], [key]: 'surprise' }, `unknown key ${key}`);
    }
    add(tool, { ...valid[tool], 'k\udc00': 1 }, 'a key with a lone surrogate');
  }

  for (let i = 0; i < 150; i++) {
    const name = `${['list', 'start', 'continue', 'run', 'do'][i % 5]}_${Math.floor(next() * 1e9).toString(36)}`;
    add(name, { workspacePath: ws }, 'unknown tool');
  }
  add('', {}, 'empty tool name');
  add(HUGE.slice(0, 10_000), {}, 'a 10 kB tool name');

  for (const [tool, base] of [
    ['start_workflow', valid.start_workflow],
    ['continue_workflow', { continueToken }],
  ] as const) {
    add(tool, { ...base, context: deep(200) }, '200-deep context');
    add(tool, { ...base, context: JSON.stringify(deep(200)) }, '200-deep context as JSON text');
    add(tool, { ...base, context: { big: HUGE } }, 'context of 1 MB');
    add(tool, { ...base, context: { goal: LONE } }, 'context with a lone surrogate');
    add(tool, { ...base, context: JSON.parse('{"__proto__": {"polluted": true}}') }, 'context with __proto__');
    add(tool, { ...base, context: { is_autonomous: 'true' } }, 'context with a reserved key');
    add(tool, { ...base, context: '{not json' }, 'context as broken JSON text');
  }
  add('continue_workflow', { continueToken, artifacts: [deep(200)] }, '200-deep artifact');
  add('continue_workflow', { continueToken, output: { notesMarkdown: HUGE } }, '1 MB notes');
  add('continue_workflow', { continueToken, notes: 'a', output: { notesMarkdown: 'b' } }, 'alias with canonical');
  add('continue_workflow', { continueToken, intent: 'rehydrate', notes: 'a' }, 'rehydrate with notes');
  add(
    'continue_workflow',
    { continueToken, artifacts: Array.from({ length: 21 }, () => ({ kind: 'k' })) },
    '21 artifacts',
  );

  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
  const token = (prefix: string, length = 24) =>
    prefix + Array.from({ length }, () => alphabet[Math.floor(next() * alphabet.length)]).join('');
  for (let i = 0; i < 120; i++) add('continue_workflow', { continueToken: token('ct_'), notes: 'n' }, 'forged ct_');
  for (let i = 0; i < 60; i++) add('continue_workflow', { continueToken: token('st1', 40) }, 'legacy st1 token');
  for (let i = 0; i < 60; i++) add('continue_workflow', { continueToken: token('xx_'), notes: 'n' }, 'unknown prefix');
  for (let i = 0; i < 60; i++)
    add('checkpoint_workflow', { checkpointToken: token('ck_', 10 + (i % 30)) }, 'short ck_');
  add('continue_workflow', { continueToken: checkpointToken, notes: 'n' }, 'ck_ as continueToken');
  add('checkpoint_workflow', { checkpointToken: continueToken }, 'ct_ to checkpoint');

  for (let i = 0; i < 40; i++) {
    add(
      ['list_workflows', 'resume_session'][i % 2]!,
      { workspacePath: `relative/path/${i}` },
      'relative workspacePath',
    );
    add('inspect_workflow', { workflowId: `Bad Id ${i}`, workspacePath: ws }, 'workflowId off pattern');
    add('start_workflow', { ...valid.start_workflow, goal: ' '.repeat(i % 5) }, 'blank goal');
    add('start_workflow', { ...valid.start_workflow, modelTier: `tier${i}` }, 'unknown modelTier');
    add('manage_workflow_source', { action: `sync${i}`, path: ws }, 'unknown action');
    add('continue_workflow', { continueToken, intent: `go${i}` }, 'unknown intent');
    add('resume_session', { workspacePath: ws, gitHeadSha: `zz${i}` }, 'gitHeadSha off pattern');
  }
  return cases;
}

describe('the stdio server under malformed calls', () => {
  it('answers every malformed call with an error result, then completes a normal workflow', {
    timeout: 180_000,
  }, async () => {
    const server = await spawnStdio(testEnv());
    const { client } = server;
    const ws = workspaceWith(LINEAR);
    const start = await call(client, 'start_workflow', { workflowId: 'acme.linear', workspacePath: ws, goal: 'real' });
    const cases = corpus(ws, start.data.continueToken, start.data.checkpointToken);
    expect(cases.length).toBeGreaterThanOrEqual(1000);

    const unanswered: string[] = [];
    // Concurrent bursts of 50 calls each.
    for (let at = 0; at < cases.length; at += 50) {
      const burst = cases.slice(at, at + 50);
      const results = await Promise.all(burst.map((c) => call(client, c.tool, c.args)));
      results.forEach((result, i) => {
        const ok =
          result.isError &&
          (ERROR_CODES as readonly string[]).includes(result.data.code) &&
          JSON.stringify(JSON.parse(result.text)) === JSON.stringify(result.data);
        if (!ok) unanswered.push(`${burst[i]!.tool}: ${burst[i]!.why} -> ${result.text.slice(0, 200)}`);
      });
    }
    expect(unanswered).toEqual([]);

    let response = start;
    for (let i = 0; i < 3; i++) {
      response = await call(client, 'continue_workflow', { continueToken: response.data.continueToken, notes: 'ok' });
    }
    expect(response.data).toMatchObject({ isComplete: true, nextIntent: 'complete' });
    expect(server.stderr()).not.toContain('uncaught');
  });
});
