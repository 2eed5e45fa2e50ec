import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { err } from '../../src/app/result.js';
import { TOOLS } from '../../src/mcp/server.js';
import { defineTool } from '../../src/mcp/tool.js';
import { TAG_CATALOG } from '../../src/workflow/tags.js';
import {
  CONTRACT,
  call,
  captureLogger,
  connectInMemory,
  LINEAR,
  tempDir,
  testEnv,
  workspaceWith,
  writeJson,
} from './mcp-helpers.js';

describe('tools/list', () => {
  it('lists the eight tools with descriptions, annotations, input and output schemas', async () => {
    const { client } = await connectInMemory(testEnv());
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'checkpoint_workflow',
        'continue_workflow',
        'inspect_workflow',
        'list_workflows',
        'manage_workflow_source',
        'resume_session',
        'start_workflow',
        'validate_workflow',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description?.length).toBeGreaterThan(20);
      expect(tool.description?.length).toBeLessThan(220);
      expect(tool.inputSchema.additionalProperties).toBe(false);
      expect(tool.outputSchema?.type).toBe('object');
    }
    const hints = Object.fromEntries(tools.map((t) => [t.name, t.annotations?.readOnlyHint]));
    expect(hints).toMatchObject({
      list_workflows: true,
      inspect_workflow: true,
      validate_workflow: true,
      resume_session: true,
      start_workflow: false,
      continue_workflow: false,
      checkpoint_workflow: false,
    });
    const start = tools.find((t) => t.name === 'start_workflow');
    expect(start?.inputSchema.required).toEqual(['workflowId', 'workspacePath', 'goal']);
  });
});

describe('tool call failures', () => {
  it('answers an unknown tool with the NOT_FOUND envelope as text and structuredContent', async () => {
    const { client } = await connectInMemory(testEnv());
    const result = await call(client, 'start_workflw', {});
    expect(result.isError).toBe(true);
    expect(result.data).toMatchObject({
      code: 'NOT_FOUND',
      retry: { kind: 'not_retryable' },
      details: { similarIds: ['start_workflow'] },
    });
    expect(JSON.parse(result.text)).toEqual(result.data);
  });

  it('rejects an unknown key with VALIDATION_ERROR naming the key and the closest known name', async () => {
    const { client } = await connectInMemory(testEnv());
    const result = await call(client, 'list_workflows', { workspacePath: tempDir(), tagz: ['coding'] });
    expect(result.isError).toBe(true);
    expect(result.data.code).toBe('VALIDATION_ERROR');
    expect(result.data.details.suggestions).toEqual([{ kind: 'unknown_key', key: 'tagz', didYouMean: 'tags' }]);
    expect(result.data.details.validationErrors[0].path).toBe('tagz');
    expect(result.data.details.correctTemplate).toMatchObject({ workspacePath: expect.any(String) });
  });

  it('names a nested unknown key in dotted form', async () => {
    const { client } = await connectInMemory(testEnv());
    const result = await call(client, 'continue_workflow', {
      continueToken: 'ct_AAAAAAAAAAAAAAAAAAAAAAAA',
      output: { notesMarkdwn: 'done' },
    });
    expect(result.data.code).toBe('VALIDATION_ERROR');
    expect(result.data.details.suggestions).toEqual([
      { kind: 'unknown_key', key: 'output.notesMarkdwn', didYouMean: 'notesMarkdown' },
    ]);
  });

  it('reports a missing required field with an example and a correct template', async () => {
    const { client } = await connectInMemory(testEnv());
    const result = await call(client, 'start_workflow', { workflowId: 'acme.linear', workspacePath: tempDir() });
    expect(result.data.code).toBe('VALIDATION_ERROR');
    expect(result.data.details.suggestions).toEqual([
      { kind: 'missing_required', key: 'goal', example: 'Fix the flaky login test' },
    ]);
    expect(result.data.details.correctTemplate).toHaveProperty('goal');
  });

  it('reports a field of the wrong type with its path', async () => {
    const { client } = await connectInMemory(testEnv());
    const result = await call(client, 'list_workflows', { workspacePath: tempDir(), includeSources: 'yes' });
    expect(result.data.code).toBe('VALIDATION_ERROR');
    expect(result.data.details.validationErrors[0].path).toBe('includeSources');
  });

  it('rejects strings holding an unpaired surrogate', async () => {
    const { client } = await connectInMemory(testEnv());
    const ws = workspaceWith(LINEAR);
    const result = await call(client, 'start_workflow', {
      workflowId: 'acme.linear',
      workspacePath: ws,
      goal: 'a\ud800b',
    });
    expect(result.data.code).toBe('VALIDATION_ERROR');
    expect(result.data.details.validationErrors[0].path).toBe('goal');
  });

  it('turns an exception inside a tool into INTERNAL_ERROR, logs it and keeps serving', async () => {
    const capture = captureLogger();
    const exploding = defineTool({
      name: 'explode',
      title: 'Explode',
      description: 'Throws, to test the wrapper.',
      schema: z.strictObject({}),
      template: {},
      output: z.looseObject({}),
      annotations: {},
      run: () => {
        throw new Error('boom in a handler');
      },
    });
    const { client } = await connectInMemory(testEnv(), { tools: [...TOOLS, exploding], logger: capture.logger });
    const result = await call(client, 'explode');
    expect(result.isError).toBe(true);
    expect(result.data).toMatchObject({ code: 'INTERNAL_ERROR', retry: { kind: 'not_retryable' } });
    expect(capture.lines.join('')).toContain('boom in a handler');
    const after = await call(client, 'list_workflows', { workspacePath: tempDir() });
    expect(after.isError).toBe(false);
  });

  it('returns a use case failure as the envelope', async () => {
    const failing = defineTool({
      name: 'fail',
      title: 'Fail',
      description: 'Fails, to test the wrapper.',
      schema: z.strictObject({}),
      template: {},
      output: z.looseObject({}),
      annotations: {},
      run: () =>
        err({ code: 'TOKEN_SESSION_LOCKED', message: 'busy', retry: { kind: 'retryable_after_ms', afterMs: 1000 } }),
    });
    const { client } = await connectInMemory(testEnv(), { tools: [failing] });
    const result = await call(client, 'fail');
    expect(result).toMatchObject({ isError: true, data: { code: 'TOKEN_SESSION_LOCKED', retry: { afterMs: 1000 } } });
  });
});

