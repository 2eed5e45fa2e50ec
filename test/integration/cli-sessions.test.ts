import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import type { StepResponse } from '../../src/app/execution-response.js';
import { chainHash, eventHash } from '../../src/app/session-bundle.js';
import { startWorkflow } from '../../src/app/start-workflow.js';
import {
  asStep,
  expectOk,
  LOOP_WORKFLOW,
  SIMPLE_WORKFLOW,
  type TestApp,
  testApp,
  workspaceWith,
} from './app-helpers.js';
import { runCli, tempDir } from './cli-helpers.js';

type App = TestApp['app'];

function sessionOf(app: App, token: string): string {
  return app.store.read((r) => r.findToken(token))!.sessionId;
}

function step(app: App, token: string, input: { notes?: string; intent?: 'advance' | 'rehydrate' } = {}): StepResponse {
  return asStep(expectOk(continueWorkflow(app, { continueToken: token, ...input })));
}

/** A LOOP_WORKFLOW session: plan and pass 1's implement done with notes, then a blocked attempt at verify. */
function loopSession(t: TestApp, ws = workspaceWith(LOOP_WORKFLOW)) {
  const { app } = t;
  const start = asStep(
    expectOk(startWorkflow(app, { workflowId: 'acme.loop-demo', workspacePath: ws, goal: 'ship the parser' })),
  );
  t.tick();
  const implement = step(app, start.continueToken!, { notes: 'Planned: lexer first,\nthen the grammar.' });
  t.tick();
  const verify = step(app, implement.continueToken!, { notes: 'Wrote the lexer.' });
  t.tick();
  const blocked = step(app, verify.continueToken!, { intent: 'advance' });
  return { ws, sessionId: sessionOf(app, start.continueToken!), blocked };
}

async function cli(home: string, argv: string[], cwd?: string) {
  return runCli(argv, { env: { WORKRAIL_HOME: home }, ...(cwd === undefined ? {} : { cwd }) });
}

async function exportBundle(home: string, sessionId: string): Promise<Record<string, unknown>> {
  const run = await cli(home, ['sessions', 'export', sessionId]);
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout);
}

/** Writes `bundle` to a file and imports it into `home`. */
async function importBundle(home: string, bundle: unknown) {
  const file = path.join(tempDir(), 'bundle.json');
  writeFileSync(file, typeof bundle === 'string' ? bundle : JSON.stringify(bundle));
  return cli(home, ['sessions', 'import', file]);
}

/** The timeline with node ids and times dropped, so two copies of a session compare equal. */
function comparableTimeline(timeline: { entries: unknown[]; current: unknown; counts: unknown }) {
  const strip = (value: unknown): unknown =>
    JSON.parse(JSON.stringify(value), (key, v) => (key === 'nodeId' || key === 'atMs' ? undefined : v));
  return { entries: strip(timeline.entries), current: strip(timeline.current), counts: timeline.counts };
}

