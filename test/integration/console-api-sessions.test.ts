import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactListSchema,
  envelopeOf,
  NodeDetailSchema,
  SessionDetailSchema,
  SessionListSchema,
} from '../../src/http/schemas.js';
import { type ConsoleUnderTest, getJson, startFixtureConsole } from './console-api-helpers.js';

let c: ConsoleUnderTest;

beforeAll(async () => {
  c = await startFixtureConsole();
});
afterAll(async () => {
  await c?.stop();
});

async function detail(sessionId: string) {
  const { status, body } = await getJson(c.origin, `/sessions/${sessionId}`);
  expect(status).toBe(200);
  return envelopeOf(SessionDetailSchema).parse(body).data;
}

describe('GET /api/v2/sessions', () => {
  it('lists every session newest first in the {success, data} envelope', async () => {
    const { status, headers, body } = await getJson(c.origin, '/sessions');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('no-cache');
    expect(headers.get('etag')).toBeTruthy();
    const data = envelopeOf(SessionListSchema).parse(body).data;
    expect(data.totalCount).toBe(4);
    expect(data.sessions.map((s) => s.sessionId).sort()).toEqual(Object.values(c.fixture.sessions).sort());
    const times = data.sessions.map((s) => s.lastActivityAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const linear = data.sessions.find((s) => s.sessionId === c.fixture.sessions.linear);
    expect(linear).toMatchObject({
      status: 'complete',
      workflowId: 'acme.linear',
      workflowName: 'Linear demo',
      goal: 'ship the parser',
      stepsCompleted: 3,
      source: 'editor',
      workspacePath: c.workspace,
    });
  });

  it('filters by status, workflow and full-text search', async () => {
    const complete = (await getJson(c.origin, '/sessions?status=complete')).body.data;
    expect(complete.sessions.map((s: { sessionId: string }) => s.sessionId).sort()).toEqual(
      [c.fixture.sessions.linear, c.fixture.sessions.looping].sort(),
    );
    const looping = (await getJson(c.origin, '/sessions?workflowId=acme.looping')).body.data;
    expect(looping.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([c.fixture.sessions.looping]);
    const search = (await getJson(c.origin, '/sessions?q=retry')).body.data;
    expect(search.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([c.fixture.sessions.blocked]);
  });

  it('pages with a cursor until nextCursor is null, without repeating a session', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=3' : `?limit=3&cursor=${cursor}`;
      const data = envelopeOf(SessionListSchema).parse((await getJson(c.origin, `/sessions${query}`)).body).data;
      seen.push(...data.sessions.map((s) => s.sessionId));
      cursor = data.nextCursor;
    } while (cursor !== null);
    expect(seen).toHaveLength(4);
    expect(new Set(seen).size).toBe(4);
  });

  it('sorts by workflow name when asked', async () => {
    const data = (await getJson(c.origin, '/sessions?sort=workflow')).body.data;
    expect(data.sessions.map((s: { workflowName: string }) => s.workflowName)).toEqual([
      'Linear demo',
      'Linear demo',
      'Linear demo',
      'Loop demo',
    ]);
  });

  it.each([
    ['limit=500', 'limit'],
    ['limit=abc', 'limit'],
    ['status=sleeping', 'status'],
    ['sort=random', 'sort'],
    ['since=yesterday', 'since'],
    ['source=robot', 'source'],
    ['cursor=not-a-cursor', 'cursor'],
  ])('answers 400 VALIDATION_ERROR naming the parameter for %s', async (query, field) => {
    const { status, body } = await getJson(c.origin, `/sessions?${query}`);
    expect(status).toBe(400);
    expect(body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', field });
  });
});

describe('GET /api/v2/sessions/:id', () => {
  it('answers 404 NOT_FOUND for an unknown session', async () => {
    const { status, body } = await getJson(c.origin, '/sessions/sess_unknown');
    expect(status).toBe(404);
    expect(body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('returns a linear run as a chain of step nodes ending at the completed tip', async () => {
    const run = (await detail(c.fixture.sessions.linear)).run!;
    expect(run.nodes.map((n) => n.stepId)).toEqual(['plan', 'build', 'ship', null]);
    expect(run.nodes.map((n) => n.kind)).toEqual(['step', 'step', 'step', 'step']);
    expect(run.edges.map((e) => e.cause)).toEqual(['advance', 'advance', 'advance']);
    expect(run.tipNodeIds).toEqual([run.nodes[3]!.nodeId]);
    expect(run.nodes[0]).toMatchObject({ hasNotes: true, hasArtifacts: true, isTip: false });
    expect(run.trace.filter((t) => t.kind === 'selected_step').map((t) => t.stepId)).toEqual(['plan', 'build', 'ship']);
    expect(run.contextFacts).toContainEqual({ key: 'goal', value: 'ship the parser' });
  });

  it('tags loop nodes with their iteration and records the loop exit', async () => {
    const run = (await detail(c.fixture.sessions.looping)).run!;
    const implement = run.nodes.filter((n) => n.stepId === 'implement');
    expect(implement.map((n) => n.loop)).toEqual([1, 2, 3].map((iteration) => ({ loopId: 'passes', iteration })));
    expect(run.loops).toHaveLength(1);
    expect(run.loops[0]).toMatchObject({ loopId: 'passes', title: 'Passes', loopType: 'for' });
    expect(run.loops[0]!.iterations.map((i) => i.iteration)).toEqual([1, 2, 3]);
    expect(run.loops[0]!.exitReason).toContain('count_reached');
    expect(run.trace.filter((t) => t.kind === 'iteration_started').map((t) => t.iteration)).toEqual([1, 2, 3]);
  });

  it('shows skipped steps as ghosts with the runCondition that was false', async () => {
    const run = (await detail(c.fixture.sessions.looping)).run!;
    const docs = run.ghostSteps.filter((g) => g.stepId === 'docs');
    expect(docs.map((g) => g.loop?.iteration)).toEqual([1, 2, 3]);
    expect(docs[0]!.reason).toContain('runCondition was false');
    expect(docs[0]!.condition).toBe('writeDocs equals true');
    const polish = run.ghostSteps.find((g) => g.stepId === 'polish');
    expect(polish).toMatchObject({ stepTitle: 'Polish', loop: null });
    const wrap = run.nodes.find((n) => n.stepId === 'wrap')!;
    expect(polish!.beforeNodeId).toBe(wrap.nodeId);
    expect(run.trace.filter((t) => t.kind === 'skipped_step')).toHaveLength(4);
  });

  it('hangs a blocked attempt off its step and continues from it with a retry edge; checkpoints are side nodes', async () => {
    const session = await detail(c.fixture.sessions.blocked);
    const run = session.run!;
    expect(session.status).toBe('in_progress');
    expect(session.blockedAttempts).toBe(1);
    expect(run.nodes.map((n) => n.kind)).toEqual(['step', 'blocked_attempt', 'step', 'checkpoint']);
    expect(run.edges.map((e) => [e.kind, e.cause])).toEqual([
      ['advance', 'advance'],
      ['advance', 'retry'],
      ['checkpoint', 'checkpoint'],
    ]);
    const [, blockedNode, next] = run.nodes;
    expect(blockedNode).toMatchObject({ stepId: 'plan', isTip: false });
    expect(next).toMatchObject({ stepId: 'build', isTip: true, isPreferredTip: true });
    expect(run.tipNodeIds).toEqual([next!.nodeId]);
  });

  it('shows a fork as two branches from the same node, the second edge caused by the fork', async () => {
    const run = (await detail(c.fixture.sessions.forked)).run!;
    const root = run.nodes[0]!;
    const children = run.edges.filter((e) => e.fromNodeId === root.nodeId);
    expect(children.map((e) => e.cause)).toEqual(['advance', 'fork']);
    expect(run.tipNodeIds).toHaveLength(2);
    expect(run.trace.some((t) => t.kind === 'fork_detected' && t.stepId === 'plan')).toBe(true);
    expect(run.nodes.filter((n) => n.isPreferredTip)).toHaveLength(1);
  });
});

describe('GET /api/v2/sessions/:id/nodes/:nodeId', () => {
  it('returns the rendered prompt, markdown notes, artifacts, context and the advance of a step node', async () => {
    const run = (await detail(c.fixture.sessions.linear)).run!;
    const { status, body } = await getJson(
      c.origin,
      `/sessions/${c.fixture.sessions.linear}/nodes/${run.nodes[0]!.nodeId}`,
    );
    expect(status).toBe(200);
    const node = envelopeOf(NodeDetailSchema).parse(body).data;
    expect(node.prompt).toContain('Plan the work for ship the parser.');
    expect(node.notesMarkdown).toContain('read the **grammar**');
    expect(node.artifacts).toMatchObject([{ kind: 'acme.plan', content: { files: ['parser.ts'] } }]);
    expect(node.contextAtNode).toMatchObject({ goal: 'ship the parser' });
    expect(node.advance).toMatchObject({ outcome: 'advanced', toNodeId: run.nodes[1]!.nodeId, blockers: [] });
    expect(node.trace.map((t) => t.kind)).toEqual(['selected_step']);
  });

  it('returns the blockers of a blocked attempt', async () => {
    const run = (await detail(c.fixture.sessions.blocked)).run!;
    const blocked = run.nodes.find((n) => n.kind === 'blocked_attempt')!;
    const node = (await getJson(c.origin, `/sessions/${c.fixture.sessions.blocked}/nodes/${blocked.nodeId}`)).body.data;
    expect(node.advance.outcome).toBe('blocked');
    expect(node.advance.blockers[0]).toMatchObject({ code: 'MISSING_REQUIRED_NOTES' });
  });

  it('answers 404 for a node of another session', async () => {
    const run = (await detail(c.fixture.sessions.linear)).run!;
    const { status } = await getJson(c.origin, `/sessions/${c.fixture.sessions.looping}/nodes/${run.nodes[0]!.nodeId}`);
    expect(status).toBe(404);
  });
});

describe('GET /api/v2/sessions/:id/artifacts', () => {
  it('lists the artifacts of the session with their node and step', async () => {
    const { body } = await getJson(c.origin, `/sessions/${c.fixture.sessions.linear}/artifacts`);
    const data = envelopeOf(ArtifactListSchema).parse(body).data;
    expect(data.artifacts).toMatchObject([{ stepId: 'plan', kind: 'acme.plan', contentType: 'application/json' }]);
    expect(data.artifacts[0]!.byteLength).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown session', async () => {
    expect((await getJson(c.origin, '/sessions/sess_nope/artifacts')).status).toBe(404);
  });
});