describe('list_workflows', () => {
  it('returns a tag summary without tags, the workflows of a tag with tags, and sources with includeSources', async () => {
    const { client } = await connectInMemory(testEnv());
    const ws = workspaceWith(LINEAR, CONTRACT);
    const summary = await call(client, 'list_workflows', { workspacePath: ws });
    expect(summary.data).toMatchObject({ workflows: [], tagSummary: [{ id: 'acme', count: 2 }] });
    expect(JSON.parse(summary.text)).toEqual(summary.data);

    const tagged = await call(client, 'list_workflows', { workspacePath: ws, tags: '["acme"]' });
    expect(tagged.data.workflows.map((w: { workflowId: string }) => w.workflowId).sort()).toEqual([
      'acme.linear',
      'acme.verdict',
    ]);
    const all = await call(client, 'list_workflows', { workspacePath: ws, includeSources: true });
    expect(all.data.sources.length).toBeGreaterThan(0);
  });

  it('reports an invalid workflow file in validationWarnings', async () => {
    const { client } = await connectInMemory(testEnv());
    const ws = workspaceWith(LINEAR);
    writeJson(ws, '.workrail/workflows/broken.json', { id: 'acme.broken', name: 'Broken', steps: [] });
    const result = await call(client, 'list_workflows', { workspacePath: ws, includeSources: true });
    expect(result.data.validationWarnings).toEqual([
      expect.objectContaining({ workflowId: 'acme.broken', filePath: expect.stringContaining('broken.json') }),
    ]);
  });
});

describe('inspect_workflow, validate_workflow, manage_workflow_source', () => {
  it('inspects a workflow and answers an unknown id with NOT_FOUND and similar ids', async () => {
    const { client } = await connectInMemory(testEnv());
    const ws = workspaceWith(LINEAR);
    const found = await call(client, 'inspect_workflow', { workflowId: 'acme.linear', workspacePath: ws });
    expect(found.data).toMatchObject({ workflowId: 'acme.linear', mode: 'preview', workflowHash: expect.any(String) });
    const missing = await call(client, 'inspect_workflow', { workflowId: 'acme.linaer', workspacePath: ws });
    expect(missing.data).toMatchObject({ code: 'NOT_FOUND', details: { similarIds: ['acme.linear'] } });
  });

  it('validates a document given inline and refuses both inputs at once', async () => {
    const { client } = await connectInMemory(testEnv());
    const valid = await call(client, 'validate_workflow', { workflowJson: LINEAR });
    expect(valid.data).toEqual({ valid: true, issues: [], suggestions: expect.any(Array) });
    const invalid = await call(client, 'validate_workflow', { workflowJson: '{"id": "x"}' });
    expect(invalid.data.valid).toBe(false);
    const both = await call(client, 'validate_workflow', { workflowJson: LINEAR, path: '/tmp/x.json' });
    expect(both.data.code).toBe('VALIDATION_ERROR');
  });

  it('attaches and detaches a workflow directory', async () => {
    const { client } = await connectInMemory(testEnv());
    const dir = tempDir();
    const attached = await call(client, 'manage_workflow_source', { action: 'attach', path: dir });
    expect(attached.data.sources.map((s: { path: string }) => s.path)).toEqual([path.resolve(dir)]);
    const detached = await call(client, 'manage_workflow_source', { action: 'detach', path: dir });
    expect(detached.data.sources).toEqual([]);
    const missing = await call(client, 'manage_workflow_source', { action: 'attach', path: path.join(dir, 'nope') });
    expect(missing.data.code).toBe('PRECONDITION_FAILED');
  });
});

describe('resources', () => {
  it('exposes the tag catalogue as workrail://tags', async () => {
    const { client } = await connectInMemory(testEnv());
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(['workrail://tags']);
    const read = await client.readResource({ uri: 'workrail://tags' });
    const content = read.contents[0];
    expect(content !== undefined && 'text' in content).toBe(true);
    expect(JSON.parse(String((content as { text: string }).text))).toEqual(TAG_CATALOG);
  });
});

describe('WORKRAIL_JSON_RESPONSES', () => {
  it('makes every text the compact JSON of structuredContent', async () => {
    const { client } = await connectInMemory(testEnv(), { jsonResponses: true });
    const ws = workspaceWith(LINEAR);
    const started = await call(client, 'start_workflow', { workflowId: 'acme.linear', workspacePath: ws, goal: 'x' });
    expect(started.text).toBe(JSON.stringify(started.data));
    const listed = await call(client, 'list_workflows', { workspacePath: ws });
    expect(listed.text).toBe(JSON.stringify(listed.data));
  });
});