describe('workrail sessions list', () => {
  it('lists the sessions created by the use cases, most recently active first, with status and pending step', async () => {
    const t = testApp();
    const first = loopSession(t);
    t.tick();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const simple = asStep(
      expectOk(startWorkflow(t.app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'tidy' })),
    );
    const simpleId = sessionOf(t.app, simple.continueToken!);
    step(t.app, step(t.app, simple.continueToken!, { notes: 'one' }).continueToken!, { notes: 'two' });

    const run = await cli(t.home, ['sessions', 'list']);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+WORKFLOW\s+STEP\s+LAST ACTIVITY\s+TITLE$/);
    expect(lines[1]).toMatch(
      new RegExp(`^${simpleId}\\s+complete\\s+acme\\.simple\\s+-\\s+2026-01-01 00:00Z\\s+tidy$`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^${first.sessionId}\\s+in progress\\s+acme\\.loop-demo\\s+verify\\s+2026-01-01 00:00Z\\s+ship the parser$`,
      ),
    );
    expect(run.stdout).toContain('2 sessions. Details: workrail sessions show <id>');
  });

  it('filters by --workspace, resolved from the working directory, and says when nothing matches', async () => {
    const t = testApp();
    const mine = loopSession(t);
    const other = loopSession(t);

    const relative = await cli(
      t.home,
      ['sessions', 'list', '--workspace', path.basename(mine.ws), '--json'],
      path.dirname(mine.ws),
    );
    expect(relative.code).toBe(0);
    expect(JSON.parse(relative.stdout).sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([
      mine.sessionId,
    ]);

    const json = JSON.parse((await cli(t.home, ['sessions', 'list', '--workspace', other.ws, '--json'])).stdout);
    expect(json.sessions).toEqual([
      expect.objectContaining({
        sessionId: other.sessionId,
        workflowId: 'acme.loop-demo',
        status: 'in_progress',
        pendingStep: { stepId: 'verify', title: 'Verify' },
        workspacePath: other.ws,
      }),
    ]);

    const empty = tempDir();
    const none = await cli(t.home, ['sessions', 'list', '--workspace', empty]);
    expect(none).toMatchObject({ code: 0, stdout: `No sessions in ${empty}.\n` });
  });

  it('rejects a bad --status or --limit as a usage error', async () => {
    const { home } = testApp();
    const status = await cli(home, ['sessions', 'list', '--status', 'paused']);
    expect(status.code).toBe(2);
    expect(status.stderr).toContain('--status must be in_progress or complete, got "paused"');
    const limit = await cli(home, ['sessions', 'list', '--limit', '0']);
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('limit must be an integer from 1 to 1000');
  });
});

describe('workrail sessions show', () => {
  it('prints the timeline: each completed step with its notes, the blocked attempt and the current step', async () => {
    const t = testApp();
    const { sessionId, ws } = loopSession(t);
    const run = await cli(t.home, ['sessions', 'show', sessionId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `Session ${sessionId}\nWorkflow:  Loop demo (acme.loop-demo)\nGoal:      ship the parser`,
    );
    expect(run.stdout).toContain(`Workspace: ${ws}`);
    expect(run.stdout).toContain('Status:    in progress; 2 steps completed, 1 blocked attempt, 0 checkpoints');
    expect(run.stdout).toContain(
      'Now:       blocked at verify "Verify" (passes iteration 1); retry with the fixes below',
    );
    const timeline = run.stdout.slice(run.stdout.indexOf('Timeline:')).split('\n');
    expect(timeline).toEqual([
      'Timeline:',
      '  2026-01-01 00:00:00Z  started acme.loop-demo: ship the parser',
      '  2026-01-01 00:00:01Z  completed plan "Plan for ship the parser"',
      '                        notes: Planned: lexer first,',
      '                               then the grammar.',
      '  2026-01-01 00:00:02Z  completed implement "Implement pass 1" (passes iteration 1)',
      '                        notes: Wrote the lexer.',
      '  2026-01-01 00:00:03Z  blocked at verify "Verify" (passes iteration 1)',
      expect.stringMatching(/^ {24}MISSING_REQUIRED_NOTES: \S/),
      '',
    ]);
  });

  it('prints the timeline as JSON with --json', async () => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const run = await cli(t.home, ['sessions', 'show', sessionId, '--json']);
    const timeline = JSON.parse(run.stdout);
    expect(timeline).toMatchObject({
      sessionId,
      status: 'in_progress',
      current: { kind: 'blocked', step: { stepId: 'verify' } },
      counts: { stepsCompleted: 2, blockedAttempts: 1, checkpoints: 0 },
    });
    expect(timeline.entries.map((e: { kind: string; outcome?: string }) => e.outcome ?? e.kind)).toEqual([
      'started',
      'advanced',
      'advanced',
      'blocked',
    ]);
  });

  it('answers an unknown id with exit 1 and a hint to list the sessions', async () => {
    const { home } = testApp();
    for (const command of ['show', 'export']) {
      const run = await cli(home, ['sessions', command, 'sess_nope']);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `workrail sessions ${command}: No session with id "sess_nope".\nHint: Run \`workrail sessions list\` to see the stored sessions.\n`,
      );
    }
  });
});

