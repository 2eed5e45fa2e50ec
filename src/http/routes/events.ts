// GET /api/v2/events (docs/console.md §5): the server-sent event stream. `hello` on connect, then
// `sessions-changed` frames from the change feed, a `: ping` comment every 15 s, and on reconnect with
// Last-Event-ID the missed frames from the buffer, or `reset` when they are gone. With `?sessionId=` only the frames
// naming that session are sent; an unknown id is 404, an empty one 400.
import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { ChangeFeed, Frame } from '../change-feed.js';
import { errorJson } from '../envelope.js';

export function eventRoutes(
  feed: ChangeFeed,
  version: string,
  sessionExists: (sessionId: string) => boolean,
  pingMs = 15_000,
): Hono {
  const routes = new Hono();
  routes.get('/events', (c) => {
    const sessionId = c.req.query('sessionId');
    if (sessionId === '') {
      return errorJson(c, 400, 'VALIDATION_ERROR', 'sessionId: must not be empty', 'sessionId');
    }
    if (sessionId !== undefined && !sessionExists(sessionId)) {
      return errorJson(c, 404, 'NOT_FOUND', `No session with id "${sessionId}".`);
    }
    const wanted = (frame: Frame) => sessionId === undefined || frame.data.sessionIds.includes(sessionId);
    c.header('Cache-Control', 'no-cache');
    c.header('X-Accel-Buffering', 'no');
    const lastId = Number(c.req.header('last-event-id') ?? c.req.query('lastEventId') ?? Number.NaN);
    return streamSSE(c, async (stream) => {
      const queue: Frame[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = feed.subscribe((frame) => {
        if (!wanted(frame)) return;
        queue.push(frame);
        wake?.();
      });
      let closed = false;
      stream.onAbort(() => {
        closed = true;
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'hello', data: JSON.stringify({ version, seq: feed.seq() }) });
      if (Number.isInteger(lastId)) {
        const missed = feed.since(lastId);
        if (missed === null) await stream.writeSSE({ event: 'reset', data: '{}', id: String(feed.seq()) });
        else queue.unshift(...missed.filter(wanted));
      }
      while (!closed) {
        const frame = queue.shift();
        if (frame !== undefined) {
          await stream.writeSSE({ event: frame.event, data: JSON.stringify(frame.data), id: String(frame.id) });
          continue;
        }
        const timedOut = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), pingMs);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        wake = null;
        if (timedOut && !closed) await stream.write(': ping\n\n');
      }
    });
  });
  return routes;
}
