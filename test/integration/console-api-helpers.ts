// Starts the real console (`--port 0`) over a fixture store for the API and browser tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { App } from '../../src/app/create-app.js';
import { type RunningConsole, startConsole } from '../../src/http/console-server.js';
import { type ConsoleFixture, fillConsoleStore, fixtureApp } from './console-api-fixture.js';

export interface ConsoleUnderTest {
  readonly fixture: ConsoleFixture;
  readonly workspace: string;
  readonly console: RunningConsole;
  readonly app: App;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  stop(): Promise<void>;
}

export async function startFixtureConsole(options: { uiDir?: string } = {}): Promise<ConsoleUnderTest> {
  const home = mkdtempSync(path.join(tmpdir(), 'workrail-console-'));
  const workspace = mkdtempSync(path.join(tmpdir(), 'workrail-console-ws-'));
  const fixture = fillConsoleStore(home, workspace);
  const app = fixtureApp(home);
  const outcome = await startConsole({
    deps: app,
    host: '127.0.0.1',
    port: 0,
    version: '0.0.0-test',
    ...(options.uiDir === undefined ? {} : { uiDir: options.uiDir }),
  });
  if (outcome.kind !== 'started') throw new Error(`console did not start: ${outcome.kind}`);
  const running = outcome.console;
  return {
    fixture,
    workspace,
    console: running,
    app,
    origin: `http://127.0.0.1:${running.port}`,
    async stop() {
      await running.close();
      app.close();
      rmSync(home, { recursive: true, force: true });
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/** GET `pathname` under /api/v2 and return status and parsed JSON body. */
export async function getJson(origin: string, pathname: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${origin}/api/v2${pathname}`, { headers });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}
