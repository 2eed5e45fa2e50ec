// Serves the built UI (docs/console.md §2 Routes): files under /console/, hashed assets `immutable`, and
// index.html (sent `no-cache`) for every other /console/* path so the client router can take over.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Context } from 'hono';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** The package's built UI: `<package>/dist/console`, from both `src/http` and `dist/http`. */
export function defaultUiDir(): string {
  return path.join(path.dirname(path.dirname(path.dirname(new URL(import.meta.url).pathname))), 'dist', 'console');
}

/** A handler for `/console/*` over `uiDir`. */
export function staticUi(uiDir: string) {
  return async (c: Context): Promise<Response> => {
    const rel = decodeURIComponent(c.req.path.replace(/^\/console\/?/, ''));
    const file = path.join(uiDir, rel);
    if (rel !== '' && file.startsWith(uiDir + path.sep) && !rel.split('/').includes('..')) {
      const body = await readFile(file).catch(() => null);
      if (body !== null) {
        const immutable = rel.startsWith('assets/');
        return c.body(new Uint8Array(body), 200, {
          'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
        });
      }
      if (rel.startsWith('assets/')) return c.text('Not found', 404);
    }
    const index = await readFile(path.join(uiDir, 'index.html'), 'utf8').catch(() => null);
    if (index === null) {
      return c.text('The console UI is not built: run `npm run build` (vite build --config ui/vite.config.ts).', 503);
    }
    return c.html(index, 200, { 'Cache-Control': 'no-cache' });
  };
}
