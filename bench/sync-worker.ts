// A worker thread driven synchronously: the bench harness times synchronous calls, so the main thread posts one
// request, blocks on an Atomics flag, and reads the reply when the worker is done. Used by bench/mcp.ts and
// bench/worktrain.ts; their workers call serveSyncRequests().
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker, workerData } from 'node:worker_threads';

interface WorkerReply {
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}

/** Starts the TypeScript module at `entry` on a worker thread; `request` blocks until its reply (or the timeout). */
export function startSyncWorker<Request extends { readonly op: string }>(
  entry: URL,
  label: string,
  timeoutMs = Number.POSITIVE_INFINITY,
) {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  // Node 20 does not pass tsx's `--import` hooks to worker threads, so the worker registers them itself.
  const bootstrap = `import { register } from 'tsx/esm/api'; register(); await import(${JSON.stringify(entry.href)});`;
  const worker = new Worker(bootstrap, { eval: true, workerData: { port: port2, flag }, transferList: [port2] });
  return {
    request(message: Request): unknown {
      Atomics.store(flag, 0, 0);
      port1.postMessage(message);
      if (Atomics.wait(flag, 0, 0, timeoutMs) === 'timed-out') {
        throw new Error(`${label}: no reply to ${message.op} within ${timeoutMs} ms`);
      }
      const reply = receiveMessageOnPort(port1)?.message as WorkerReply | undefined;
      if (reply === undefined || !reply.ok) throw new Error(`${label} failed: ${reply?.error ?? 'no reply'}`);
      return reply.value;
    },
    terminate: () => void worker.terminate(),
  };
}

/** In the worker: answers each request with `handle`'s result, or its error message, and wakes the main thread. */
export function serveSyncRequests<Request>(handle: (request: Request) => Promise<unknown>): void {
  const { port, flag } = workerData as { port: MessagePort; flag: Int32Array };
  port.on('message', async (request: Request) => {
    let reply: WorkerReply;
    try {
      reply = { ok: true, value: await handle(request) };
    } catch (error) {
      reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
}
