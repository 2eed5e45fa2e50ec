// GET /api/v2/events?sessionId= (docs/console.md §5): the per-session stream of a session detail view.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsoleUnderTest, getJson, startFixtureConsole } from './console-api-helpers.js';

let c: ConsoleUnderTest;
beforeAll(async () => {
  c = await startFixtureConsole();
});
afterAll(async () => {
  await c?.stop();
});

/** An open event stream; `until` reads until the text contains `needle`. */
async function openStream(query: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(`${c.origin}/api/v2/events${query}`, { signal: controller.signal, headers });
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const stream = {
    text: '',
    async until(needle: string) {
      while (!stream.text.includes(needle)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`stream ended before ${needle}`);
        stream.text += decoder.decode(chunk.value, { stream: true });
      }
    },
    close: () => controller.abort(),
  };
  return stream;
}

/** Starts a session from another process; resolves with its id. */
async function startSessionElsewhere(goal: string): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.resolve('test/e2e/start-session-child.ts'), c.fixture.home, c.workspace, goal],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on('exit', resolve));
  return out.trim();
}

describe('GET /api/v2/events?sessionId=', () => {
  it('answers 404 NOT_FOUND for an unknown session and 400 for an empty id', async () => {
    const unknown = await getJson(c.origin, '/events?sessionId=sess_nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ success: false, code: 'NOT_FOUND' });
    const empty = await getJson(c.origin, '/events?sessionId=');
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({ success: false, code: 'VALIDATION_ERROR', field: 'sessionId' });
  });

  it('sends only the frames that name its session, replayed frames included', async () => {
    const all = await openStream('');
    await all.until('event: hello');
    const first = await startSessionElsewhere('events first');
    await all.until(first);
    const second = await startSessionElsewhere('events second');
    await all.until(second);
    all.close();

    const one = await openStream(`?sessionId=${second}`, { 'Last-Event-ID': '0' });
    await one.until(second);
    one.close();
    expect(one.text).toContain('event: hello');
    expect(one.text).toContain('event: sessions-changed');
    expect(one.text).not.toContain(first);
  });
});