describe('workrail sessions export and import', () => {
  it('exports the events, the pinned workflow and integrity hashes, to stdout or to a file with -o', async () => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const bundle = await exportBundle(t.home, sessionId);
    const events = t.app.store.read((r) => r.listEvents(sessionId as `sess_${string}`));
    expect(bundle).toMatchObject({ format: 'workrail.session-bundle', v: 1, sessionId });
    expect((bundle.workflow as { id: string }).id).toBe('acme.loop-demo');
    expect((bundle.events as unknown[]).length).toBe(events.length);
    expect(JSON.stringify(bundle.events)).not.toMatch(/ct_|ck_|st_/);
    expect(bundle.integrity).toMatchObject({
      algorithm: 'sha256',
      workflowHash: (bundle.workflow as { workflowHash: string }).workflowHash,
      eventCount: events.length,
      chainHash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });

    const dir = tempDir();
    const run = await cli(t.home, ['sessions', 'export', sessionId, '-o', 'out.json'], dir);
    expect(run).toMatchObject({ code: 0, stdout: `Exported ${sessionId} (${events.length} events) to out.json\n` });
    const written = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8'));
    expect(written.events).toEqual(bundle.events);
  });

  it('imports a bundle as a new session with the same steps and notes, whose st_ continues the workflow', async () => {
    const source = testApp();
    const { sessionId } = loopSession(source);
    const bundle = await exportBundle(source.home, sessionId);

    const target = testApp();
    const run = await importBundle(target.home, bundle);
    expect(run.code).toBe(0);
    const newId = /^Imported session (sess_\w+) from /.exec(run.stdout)?.[1];
    expect(newId).toBeDefined();
    expect(newId).not.toBe(sessionId);
    expect(run.stdout).toContain(`from ${sessionId} (acme.loop-demo, ${(bundle.events as unknown[]).length} events)`);
    expect(run.stdout).toContain('Status:       in progress, pending step verify "Verify" (passes iteration 1)');
    const resumeToken = /^Resume token: (st_\S+)$/m.exec(run.stdout)?.[1];
    expect(resumeToken).toBeDefined();
    expect(run.stdout).toContain(
      `Continue with continue_workflow {"continueToken":"${resumeToken}","intent":"rehydrate"`,
    );

    // Same timeline as the original, projections included (list shows it like any session).
    const original = JSON.parse((await cli(source.home, ['sessions', 'show', sessionId, '--json'])).stdout);
    const copy = JSON.parse((await cli(target.home, ['sessions', 'show', newId!, '--json'])).stdout);
    expect(comparableTimeline(copy)).toEqual(comparableTimeline(original));
    expect(copy.entries[1].notes).toEqual(['Planned: lexer first,\nthen the grammar.']);
    const listed = JSON.parse((await cli(target.home, ['sessions', 'list', '--json'])).stdout);
    expect(listed.sessions).toEqual([
      expect.objectContaining({
        sessionId: newId,
        title: 'ship the parser',
        pendingStep: { stepId: 'verify', title: 'Verify' },
      }),
    ]);

    // The fresh token works through the real use case, to the end of the workflow.
    const rehydrated = step(target.app, resumeToken!, { intent: 'rehydrate' });
    expect(rehydrated.pending).toMatchObject({ stepId: 'verify', title: 'Verify' });
    expect(rehydrated.recoveryContext?.parts.map((p) => p.text).join('\n')).toContain('Wrote the lexer.');
    let next = step(target.app, rehydrated.continueToken!, { notes: 'Verified pass 1.' });
    expect(next.pending).toMatchObject({ stepId: 'implement', title: 'Implement pass 2' });
    for (const notes of ['Pass 2.', 'Verified pass 2.']) next = step(target.app, next.continueToken!, { notes });
    expect(next.pending?.stepId).toBe('summary');
    const done = step(target.app, next.continueToken!, { notes: 'All done.' });
    expect(done.isComplete).toBe(true);
    const finished = JSON.parse((await cli(target.home, ['sessions', 'show', newId!, '--json'])).stdout);
    expect(finished).toMatchObject({
      status: 'complete',
      current: { kind: 'complete' },
      counts: { stepsCompleted: 6 },
    });

    // The original is untouched and still at its blocked attempt.
    expect(JSON.parse((await cli(source.home, ['sessions', 'show', sessionId, '--json'])).stdout)).toEqual(original);
  });

  it('renames every id, so a bundle can be imported twice into the store it came from', async () => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const bundle = await exportBundle(t.home, sessionId);
    const first = await importBundle(t.home, bundle);
    const second = await importBundle(t.home, bundle);
    expect([first.code, second.code]).toEqual([0, 0]);
    const ids = JSON.parse((await cli(t.home, ['sessions', 'list', '--json'])).stdout).sessions.map(
      (s: { sessionId: string }) => s.sessionId,
    );
    expect(new Set(ids).size).toBe(3);
    const nodesOf = (id: string) =>
      t.app.store.read((r) => {
        const loaded = r.loadSession(id as `sess_${string}`);
        if (loaded.kind !== 'ok') throw new Error(`${id} is ${loaded.kind}`);
        return [...loaded.session.nodes.keys()];
      });
    const all = ids.flatMap(nodesOf);
    expect(new Set(all).size).toBe(all.length);
    const token = /^Resume token: (st_\S+)$/m.exec(second.stdout)![1]!;
    expect(step(t.app, token, { intent: 'rehydrate' }).pending?.stepId).toBe('verify');
  });

  it('imports a completed session as complete; its st_ rehydrates to the complete response', async () => {
    const t = testApp();
    const ws = workspaceWith(SIMPLE_WORKFLOW);
    const start = asStep(expectOk(startWorkflow(t.app, { workflowId: 'acme.simple', workspacePath: ws, goal: 'g' })));
    step(t.app, step(t.app, start.continueToken!, { notes: 'one' }).continueToken!, { notes: 'two' });
    const bundle = await exportBundle(t.home, sessionOf(t.app, start.continueToken!));
    const run = await importBundle(t.home, bundle);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Status:       complete\n');
    const token = /^Resume token: (st_\S+)$/m.exec(run.stdout)![1]!;
    expect(expectOk(continueWorkflow(t.app, { continueToken: token, intent: 'rehydrate' }))).toMatchObject({
      isComplete: true,
    });
  });

  it('prints the new session, resume token and next call as JSON with --json', async () => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const file = path.join(tempDir(), 'b.json');
    expect((await cli(t.home, ['sessions', 'export', sessionId, '-o', file])).code).toBe(0);
    const run = await cli(t.home, ['sessions', 'import', file, '--json']);
    const output = JSON.parse(run.stdout);
    expect(output).toMatchObject({
      importedFrom: sessionId,
      workflowId: 'acme.loop-demo',
      status: 'in_progress',
      pendingStep: { stepId: 'verify' },
      resumeToken: expect.stringMatching(/^st_/),
      nextCall: { tool: 'continue_workflow', params: { intent: 'rehydrate' } },
    });
    expect(output.nextCall.params.continueToken).toBe(output.resumeToken);
  });

  type Bundle = {
    v: number;
    format: string;
    exportedAtMs: number;
    workflow: { steps: { title: string }[]; workflowHash: string };
    events: { seq: number; data: Record<string, unknown> }[];
    integrity: { eventHashes: string[]; chainHash: string; eventCount: number };
  };
  const notesIndex = (b: Bundle) => b.events.findIndex((e) => e.data.channel === 'notes');

  it.each<[string, (b: Bundle) => unknown, RegExp]>([
    [
      'an edited note',
      (b) => {
        b.events[notesIndex(b)]!.data.notesMarkdown = 'Planned nothing.';
      },
      /events\[\d+\] \(output_appended, seq \d+\) was modified: it does not match its hash/,
    ],
    [
      'an edited workflow',
      (b) => {
        b.workflow.steps[0]!.title = 'Plan less';
      },
      /the workflow was modified: its content does not match its workflowHash/i,
    ],
    [
      'a dropped event',
      (b) => {
        b.events.pop();
      },
      /holds \d+ events, but integrity records \d+/,
    ],
    [
      'a wrong event hash',
      (b) => {
        b.integrity.eventHashes[0] = `sha256:${'0'.repeat(64)}`;
      },
      /events\[0\] \(session_created, seq 0\) was modified/,
    ],
    [
      'a wrong bundle hash',
      (b) => {
        b.integrity.chainHash = `sha256:${'0'.repeat(64)}`;
      },
      /integrity\.chainHash does not match the bundle header and event hashes/,
    ],
    [
      'an edited header',
      (b) => {
        b.exportedAtMs += 1;
      },
      /integrity\.chainHash does not match/,
    ],
    [
      'a wrong format version',
      (b) => {
        b.v = 2;
      },
      /format version 2 is not supported; this WorkRail reads version 1/,
    ],
    [
      'another format',
      (b) => {
        b.format = 'something-else';
      },
      /format is "something-else", expected "workrail\.session-bundle"/,
    ],
    [
      'a malformed event',
      (b) => {
        (b.events[1] as { seq: unknown }).seq = 'one';
      },
      /events\[1\]\.seq: /,
    ],
    ['malformed JSON', () => '{"format": "workrail.session-bundle", ', /not valid JSON/],
  ])('refuses a bundle with %s, with the reason and exit 1, and stores nothing', async (_name, tamper, reason) => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const bundle = (await exportBundle(t.home, sessionId)) as unknown as Bundle;
    const replaced = tamper(bundle);
    const run = await importBundle(t.home, replaced ?? bundle);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^workrail sessions import: Refused the session bundle: /);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr).toContain('Hint: Export the session again');
    expect(t.app.store.read((r) => r.listRecentSessions(10)).map((s) => s.sessionId)).toEqual([sessionId]);
  });

  it('refuses a bundle whose hashes were recomputed over events of two sessions', async () => {
    const t = testApp();
    const { sessionId } = loopSession(t);
    const bundle = (await exportBundle(t.home, sessionId)) as unknown as Bundle & { sessionId: string };
    const other = (await exportBundle(t.home, loopSession(t).sessionId)) as unknown as Bundle;
    bundle.events.push({ ...other.events[other.events.length - 1]!, seq: bundle.events.length });
    bundle.integrity.eventHashes = bundle.events.map(eventHash);
    bundle.integrity.eventCount = bundle.events.length;
    bundle.integrity.chainHash = chainHash(
      {
        format: bundle.format,
        v: bundle.v,
        exportedAtMs: bundle.exportedAtMs,
        sessionId: bundle.sessionId,
        workflowHash: bundle.workflow.workflowHash,
        eventCount: bundle.events.length,
      },
      bundle.integrity.eventHashes,
    );
    const run = await importBundle(t.home, bundle);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/events\[\d+\] \(\w+\) belongs to sess_\w+, not sess_\w+/);
  });

  it('exits 2 for a missing file and for missing arguments', async () => {
    const t = testApp();
    const { home } = t;
    const dir = tempDir();
    const missing = await cli(home, ['sessions', 'import', 'nope.json'], dir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`workrail sessions import: no such file: ${path.join(dir, 'nope.json')}\n`);
    expect((await cli(home, ['sessions', 'import'])).code).toBe(2);
    expect((await cli(home, ['sessions', 'show'])).code).toBe(2);
    const { sessionId } = loopSession(t);
    const unwritable = await cli(home, ['sessions', 'export', sessionId, '-o', '/nonexistent/dir/b.json']);
    expect(unwritable.code).toBe(2);
    expect(unwritable.stderr).toMatch(/^workrail sessions export: cannot write \/nonexistent\/dir\/b\.json \(ENOENT/);
    expect(existsSync('/nonexistent/dir/b.json')).toBe(false);
  });
});
