import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole } from '../../src/http/console-server.js';
import { envelopeOf, HealthSchema, WorkflowCatalogSchema, WorkflowDetailSchema } from '../../src/http/schemas.js';
import { fixtureApp } from './console-api-fixture.js';
import { type ConsoleUnderTest, getJson, startFixtureConsole } from './console-api-helpers.js';

let c: ConsoleUnderTest;
let uiDir: string;

beforeAll(async () => {
  uiDir = mkdtempSync(path.join(tmpdir(), 'workrail-ui-'));
  const { writeFileSync, mkdirSync } = await import('node:fs');
  writeFileSync(path.join(uiDir, 'index.html'), '<!doctype html><title>console</title><div id="root"></div>');
  mkdirSync(path.join(uiDir, 'assets'));
  writeFileSync(path.join(uiDir, 'assets', 'app-1234.js'), 'console.log(1)');
  c = await startFixtureConsole({ uiDir });
});
afterAll(async () => {
  await c?.stop();
  rmSync(uiDir, { recursive: true, force: true });
});

/** A raw request, so the Host header can be set freely. */
function rawGet(port: number, pathname: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('console server', () => {
  it('answers /api/v2/health with its version and an unreachable daemon', async () => {
    const { status, body } = await getJson(c.origin, '/health');
    expect(status).toBe(200);
    expect(envelopeOf(HealthSchema).parse(body).data).toEqual({
      status: 'ok',
      version: '0.0.0-test',
      daemon: { reachable: false, version: null, port: null },
    });
  });

  it('redirects / and the 3.x ?session= link form into the UI', async () => {
    const root = await fetch(`${c.origin}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const legacy = await fetch(`${c.origin}/console/?session=sess_abc`, { redirect: 'manual' });
    expect(legacy.headers.get('location')).toBe('/console/sessions/sess_abc');
  });

  it('serves index.html no-cache for any /console/* path and hashed assets immutable', async () => {
    const deep = await fetch(`${c.origin}/console/sessions/sess_x/nodes/node_y`);
    expect(deep.status).toBe(200);
    expect(deep.headers.get('cache-control')).toBe('no-cache');
    expect(await deep.text()).toContain('<div id="root">');
    const asset = await fetch(`${c.origin}/console/assets/app-1234.js`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${c.origin}/console/assets/missing.js`)).status).toBe(404);
  });

  it('sends a CSP without inline scripts, nosniff and no CORS headers', async () => {
    const response = await fetch(`${c.origin}/api/v2/sessions`, { headers: { Origin: 'https://evil.example' } });
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('script-src');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a foreign Host header (DNS rebinding) and accepts loopback names at the bound port', async () => {
    const port = c.console.port;
    const foreign = await rawGet(port, '/api/v2/health', { Host: `evil.example:${port}` });
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body)).toMatchObject({ code: 'HOST_NOT_ALLOWED' });
    expect((await rawGet(port, '/api/v2/health', { Host: `localhost:${port}` })).status).toBe(200);
    expect((await rawGet(port, '/api/v2/health', { Host: `localhost:${port + 1}` })).status).toBe(403);
  });

  it('answers a cross-origin POST with 403 CROSS_ORIGIN', async () => {
    const response = await fetch(`${c.origin}/api/v2/dispatch`, {
      method: 'POST',
      headers: { Origin: 'https://evil.example', 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ success: false, code: 'CROSS_ORIGIN' });
  });

  it('answers a same-origin daemon action with 502 DAEMON_UNREACHABLE while no daemon runs', async () => {
    const response = await fetch(`${c.origin}/api/v2/sessions/sess_x/kill`, {
      method: 'POST',
      headers: { Origin: c.origin, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ code: 'DAEMON_UNREACHABLE' });
    expect((await getJson(c.origin, '/daemon/status')).status).toBe(502);
  });

  it('answers 404 NOT_FOUND for an unknown API route', async () => {
    const { status, body } = await getJson(c.origin, '/nothing-here');
    expect(status).toBe(404);
    expect(body).toMatchObject({ success: false, code: 'NOT_FOUND' });
  });

  it('writes console.lock and makes a second console report the running one instead of starting', async () => {
    const lock = JSON.parse(readFileSync(path.join(c.fixture.home, 'console.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: '127.0.0.1', port: c.console.port });
    const second = await startConsole({ deps: c.app, host: '127.0.0.1', port: 0, version: 'x' });
    expect(second).toEqual({ kind: 'already_running', url: `http://127.0.0.1:${c.console.port}/console/` });
  });

  it('refuses a non-loopback bind without WORKRAIL_CONSOLE_TOKEN', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-console-token-'));
    const app = fixtureApp(home);
    try {
      const outcome = await startConsole({ deps: app, host: '0.0.0.0', port: 0, version: 'x' });
      expect(outcome).toEqual({ kind: 'token_required' });
      expect(existsSync(path.join(home, 'console.lock'))).toBe(false);
    } finally {
      app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });

  it('requires the bearer token on every API request when one is configured', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'workrail-console-token-'));
    const app = fixtureApp(home);
    const outcome = await startConsole({ deps: app, host: '127.0.0.1', port: 0, version: 'x', token: 's3cret' });
    if (outcome.kind !== 'started') throw new Error(outcome.kind);
    try {
      const origin = `http://127.0.0.1:${outcome.console.port}`;
      expect((await getJson(origin, '/sessions')).status).toBe(401);
      expect((await getJson(origin, '/sessions', { Authorization: 'Bearer s3cret' })).status).toBe(200);
    } finally {
      await outcome.console.close();
      app.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('GET /api/v2/workflows', () => {
  it('lists workflows with source attribution and the invalid file with its errors', async () => {
    const { status, body } = await getJson(c.origin, '/workflows');
    expect(status).toBe(200);
    const data = envelopeOf(WorkflowCatalogSchema).parse(body).data;
    expect(data.workflows.map((w) => w.id)).toEqual(['acme.linear', 'acme.looping']);
    expect(data.workflows[0]).toMatchObject({
      name: 'Linear demo',
      version: '1.2.0',
      stepCount: 3,
      source: { kind: 'user', label: 'User (~/.workrail/workflows)', location: path.join(c.fixture.home, 'workflows') },
    });
    expect(data.invalid).toHaveLength(1);
    expect(data.invalid[0]).toMatchObject({ workflowId: 'acme.broken', source: 'user' });
    expect(data.invalid[0]!.file).toMatch(/broken\.json$/);
    expect(data.invalid[0]!.errors.map((e) => e.pointer)).toContain('/steps');
  });

  it('returns one workflow with its about text and compiled outline, loops and conditions included', async () => {
    const { body } = await getJson(c.origin, '/workflows/acme.looping');
    const data = envelopeOf(WorkflowDetailSchema).parse(body).data;
    expect(data.outline.map((s) => s.stepId)).toEqual(['setup', 'passes', 'polish', 'wrap']);
    expect(data.outline[1]).toMatchObject({ kind: 'loop', loop: { type: 'for', maxIterations: 5, detail: '3 times' } });
    expect(data.outline[1]!.body.map((s) => s.runCondition)).toEqual([null, 'writeDocs equals true']);
    const linear = (await getJson(c.origin, '/workflows/acme.linear')).body.data;
    expect(linear.about).toContain('**three step**');
  });

  it('answers 404 for an unknown workflow and 400 for a relative workspace', async () => {
    expect((await getJson(c.origin, '/workflows/acme.nope')).status).toBe(404);
    const relative = await getJson(c.origin, '/workflows?workspace=relative/dir');
    expect(relative.status).toBe(400);
    expect(relative.body).toMatchObject({ code: 'VALIDATION_ERROR', field: 'workspace' });
  });
});

describe('GET /api/v2/events', () => {
  it('says hello, then sends sessions-changed naming a session another process started', async () => {
    const controller = new AbortController();
    const response = await fetch(`${c.origin}/api/v2/events`, { signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const chunk = await reader.read();
        if (chunk.done) throw new Error(`stream ended before ${needle}`);
        text += decoder.decode(chunk.value, { stream: true });
      }
    };
    await readUntil('event: hello');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('test/e2e/start-session-child.ts'), c.fixture.home, c.workspace, 'sse goal'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let childOut = '';
    child.stdout.on('data', (chunk) => {
      childOut += chunk;
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const sessionId = childOut.trim();
    expect(sessionId).toMatch(/^sess_/);
    await readUntil(sessionId);
    controller.abort();
    const frame = text.split('\n\n').find((block) => block.includes(sessionId))!;
    expect(frame).toContain('event: sessions-changed');
    expect(frame).toMatch(/^id: \d+$/m);
    const listed = (await getJson(c.origin, `/sessions?q=${encodeURIComponent('sse goal')}`)).body.data;
    expect(listed.sessions.map((s: { sessionId: string }) => s.sessionId)).toEqual([sessionId]);
  });
});
