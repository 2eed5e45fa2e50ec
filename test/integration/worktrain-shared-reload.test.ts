// Removing a trigger from triggers.yml in the shared mode (docs/worktrain-several-machines.md): the instance that
// reloads the file drops the trigger's queued dispatches from the shared queue, whichever instance accepted them, as
// one daemon does with its own queue; the running session goes on.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { type Daemon, record, sharedCluster, until, webhookTrigger } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

describe('triggers.yml reload with several daemon instances', () => {
  it("drops a removed trigger's queued dispatches from the shared queue", async () => {
    llm = await startScriptedLlmServer({ script: () => ({ text: 'thinking', delayMs: 60_000 }) });
    const shared = sharedCluster(cleanups, {
      databaseUrl: await freshDatabaseUrl(),
      llmBaseUrl: llm.anthropicBaseUrl,
      triggers: { fix: webhookTrigger('concurrency: 1'), other: webhookTrigger('concurrency: 1') },
    });
    const editor = await shared.start({ maxSessions: 0, watch: true });
    const runner = await shared.start({ maxSessions: 1, watch: true });
    const accept = async (daemon: Daemon, n: number) => {
      const answer = await daemon.webhook({ n });
      expect(answer.status).toBe(202);
      return answer.json.sessionId as string;
    };
    const running = await accept(editor, 1);
    await until(async () => ((await record(editor, running)).state === 'running' ? true : undefined), '#1');
    // `fix` runs one session at a time: these two wait in the shared queue, accepted by different instances.
    const queued = [await accept(editor, 2), await accept(runner, 3)];
    for (const id of queued) expect((await record(editor, id)).state).toBe('queued');

    writeFileSync(path.join(editor.home, 'triggers.yml'), shared.triggersYml(['other']));
    for (const id of queued) {
      const ended = await until(async () => {
        const s = await record(runner, id);
        return s.state === 'completed' ? s : undefined;
      }, `queued ${id} to be dropped`);
      expect(ended).toMatchObject({ outcome: 'killed', detail: 'trigger_removed' });
    }
    expect((await record(runner, running)).state).toBe('running');
    // Nothing is left in the shared queue for an instance that still has the trigger to claim.
    expect((await runner.api('GET', '/api/v2/status')).json.data).toMatchObject({ running: 1, queued: 0 });
  }, 90_000);
});
