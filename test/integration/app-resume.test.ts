import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { resumeSession } from '../../src/app/resume-session.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import { dataPath } from '../../src/store/sqlite/data-dictionary.js';
import {
  asStep,
  expectErr,
  expectOk,
  git,
  gitRepo,
  SIMPLE_WORKFLOW,
  testApp,
  workspaceWith,
  writeJson,
} from './app-helpers.js';

type App = ReturnType<typeof testApp>['app'];

function start(app: App, workspacePath: string, goal: string, workflowId = 'acme.simple') {
  return asStep(expectOk(startWorkflow(app, { workflowId, workspacePath, goal })));
}

function totalEvents(app: App): number {
  return app.store
    .read((r) => r.listRecentSessions(100))
    .reduce((sum, s) => sum + app.store.read((r) => r.listEvents(s.sessionId)).length, 0);
}

describe('resume_session', () => {
  it('ranks the session whose title holds every query word first, with an st_ and a ready rehydrate call', () => {
    const { app, tick } = testApp();
    const repo = gitRepo();
    writeJson(repo, '.workrail/workflows/acme.simple.json', SIMPLE_WORKFLOW);
    const login = start(app, repo, 'Fix the flaky login test');
    tick();
    asStep(
      expectOk(continueWorkflow(app, { continueToken: login.continueToken!, notes: '# Reproduced\nIt fails on CI.' })),
    );
    tick();
    start(app, repo, 'Refactor billing');
    tick();
    const elsewhere = workspaceWith(SIMPLE_WORKFLOW);
    start(app, elsewhere, 'Unrelated chores');

    const result = expectOk(resumeSession(app, { workspacePath: repo, query: 'flaky login' }));
    expect(result.totalEligible).toBe(3);
    const [top, second, third] = result.candidates;
    expect(top).toMatchObject({
      sessionTitle: 'Fix the flaky login test',
      workflowId: 'acme.simple',
      gitBranch: 'main',
      confidence: 'strong',
      whyMatched: ['matched_notes', 'matched_repo_root', 'matched_head_sha', 'matched_branch'],
      pendingStepId: 'second',
      isComplete: false,
      snippet: '# Reproduced\nIt fails on CI.',
    });
    expect(top?.resumeToken).toMatch(/^st_/);
    expect(top?.nextCall).toEqual({
      tool: 'continue_workflow',
      params: { continueToken: top?.resumeToken, intent: 'rehydrate', workspacePath: repo },
    });
    // Same repository outranks the other workspace within the head-sha tier.
    expect(second).toMatchObject({
      sessionTitle: 'Refactor billing',
      whyMatched: ['matched_head_sha', 'matched_repo_root', 'matched_branch'],
    });
    expect(third).toMatchObject({
      sessionTitle: 'Unrelated chores',
      confidence: 'weak',
      whyMatched: ['recency_fallback'],
    });

    const resumed = asStep(expectOk(continueWorkflow(app, top!.nextCall.params)));
    expect(resumed).toMatchObject({ nextIntent: 'rehydrate_only', pending: { stepId: 'second' } });
  });

  it('writes no events and returns the same st_ for the same tip on every call', () => {
    const { app } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    start(app, ws, 'one');
    const before = totalEvents(app);
    const first = expectOk(resumeSession(app, { workspacePath: ws }));
    const second = expectOk(resumeSession(app, { workspacePath: ws }));
    expect(totalEvents(app)).toBe(before);
    expect(second.candidates[0]?.resumeToken).toBe(first.candidates[0]?.resumeToken);
  });

  it('finds an exact session id first, returns at most five, and counts every eligible session', () => {
    const { app, tick } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const tokens: string[] = [];
    for (let i = 0; i < 7; i++) {
      tokens.push(start(app, ws, `Session number ${i}`).continueToken!);
      tick();
    }
    const oldest = app.store.read((r) => r.findToken(tokens[0]!))!.sessionId;
    const result = expectOk(resumeSession(app, { workspacePath: ws, sessionId: oldest }));
    expect(result.totalEligible).toBe(7);
    expect(result.candidates).toHaveLength(5);
    expect(result.candidates[0]).toMatchObject({
      sessionId: oldest,
      confidence: 'strong',
      whyMatched: ['matched_exact_id'],
    });
    // The rest fall back to recency, newest first.
    expect(result.candidates.slice(1).map((c) => c.sessionTitle)).toEqual([
      'Session number 6',
      'Session number 5',
      'Session number 4',
      'Session number 3',
    ]);
  });

  it('matches the branch given explicitly, even as a prefix, and the workflow id from the query', () => {
    const { app, tick } = testApp();
    const repo = gitRepo();
    writeJson(repo, '.workrail/workflows/acme.simple.json', SIMPLE_WORKFLOW);
    writeJson(repo, '.workrail/workflows/acme.release-notes.json', { ...SIMPLE_WORKFLOW, id: 'acme.release-notes' });
    git(repo, 'checkout', '-q', '-b', 'feature/payments-v2');
    start(app, repo, 'Payments work');
    tick();
    start(app, repo, 'Write the notes', 'acme.release-notes');
    const byBranch = expectOk(
      resumeSession(app, { workspacePath: repo, gitBranch: 'feature/payments', gitHeadSha: 'f'.repeat(40) }),
    );
    expect(byBranch.candidates.map((c) => c.whyMatched[0])).toEqual(['matched_branch', 'matched_branch']);
    const byWorkflow = expectOk(resumeSession(app, { workspacePath: repo, query: 'release' }));
    expect(byWorkflow.candidates[0]).toMatchObject({
      workflowId: 'acme.release-notes',
      whyMatched: expect.arrayContaining(['matched_workflow_id']),
    });
  });

  it('skips sessions that fail their health checks', () => {
    const { app, home, tick } = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const broken = start(app, ws, 'broken one');
    tick();
    start(app, ws, 'healthy one');
    const record = app.store.read((r) => r.findToken(broken.continueToken!))!;
    const db = new Database(path.join(home, 'data', 'workrail.db'));
    // A node's state lives in its node_created event (schema 5).
    db.prepare(SET_NODE_STATE).run({ state: 'not json', nodeId: record.nodeId });
    db.close();
    const result = expectOk(resumeSession(app, { workspacePath: ws }));
    expect(result.totalEligible).toBe(1);
    expect(result.candidates.map((c) => c.sessionTitle)).toEqual(['healthy one']);
  });

  it('keeps only sessions of the same workspace with sameWorkspaceOnly', () => {
    const { app } = testApp();
    const a = workspaceWith(SIMPLE_WORKFLOW);
    const b = workspaceWith(SIMPLE_WORKFLOW);
    start(app, a, 'in a');
    start(app, b, 'in b');
    const result = expectOk(resumeSession(app, { workspacePath: a, sameWorkspaceOnly: true }));
    expect(result.candidates.map((c) => c.sessionTitle)).toEqual(['in a']);
  });

  it('rejects malformed input with VALIDATION_ERROR', () => {
    const { app } = testApp();
    expectErr(resumeSession(app, { workspacePath: 'relative/path' }), 'VALIDATION_ERROR');
    expectErr(resumeSession(app, { workspacePath: '/abs', gitHeadSha: 'xyz' }), 'VALIDATION_ERROR');
    expectErr(resumeSession(app, { workspacePath: '/abs', query: '' }), 'VALIDATION_ERROR');
    const unknown = expectErr(resumeSession(app, { workspacePath: '/abs', querry: 'x' } as never), 'VALIDATION_ERROR');
    expect(unknown.details?.suggestions).toEqual([{ kind: 'unknown_key', key: 'querry', didYouMean: 'query' }]);
  });
});

/** Replaces the state recorded in a node's node_created event with the JSON text (or plain text) `@state`. */
const SET_NODE_STATE = `UPDATE events SET data = json_set(data, '${dataPath('state')}', CASE WHEN json_valid(@state) THEN json(@state) ELSE @state END)
  WHERE json_valid(data) AND json_extract(data, '${dataPath('nodeId')}') = @nodeId AND json_type(data, '${dataPath('state')}') IS NOT NULL`;
