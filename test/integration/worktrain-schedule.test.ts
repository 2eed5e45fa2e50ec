import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDaemonDb } from '../../src/daemon/state/daemon-db.js';
import { createScheduleState } from '../../src/daemon/state/schedule-state.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { until } from '../support/until.js';
import { gitWorkspace, runWorktrain, startTestDaemon, tempDir, WORKFLOW_ID } from '../support/worktrain-harness.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

function scheduleYml(ws: string, source: string, llmBase = 'http://127.0.0.1:9'): string {
  return `triggers:
  - id: nightly
    provider: schedule
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    goalTemplate: "Code health scan of {{scheduledAt}}"
    goal: Code health scan
    source: ${source}
    agentConfig: { provider: anthropic, baseUrl: ${llmBase}, apiKey: $LLM_KEY }
`;
}

const worktrain = (argv: string[], env: Record<string, string>) =>
  runWorktrain(argv, { env, cwd: env.HOME ?? process.cwd() });

interface Event {
  kind: string;
  reason?: string;
  source?: string;
  triggerId?: string;
}

function events(file: string): Event[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event);
}

describe('schedule triggers', () => {
  it('skips a tick with schedule_skipped overlap while a run of the trigger is active', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 20_000 }) });
    const ws = gitWorkspace(cleanups);
    const { daemon, home, eventsFile } = await startTestDaemon(cleanups, {
      triggers: scheduleYml(ws, '{ cron: "@monthly", timezone: UTC }', llm.anthropicBaseUrl),
      dotEnv: `LLM_KEY=${API_KEY}\n`,
    });

    // `worktrain run schedule` starts a run now, through POST /api/v2/dispatch.
    const run = await worktrain(['run', 'schedule', 'nightly', '--port', String(daemon.port)], {
      HOME: home,
      WORKRAIL_HOME: home,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const sessionId = run.stdout.trim();
    await until(() => (llm?.requests.length === 1 ? true : undefined), 'the run to reach the LLM');
    const found = daemon.core.sessions.find(sessionId);
    expect(found.kind === 'found' && found.session.state).toBe('running');
    // A run now fills the goalTemplate with this moment, as a tick would, instead of falling back to `goal`.
    expect(found.kind === 'found' && found.session.goal).toMatch(/^Code health scan of \d{4}-\d\d-\d\dT/);

    expect(daemon.schedules.fireNow('nightly')).toMatchObject({ status: 'skipped', reason: 'overlap' });
    expect(events(eventsFile).filter((e) => e.kind === 'schedule_skipped')).toEqual([
      expect.objectContaining({ triggerId: 'nightly', reason: 'overlap' }),
    ]);
    expect(daemon.core.sessions.list().filter((s) => s.triggerId === 'nightly')).toHaveLength(1);
    expect(daemon.schedules.nextFireAt('nightly')).toMatch(/^\d{4}-\d\d-01T00:00:00\.000Z$/);
    const listed = (await (await fetch(`${daemon.url}/api/v2/triggers`)).json()) as {
      data: { triggers: { id: string; nextFireAt: string | null }[] };
    };
    expect(listed.data.triggers).toEqual([
      expect.objectContaining({ id: 'nightly', nextFireAt: daemon.schedules.nextFireAt('nightly') }),
    ]);
  });

  it('with catchUp, runs exactly once at start after times were missed', async () => {
    const ws = gitWorkspace(cleanups);
    const home = tempDir(cleanups, 'worktrain-schedule-home-');
    writeFileSync(
      path.join(home, 'triggers.yml'),
      scheduleYml(ws, '{ cron: "0 * * * *", timezone: UTC, catchUp: true }'),
    );
    writeFileSync(path.join(home, '.env'), `LLM_KEY=${API_KEY}\n`, { mode: 0o600 });
    // The daemon last handled a time three hours ago: at least two hourly times were missed since.
    const db = openDaemonDb(path.join(home, 'data'));
    createScheduleState(db).record('nightly', new Date(Date.now() - 3 * 3_600_000).toISOString());
    db.close();

    const { daemon } = await startTestDaemon(cleanups, {
      triggers: 'triggers: []\n',
      env: { HOME: home, WORKRAIL_HOME: home },
    });
    const eventsFile = path.join(home, 'data', 'daemon-events.jsonl');
    const fired = events(eventsFile).filter((e) => e.kind === 'trigger_fired' && e.triggerId === 'nightly');
    expect(fired.map((e) => e.source)).toEqual(['schedule']);
    const sessions = daemon.core.sessions.list().filter((s) => s.triggerId === 'nightly');
    expect(sessions).toHaveLength(1);
    const lastHour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    expect(sessions[0]?.goal).toBe(`Code health scan of ${lastHour}`);
  });

  it('trigger test lists the next 5 times in the trigger zone and in UTC', async () => {
    const ws = gitWorkspace(cleanups);
    const home = tempDir(cleanups, 'worktrain-schedule-cli-');
    writeFileSync(path.join(home, 'triggers.yml'), scheduleYml(ws, '{ cron: "0 9 * * MON", timezone: Europe/Paris }'));
    writeFileSync(path.join(home, '.env'), `LLM_KEY=${API_KEY}\n`, { mode: 0o600 });
    const env = { HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_USER: 'false' };

    const text = await worktrain(['trigger', 'test', 'nightly'], env);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toBe('Trigger nightly: schedule "0 9 * * MON" in Europe/Paris; dry run, nothing dispatched.');
    expect(lines[1]).toBe('Next 5 times:');
    expect(lines.slice(2)).toHaveLength(5);
    for (const line of lines.slice(2)) {
      expect(line).toMatch(/^ {2}\d{4}-\d\d-\d\d 09:00 GMT\+[12] {2}\(\d{4}-\d\d-\d\dT0[78]:00:00\.000Z\)$/);
    }

    const json = await worktrain(['trigger', 'test', 'nightly', '--json'], env);
    const result = JSON.parse(json.stdout) as { timezone: string; next: { utc: string; local: string }[] };
    expect(result.timezone).toBe('Europe/Paris');
    expect(result.next.map((t) => new Date(t.utc).getUTCDay())).toEqual([1, 1, 1, 1, 1]);
    const gaps = result.next.slice(1).map((t, i) => Date.parse(t.utc) - Date.parse(result.next[i]?.utc ?? ''));
    expect(gaps.every((ms) => Math.abs(ms - 7 * 86_400_000) <= 3_600_000)).toBe(true);

    writeFileSync(path.join(home, 'triggers.yml'), scheduleYml(ws, '{ cron: "0 25 * * *", timezone: Mars/Olympus }'));
    const invalid = await worktrain(['trigger', 'validate'], env);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/triggers\.yml:\d+:\d+ error \[invalid-cron\] .*source\.cron/);
  });
});
