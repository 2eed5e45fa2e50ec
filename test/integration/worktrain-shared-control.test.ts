// Kill, steer and the kill switch in the shared mode (docs/worktrain-several-machines.md): sent to an instance that
// does not run the session, through the HTTP API or the `worktrain` CLI, they reach the instance that runs it.
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabaseUrl } from '../support/postgres.js';
import { type ScriptedLlmServer, startScriptedLlmServer } from '../support/scripted-llm-server.js';
import { completeStep, homeEnv, runWorktrain } from '../support/worktrain-harness.js';
import { type Daemon, record, sharedCluster, until, webhookTrigger } from '../support/worktrain-processes.js';

const cleanups: (() => unknown)[] = [];
let llm: ScriptedLlmServer | undefined;

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await llm?.close();
  llm = undefined;
});

const MARKER = 'steer-marker-7f3a';

/** `worktrain <args>` in process against `daemon` (found through its WORKRAIL_HOME). */
const cli = (daemon: Daemon, args: string[]) => runWorktrain(args, { env: homeEnv(daemon.home), cwd: daemon.home });

describe('session control across daemon instances', () => {
  it('steers and kills a session running on another instance; the kill switch kills on every instance', async () => {
    // The agent keeps working (a different command each turn) until it reads the steer text, then completes.
    let turn = 0;
    llm = await startScriptedLlmServer({
      script: (request) => {
        if (request.allText.includes(MARKER)) return completeStep();
        turn += 1;
        return { text: 'working', toolCalls: [{ name: 'Bash', input: { command: `echo ${turn}` } }], delayMs: 200 };
      },
    });
    const shared = sharedCluster(cleanups, {
      databaseUrl: await freshDatabaseUrl(),
      llmBaseUrl: llm.anthropicBaseUrl,
      triggers: { fix: webhookTrigger('concurrency: 5') },
    });
    const env = { WORKTRAIN_LEASE_MS: '3000' };
    // `front` runs nothing itself: every session runs on `back`, and every request goes to `front`.
    const front = await shared.start({ maxSessions: 0, env });
    const back = await shared.start({ maxSessions: 5, env });
    const submit = async (n: number) => {
      const answer = await front.webhook({ n });
      expect(answer.status).toBe(202);
      const id = answer.json.sessionId as string;
      await until(async () => ((await record(front, id)).state === 'running' ? true : undefined), `#${n} to run`);
      return id;
    };
    const [steered, killed, switched] = [await submit(1), await submit(2), await submit(3)];

    // Steer through the CLI: the text reaches the agent's next turn on the other instance, which then completes.
    const steer = await cli(front, ['tell', '--session', steered, `Please finish now (${MARKER})`]);
    expect(steer).toMatchObject({ code: 0 });
    const done = await until(async () => {
      const s = await record(front, steered);
      return s.state === 'completed' ? s : undefined;
    }, 'the steered session to complete');
    expect(done.outcome).toBe('success');
    expect(back.logs()).toContain('command from another instance');

    // Kill through the CLI: the run on the other instance stops with outcome killed.
    const kill = await cli(front, ['sessions', 'kill', killed]);
    expect(kill).toMatchObject({ code: 0 });
    expect(kill.stdout).toContain(`Killed ${killed} (was running)`);
    expect(
      await until(async () => {
        const s = await record(front, killed);
        return s.state === 'completed' ? s : undefined;
      }, 'the killed session to end'),
    ).toMatchObject({ outcome: 'killed' });
    // A session that ended runs nowhere: neither steer nor kill has anyone to reach.
    expect((await front.api('POST', `/api/v2/sessions/${killed}/steer`, { text: 'hello' })).status).toBe(409);

    // The kill switch engaged on `front` kills the session running on `back`.
    const engaged = await front.api('POST', '/api/v2/kill-switch', {});
    expect(engaged.status).toBe(200);
    expect(engaged.json.data).toMatchObject({ killed: [switched], dropped: [] });
    expect(
      await until(async () => {
        const s = await record(back, switched);
        return s.state === 'completed' ? s : undefined;
      }, 'the switched-off session to end'),
    ).toMatchObject({ outcome: 'killed' });
  }, 120_000);
});
