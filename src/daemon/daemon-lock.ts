// The single-instance lock `~/.workrail/daemon.lock` (docs/worktrain.md §1.1): `{pid, host, port, version,
// startedAt}` of the running daemon. Read by the daemon at startup and by `worktrain daemon start|stop|status`.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface DaemonLock {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly version: string;
  readonly startedAt: string;
}

export function daemonLockPath(workrailHome: string): string {
  return path.join(workrailHome, 'daemon.lock');
}

/** The lock's content, or null when it is missing or unreadable. */
export function readDaemonLock(workrailHome: string): DaemonLock | null {
  let lock: Partial<DaemonLock>;
  try {
    lock = JSON.parse(readFileSync(daemonLockPath(workrailHome), 'utf8')) as Partial<DaemonLock>;
  } catch {
    return null;
  }
  if (typeof lock.pid !== 'number') return null;
  return {
    pid: lock.pid,
    host: typeof lock.host === 'string' ? lock.host : '127.0.0.1',
    port: typeof lock.port === 'number' ? lock.port : 0,
    version: typeof lock.version === 'string' ? lock.version : 'unknown',
    startedAt: typeof lock.startedAt === 'string' ? lock.startedAt : '',
  };
}

/** True while `pid` runs. A zombie (exited, not yet reaped by its parent) counts as gone. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}
