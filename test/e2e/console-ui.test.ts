// The console in a real browser (docs/console.md §8): Debian's Chromium driven by playwright-core against the built
// UI served by the real console over a store filled by the use cases. Needs `vite build --config ui/vite.config.ts`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultUiDir } from '../../src/http/static-ui.js';
import { type ConsoleUnderTest, startFixtureConsole } from '../integration/console-api-helpers.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../support/chromium.js';
import { pngStats } from './png-check.js';

const RESULTS = path.resolve('test-results');
const BACKGROUND = [0x0f, 0x13, 0x1f] as const;
// The suite is part of `npm test` (the build makes the UI, `.ci/run` installs Chromium). A machine without
// Chromium may opt out with WORKRAIL_SKIP_BROWSER=1; otherwise a missing browser fails loudly.
const skip = process.env.WORKRAIL_SKIP_BROWSER === '1';

let c: ConsoleUnderTest;
let browser: Browser;

beforeAll(async () => {
  if (skip) return;
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (or WORKRAIL_SKIP_BROWSER=1)`);
  if (!existsSync(path.join(defaultUiDir(), 'index.html')))
    throw new Error('The console UI is not built: npm run build');
  c = await startFixtureConsole();
  // Playwright gives every launch a fresh temporary profile (it refuses --user-data-dir on launch()).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  mkdirSync(RESULTS, { recursive: true });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await c?.stop();
});

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(10_000);
  return page;
}

/** Saves a 1440×900 screenshot and fails when it is blank (docs/console.md §8). */
async function screenshot(page: Page, name: string): Promise<void> {
  const png = await page.screenshot({ path: path.join(RESULTS, `console-${name}.png`) });
  const stats = pngStats(png, BACKGROUND);
  expect(stats.width).toBe(1440);
  expect(stats.differingShare).toBeGreaterThan(0.01);
  expect(stats.distinctColours).toBeGreaterThanOrEqual(16);
}

const rows = (page: Page) => page.locator('[data-testid="session-row"]');
const nodesOfKind = (page: Page, kind: string) => page.locator(`[data-testid="dag-node"][data-kind="${kind}"]`);

describe.skipIf(skip)('console UI in Chromium', () => {
  it('shows the fixture sessions with status labels, and search narrows the list through the URL', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/`);
    await expect.poll(() => rows(page).count()).toBe(4);
    await expect.poll(() => page.getByText('Complete', { exact: false }).count()).toBeGreaterThan(0);
    await screenshot(page, 'sessions');
    await page.getByRole('searchbox', { name: 'Search sessions' }).fill('retry');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page).count()).toBe(1);
    expect(page.url()).toContain('q=retry');
    await page.close();
  });

  it('opens a loop session and draws its steps, loop iterations and skipped steps as ghosts', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/`);
    await page.locator(`[data-session-id="${c.fixture.sessions.looping}"] a`).first().click();
    await expect.poll(() => nodesOfKind(page, 'step').count()).toBe(6);
    expect(await nodesOfKind(page, 'ghost').count()).toBe(4);
    for (const iteration of [1, 2, 3]) {
      await expect
        .poll(() => page.locator('.loop-tag', { hasText: `passes #${iteration}` }).count())
        .toBeGreaterThan(0);
    }
    await screenshot(page, 'session-loop');
    await page.close();
  });

  it('draws a blocked attempt in its own node kind next to the retry and the checkpoint', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/sessions/${c.fixture.sessions.blocked}`);
    await expect.poll(() => nodesOfKind(page, 'step').count()).toBe(2);
    expect(await nodesOfKind(page, 'blocked_attempt').count()).toBe(1);
    expect(await nodesOfKind(page, 'checkpoint').count()).toBe(1);
    expect(await page.locator('.dag-node.preferred-tip').count()).toBe(1);
    await page.close();
  });

  it('shows the rendered markdown notes and the artifact of a clicked node', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/sessions/${c.fixture.sessions.linear}`);
    await expect.poll(() => nodesOfKind(page, 'step').count()).toBe(4);
    await page.locator('[data-testid="dag-node"]', { hasText: 'Plan' }).first().click();
    const notes = page.locator('[data-testid="node-notes"]');
    await expect.poll(() => notes.locator('strong').textContent()).toBe('grammar');
    expect(await notes.locator('h2').textContent()).toBe('Plan');
    expect(await page.locator('[data-testid="node-artifact"]').textContent()).toContain('parser.ts');
    expect(page.url()).toContain('/nodes/node_');
    await screenshot(page, 'session-node-panel');
    await page.close();
  });

  it('selects the node of a trace entry', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/sessions/${c.fixture.sessions.looping}`);
    await page.getByRole('tab', { name: 'Trace' }).click();
    const skipped = page.locator('[data-testid="trace-entry"][data-kind="skipped_step"]');
    await expect.poll(() => skipped.count()).toBe(4);
    await skipped.last().locator('button').click();
    await expect.poll(() => page.locator('[data-testid="node-panel"] h2').textContent()).toBe('Wrap up');
    await page.close();
  });

  it('lists workflows with their source and the invalid file with its errors', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/workflows`);
    await expect.poll(() => page.locator('[data-testid="workflow-card"]').count()).toBe(2);
    expect(await page.locator('[data-testid="workflow-source"]').first().textContent()).toBe(
      'User (~/.workrail/workflows)',
    );
    const invalid = page.locator('[data-testid="invalid-workflow"]');
    expect(await invalid.count()).toBe(1);
    expect(await invalid.textContent()).toContain('broken.json');
    await screenshot(page, 'workflows');
    await page.locator('[data-testid="workflow-card"]', { hasText: 'Loop demo' }).click();
    await expect.poll(() => page.locator('[data-testid="outline-step"]').count()).toBe(6);
    await page.close();
  });

  it('works from the keyboard: search, open a session, move through the graph, open and close the panel', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/`);
    await expect.poll(() => rows(page).count()).toBe(4);
    await page.keyboard.press('/');
    await page.keyboard.type('parser');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page).count()).toBe(1);
    await page.keyboard.press('Escape');
    await page.keyboard.press('Enter');
    await expect.poll(() => nodesOfKind(page, 'step').count()).toBe(4);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('[data-testid="node-panel"]').count()).toBe(1);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('[data-testid="node-panel"]').count()).toBe(0);
    await page.close();
  });

  it('lists the keyboard shortcuts on ? and switches tabs with g w and g s', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/`);
    await expect.poll(() => rows(page).count()).toBe(4);
    await page.keyboard.press('?');
    const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await expect.poll(() => dialog.count()).toBe(1);
    expect(await dialog.textContent()).toContain('Focus the search box');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.count()).toBe(0);
    await page.keyboard.press('g');
    await page.keyboard.press('w');
    await expect.poll(() => page.locator('[data-testid="workflow-card"]').count()).toBe(2);
    expect(new URL(page.url()).pathname).toBe('/console/workflows');
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await expect.poll(() => rows(page).count()).toBe(4);
    await page.close();
  });

  it('runs no animation on the session view with reduced motion, and pulses the live node otherwise', async () => {
    const page = await newPage();
    const url = `${c.origin}/console/sessions/${c.fixture.sessions.blocked}`;
    await page.goto(url);
    await expect.poll(() => page.locator('.dag-node.live').count()).toBe(1);
    expect(await page.evaluate('document.getAnimations().length')).toBeGreaterThan(0);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.goto(url);
    await expect.poll(() => page.locator('.dag-node.live').count()).toBe(1);
    expect(await page.evaluate('document.getAnimations().length')).toBe(0);
    await page.close();
  });

  it('shows a session started by another process without a reload', async () => {
    const page = await newPage();
    await page.goto(`${c.origin}/console/`);
    await expect.poll(() => rows(page).count()).toBe(4);
    const marker = `${Date.now()}`;
    await page.evaluate(`window.marker = '${marker}'`);
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve('test/e2e/start-session-child.ts'),
        c.fixture.home,
        c.workspace,
        'live from elsewhere',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(exitCode).toBe(0);
    await expect.poll(() => rows(page).filter({ hasText: 'live from elsewhere' }).count(), { timeout: 5_000 }).toBe(1);
    expect(await rows(page).count()).toBe(5);
    await expect
      .poll(() => page.locator('[data-testid="live-announcer"]').textContent())
      .toContain('New session: live from elsewhere.');
    expect(await page.locator('[data-testid="live-announcer"]').getAttribute('aria-live')).toBe('polite');
    expect(await page.evaluate('window.marker')).toBe(marker);
    await page.close();
  });
});
