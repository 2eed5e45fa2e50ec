import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadTriggers, type TriggerConfig } from '../../../src/daemon/config/load-triggers.js';
import { type TriggersWatcher, watchTriggers } from '../../../src/daemon/config/watch-triggers.js';
import { createEventLog } from '../../../src/daemon/events.js';
import { createRedactor } from '../../../src/daemon/redact.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function until(what: string, holds: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!holds()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function trigger(id: string, ws: string, secret = 'whsec-unit-0000'): string {
  return `  - { id: ${id}, provider: generic, workflowId: wr.any, workspacePath: ${ws}, hmacSecret: ${secret} }\n`;
}

async function setup() {
  const dir = mkdtempSync(path.join(tmpdir(), 'watch-triggers-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'triggers.yml');
  const env = { ANTHROPIC_API_KEY: 'sk-unit-test-key', HOOK_SECRET: 'whsec-from-env-4242' };
  let loads = 0;
  const load = (): TriggerConfig => {
    loads += 1;
    return loadTriggers(file, { env });
  };
  const applied: TriggerConfig[] = [];
  const redact = createRedactor();
  const events = createEventLog({ file: null, redact, now: Date.now });
  const watcher: TriggersWatcher = await watchTriggers({
    file,
    load,
    core: { events, replaceConfig: (config) => applied.push(config) },
    redact,
    logger: pino({ level: 'silent' }),
    debounceMs: 150,
  });
  cleanups.push(() => watcher.close());
  return { dir, file, watcher, applied, events, redact, loads: () => loads };
}

describe('the triggers.yml watcher', () => {
  it('reloads once after a burst of writes, including a file created after the start', async () => {
    const t = await setup();
    writeFileSync(t.file, `triggers:\n${trigger('a', t.dir)}`);
    writeFileSync(t.file, `triggers:\n${trigger('a', t.dir)}${trigger('b', t.dir)}`);
    await until('a reload', () => t.applied.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(t.loads()).toBe(1);
    expect(t.applied[0]?.triggers.map((tr) => tr.id)).toEqual(['a', 'b']);
    expect(t.events.since(0).map((e) => [e.kind, e.count])).toEqual([['triggers_loaded', 2]]);
  });

  it('keeps the applied config on a broken file and exposes the findings until a valid file', async () => {
    const t = await setup();
    writeFileSync(t.file, 'triggers:\n  - { id: a, provider: nope }\n');
    await until('a failed reload', () => t.watcher.reloadError !== null);
    expect(t.applied).toEqual([]);
    expect(t.watcher.reloadError?.[0]).toMatchObject({ file: 'triggers.yml', line: 2, rule: 'invalid-value' });
    expect(t.events.since(0).map((e) => e.kind)).toEqual(['triggers_reload_failed']);

    writeFileSync(t.file, `triggers:\n${trigger('a', t.dir, '$HOOK_SECRET')}`);
    await until('a good reload', () => t.applied.length === 1);
    expect(t.watcher.reloadError).toBeNull();
    expect(t.redact('secret whsec-from-env-4242 here')).toBe('secret [REDACTED] here');
  });
});
