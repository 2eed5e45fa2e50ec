// The endpoints forwarded to the WorkTrain daemon (docs/console.md §4.2). No daemon exists yet, so each answers
// 502 DAEMON_UNREACHABLE naming the address it would have tried.
import { Hono } from 'hono';
import { errorJson } from '../envelope.js';

const FORWARDED: readonly (readonly ['get' | 'post' | 'delete', string])[] = [
  ['get', '/daemon/status'],
  ['get', '/daemon/stats'],
  ['get', '/triggers'],
  ['post', '/dispatch'],
  ['post', '/sessions/:id/steer'],
  ['post', '/sessions/:id/kill'],
  ['post', '/sessions/:id/resume'],
  ['post', '/sessions/:id/deliver'],
  ['post', '/kill-switch'],
  ['delete', '/kill-switch'],
];

/** `daemonAddress` is where the daemon lock says it listens, or null when there is no lock. */
export function daemonRoutes(daemonAddress: () => string | null): Hono {
  const routes = new Hono();
  for (const [method, route] of FORWARDED) {
    routes.on(method.toUpperCase(), route, (c) => {
      const address = daemonAddress();
      const tried = address === null ? 'no daemon lock (~/.workrail/daemon.lock)' : address;
      return errorJson(c, 502, 'DAEMON_UNREACHABLE', `The WorkTrain daemon is not reachable (tried ${tried}).`);
    });
  }
  return routes;
}
