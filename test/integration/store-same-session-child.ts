// One of the two processes store-same-session.test.ts races: it drives the given sessions to completion through
// continue_workflow, one call at a time, and before each call waits for a `go` line on stdin, so that the parent can
// release both processes onto the same token at the same moment. Input: a SameSessionChildInput as JSON in
// $SAME_SESSION_INPUT. Output: one JSON line per SameSessionChildMessage.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { continueWorkflow } from '../../src/app/continue-workflow.js';
import { createApp } from '../../src/app/create-app.js';
import type { AppError } from '../../src/app/errors.js';
import type { ExecutionResponse } from '../../src/app/execution-response.js';

export interface SameSessionChildInput {
  readonly env: { readonly [key: string]: string };
  /** Goes into the notes when `sameInput` is false, so each process sends its own input. */
  readonly label: string;
  readonly sameInput: boolean;
  /** The first continue token of each session. */
  readonly tokens: readonly string[];
}

export type SameSessionChildMessage =
  | { readonly t: 'ready' }
  | { readonly t: 'waiting' }
  | {
      readonly t: 'result';
      readonly session: number;
      readonly step: number;
      readonly notes: string;
      readonly result: { ok: true; value: ExecutionResponse } | { ok: false; error: AppError };
    }
  | { readonly t: 'done' };

function report(message: SameSessionChildMessage): void {
  writeSync(1, `${JSON.stringify(message)}\n`);
}

async function main(input: SameSessionChildInput): Promise<void> {
  const app = createApp({ env: input.env });
  void app.store;
  void app.keyring;
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  report({ t: 'ready' });

  const tokens: (string | null)[] = [...input.tokens];
  for (let step = 0; tokens.some((token) => token !== null); step++) {
    for (const [session, token] of tokens.entries()) {
      if (token === null) continue;
      report({ t: 'waiting' });
      if ((await lines.next()).done === true) return;
      const notes = input.sameInput
        ? `session ${session} step ${step}`
        : `${input.label}: session ${session} step ${step}`;
      const result = continueWorkflow(app, { continueToken: token, notes });
      report({ t: 'result', session, step, notes, result });
      if (!result.ok || result.value.kind === 'gate_checkpoint' || result.value.isComplete) tokens[session] = null;
      else tokens[session] = result.value.continueToken ?? null;
    }
  }
  report({ t: 'done' });
  app.close();
  process.exit(0);
}

const input = process.env.SAME_SESSION_INPUT;
if (input !== undefined) await main(JSON.parse(input) as SameSessionChildInput);
