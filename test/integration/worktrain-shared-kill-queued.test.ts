// Killing a queued session through an instance that did not accept it (docs/worktrain-several-machines.md): the
// stored record is ended from the copy in PostgreSQL, so what the accepting instance stored (goal, trigger,
// workspace, context, the sidecar to resume from) survives; the killing instance has no copy of its own to write.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { record, sharedCluster, until, webhookTrigger } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

describe('kill of a queued session across daemon instances', () => {
  it('ends the stored record and keeps the sidecar the accepting instance stored', async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 60_000 }) });
    const { databaseUrl, workspace, start } = sharedCluster(cleanups, {
      databaseUrl: await freshDatabaseUrl(),
      llmBaseUrl: llm.anthropicBaseUrl,
      triggers: { fix: webhookTrigger('contextMapping: { ticket: "$.n" }', 'concurrency: 1') },
    });
    const accepting = await start({ maxSessions: 1 });
    const killing = await start({ maxSessions: 0 });
    const accept = async (n: number) => {
      const answer = await accepting.webhook({ n });
      expect(answer.status).toBe(202);
      return answer.json.sessionId as string;
    };
    const running = await accept(1);
    await until(async () => ((await record(accepting, running)).state === 'running' ? true : undefined), '#1');
    // `fix` runs one session at a time: #2 and #3 wait in the shared queue, accepted by `accepting`.
    const [queued, switched] = [await accept(2), await accept(3)];
    expect((await record(killing, queued)).state).toBe('queued');

    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    cleanups.push(() => client.end());
    /** What PostgreSQL holds for `id` after its end: the record and the sidecar `accepting` stored, ended `killed`. */
    const expectKept = async (id: string, n: number, detail: string) => {
      const kept = { sessionId: id, triggerId: 'fix', goal: `Fix #${n}`, workspacePath: workspace };
      for (const daemon of [accepting, killing]) {
        expect(await record(daemon, id)).toMatchObject({ ...kept, state: 'completed', outcome: 'killed', detail });
      }
      const rows = await client.query<{ state: string; record: unknown; sidecar: unknown }>(
        'SELECT state, record, sidecar FROM worktrain_sessions WHERE session_id = $1',
        [id],
      );
      expect(rows.rows[0]).toMatchObject({
        state: 'completed',
        record: { ...kept, outcome: 'killed', detail },
        sidecar: { mode: { kind: 'start' }, dispatch: { ...kept, context: { ticket: n } } },
      });
    };

    const killed = await killing.api('POST', `/api/v2/sessions/${queued}/kill`, { reason: 'not needed' });
    expect(killed.status).toBe(200);
    expect(killed.json.data).toMatchObject({ sessionId: queued, previousState: 'queued' });
    await expectKept(queued, 2, 'not needed');
    // The running session goes on; #3 still waits.
    expect((await record(accepting, running)).state).toBe('running');
    expect((await accepting.api('GET', '/api/v2/status')).json.data).toMatchObject({ running: 1, queued: 1 });

    // The kill switch engaged on `killing` drops #3 the same way (and kills #1 where it runs).
    const engaged = await killing.api('POST', '/api/v2/kill-switch', { triggerId: 'fix' });
    expect(engaged.json.data).toMatchObject({ killed: [running], dropped: [switched] });
    await expectKept(switched, 3, 'kill_switch');
    expect((await accepting.api('GET', '/api/v2/status')).json.data).toMatchObject({ queued: 0 });
  }, 90_000);
});
