// Removing a trigger from triggers.yml in the shared mode (docs/worktrain-several-machines.md): the instance that
// reloads the file drops the trigger's queued dispatches from the shared queue, whichever instance accepted them, as
// one daemon does with its own queue; the running session goes on.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../support/postgres.js';
import { API_KEY, type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { gitWorkspace, tempDir, WORKFLOW_ID } from '../support/worktrain-harness.js';
import { type Daemon, spawnDaemon, until } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

interface SessionRecord {
  sessionId: string;
  state: string;
  outcome: string | null;
  detail: string | null;
}

const record = async (daemon: Daemon, id: string) =>
  (await daemon.api('GET', `/api/v2/sessions/${id}`)).json.data as SessionRecord;

describe('triggers.yml reload with several daemon instances', () => {
  it("drops a removed trigger's queued dispatches from the shared queue", async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 60_000 }) });
    const databaseUrl = await freshDatabaseUrl();
    const ws = gitWorkspace(cleanups);
    const dataDir = tempDir(cleanups, 'worktrain-shared-data-');
    const trigger = (id: string) => `  - id: ${id}
    provider: generic
    workflowId: ${WORKFLOW_ID}
    workspacePath: ${ws}
    goalTemplate: "Fix #{{$.n}}"
    concurrency: 1
    agentConfig: { provider: anthropic, baseUrl: ${llm?.anthropicBaseUrl}, apiKey: $LLM_KEY }
`;
    const start = async (maxSessions: number) => {
      const home = tempDir(cleanups, 'worktrain-shared-home-');
      writeFileSync(path.join(home, 'triggers.yml'), `triggers:\n${trigger('fix')}${trigger('other')}`);
      writeFileSync(path.join(home, '.env'), `LLM_KEY=${API_KEY}\n`, { mode: 0o600 });
      const daemon = await spawnDaemon(
        cleanups,
        home,
        {
          WORKRAIL_DATA_DIR: dataDir,
          WORKRAIL_DATABASE_URL: databaseUrl,
          WORKTRAIN_MAX_CONCURRENT_SESSIONS: String(maxSessions),
        },
        { watch: true },
      );
      return { daemon, home };
    };
    const editor = await start(0);
    const runner = await start(1);
    const accept = async (daemon: Daemon, n: number) => {
      const answer = await daemon.webhook({ n });
      expect(answer.status).toBe(202);
      return answer.json.sessionId as string;
    };
    const running = await accept(editor.daemon, 1);
    await until(async () => ((await record(editor.daemon, running)).state === 'running' ? true : undefined), '#1');
    // `fix` runs one session at a time: these two wait in the shared queue, accepted by different instances.
    const queued = [await accept(editor.daemon, 2), await accept(runner.daemon, 3)];
    for (const id of queued) expect((await record(editor.daemon, id)).state).toBe('queued');

    writeFileSync(path.join(editor.home, 'triggers.yml'), `triggers:\n${trigger('other')}`);
    for (const id of queued) {
      const ended = await until(async () => {
        const s = await record(runner.daemon, id);
        return s.state === 'completed' ? s : undefined;
      }, `queued ${id} to be dropped`);
      expect(ended).toMatchObject({ outcome: 'killed', detail: 'trigger_removed' });
    }
    expect((await record(runner.daemon, running)).state).toBe('running');
    // Nothing is left in the shared queue for an instance that still has the trigger to claim.
    expect((await runner.daemon.api('GET', '/api/v2/status')).json.data).toMatchObject({ running: 1, queued: 0 });
  }, 90_000);
});
