// First meaningful paint of the console UI (docs/console.md §7): the built binary serves the console over the bench
// store (`workrail console --port 0`, a separate process) and Debian's Chromium loads it headless, each load in a
// fresh browser context, so nothing is cached. The figures are measured inside the page from navigation start.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/support/chromium.js';
import type { BenchCase } from './harness.js';

const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'workrail.mjs');

// Runs before the page's own scripts: records when the first element matching the selector is in the layout, after
// the frame that paints it (rAF, then a task). Also keeps the Paint Timing API's first-contentful-paint.
const MARK_SCRIPT = (selector: string) => `
  new MutationObserver((_, observer) => {
    const element = document.querySelector(${JSON.stringify(selector)});
    if (element === null || element.getBoundingClientRect().height === 0) return;
    observer.disconnect();
    requestAnimationFrame(() => setTimeout(() => { window.__benchPainted = performance.now(); }, 0));
  }).observe(document, { childList: true, subtree: true });
`;

interface PaintSample {
  readonly meaningfulMs: number;
  readonly contentfulMs: number;
}

export interface PaintBench {
  readonly cases: readonly BenchCase[];
  /** Closes the browser and stops the console. */
  close(): Promise<void>;
}

/** Paint cases over the store in `home`: the sessions list, and the detail page of `sessionId`. */
export function consolePaintCases(options: {
  readonly home: string;
  readonly sessionCount: number;
  readonly sessionId: string;
  readonly nodeCount: number;
  readonly iterations?: number;
}): PaintBench {
  let started: Promise<{ origin: string; browser: Browser; server: ChildProcess }> | undefined;
  const start = () => {
    started ??= (async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
      const { origin, server } = await startConsoleProcess(options.home);
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
      return { origin, browser, server };
    })();
    return started;
  };

  const load = async (pathname: string, selector: string): Promise<PaintSample> => {
    const { origin, browser } = await start();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    try {
      await context.addInitScript(MARK_SCRIPT(selector));
      const page = await context.newPage();
      await page.goto(`${origin}${pathname}`, { waitUntil: 'commit' });
      // Functions, not strings: the console's CSP forbids eval, which Playwright uses for string predicates.
      const painted = await page.waitForFunction(() => (globalThis as { __benchPainted?: number }).__benchPainted, {
        timeout: 30_000,
      });
      const meaningfulMs = (await painted.jsonValue()) as number;
      const contentfulMs = await page.evaluate(
        () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
      );
      return { meaningfulMs, contentfulMs };
    } finally {
      await context.close();
    }
  };

  const iterations = options.iterations ?? 10;
  const contentful: number[] = [];
  return {
    cases: [
      {
        name: `UI first meaningful paint: sessions list of ${options.sessionCount} sessions, navigation to first row (cold cache)`,
        target: '< 1000 ms',
        targetMs: 1000,
        iterations,
        // The console's first list request loads the whole index once; later consoles' pages share it.
        warmup: 1,
        selfTimed: true,
        run: async () => {
          const sample = await load('/console/', '[data-testid="session-row"]');
          contentful.push(sample.contentfulMs);
          return sample.meaningfulMs;
        },
      },
      {
        name: 'UI first contentful paint of the same loads (Paint Timing API)',
        iterations,
        selfTimed: true,
        run: () => contentful.shift() ?? Number.NaN,
      },
      {
        name: `UI session detail, ${options.nodeCount}-node session: navigation to first graph node (cold cache)`,
        iterations: Math.max(3, Math.floor(iterations / 2)),
        warmup: 1,
        selfTimed: true,
        run: async () =>
          (await load(`/console/sessions/${encodeURIComponent(options.sessionId)}`, '[data-testid="dag-node"]'))
            .meaningfulMs,
      },
    ],
    async close() {
      if (started === undefined) return;
      const { browser, server } = await started;
      await browser.close();
      await stopProcess(server);
    },
  };
}

/** `workrail console --port 0` over `home`; resolves with its origin once it prints its URL. */
function startConsoleProcess(home: string): Promise<{ origin: string; server: ChildProcess }> {
  if (!existsSync(path.resolve(import.meta.dirname, '..', 'dist', 'console', 'index.html')))
    throw new Error('The console UI is not built: npm run build');
  const server = spawn(process.execPath, [BIN, 'console', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: home, WORKRAIL_HOME: home, WORKFLOW_INCLUDE_BUNDLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    server.stderr!.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    server.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /WorkRail console: (http:\/\/[^/\s]+)\//.exec(out);
      if (match !== null) resolve({ origin: match[1]!, server });
    });
    server.once('exit', (code) => reject(new Error(`workrail console exited with ${code}: ${err}`)));
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
