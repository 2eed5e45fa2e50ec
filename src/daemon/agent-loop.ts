// The agent loop (docs/worktrain.md §6.2, §6.6): one LLM turn at a time, tool calls run in order, complete_step
// advances the workflow. Every way out returns an outcome; nothing ends silently. The first terminal condition wins.
import { canonicalJson } from '../workflow/canonical.js';
import { callModel } from './call-model.js';
import { DEFAULTS, type StuckAbortPolicy } from './defaults.js';
import type { Message, Provider, TextBlock, ToolCallBlock, ToolResultBlock, TurnUsage } from './providers/types.js';
import type { AgentTool, ToolContext, ToolEffect, ToolResult } from './tools/tool.js';

export type Outcome = 'success' | 'timeout' | 'max_turns' | 'stuck' | 'killed' | 'error' | 'aborted';

/** Why the session's signal was aborted. */
export type StopReason = 'killed' | 'shutdown';

export interface LoopLimits {
  readonly maxTurns: number;
  readonly maxSessionMs: number;
  readonly stallTimeoutMs: number;
  readonly maxOutputTokens: number;
  readonly stuckAbortPolicy: StuckAbortPolicy;
  readonly noProgressAbort: boolean;
}

export interface AgentLoopOptions {
  readonly provider: Provider;
  readonly system: string;
  readonly firstPrompt: string;
  readonly tools: readonly AgentTool[];
  readonly toolContext: Omit<ToolContext, 'signal'>;
  readonly limits: LoopLimits;
  /** Aborted with a `StopReason` by kill or shutdown. */
  readonly signal: AbortSignal;
  /** Operator messages queued since the last turn. */
  readonly drainSteer: () => readonly string[];
  readonly emit: (kind: string, data: { readonly [key: string]: unknown }) => void;
  readonly redact: (text: string) => string;
  readonly now: () => number;
  readonly retryBaseMs?: number;
  /** Called as activity changes, for the session's live view. */
  readonly onActivity?: (activity: 'thinking' | 'tool' | 'idle', toolName?: string) => void;
}

export interface LoopResult {
  readonly outcome: Outcome | 'parked' | 'interrupted';
  readonly detail: string | null;
  readonly turns: number;
  readonly stepAdvances: number;
  readonly tokens: TurnUsage;
}

const NUDGE = 'The workflow is not complete. Continue the current step and call complete_step.';
const OMITTED = '[tool result from an earlier step omitted]';

export async function runAgentLoop(options: AgentLoopOptions): Promise<LoopResult> {
  const { limits, emit } = options;
  const local = new AbortController();
  const forward = () => local.abort(options.signal.reason);
  options.signal.addEventListener('abort', forward, { once: true });
  if (options.signal.aborted) forward();
  const wallClock = setTimeout(() => local.abort('timeout'), limits.maxSessionMs);
  const toolContext: ToolContext = { ...options.toolContext, signal: local.signal };
  const toolsByName = new Map(options.tools.map((tool) => [tool.spec.name, tool]));
  const specs = options.tools.map((tool) => tool.spec);

  const messages: Message[] = [
    {
      role: 'user',
      content: [
        {
          type: 'text',
          text: `${options.firstPrompt}\n\nDo this step's work, then call complete_step with your notes.`,
        },
      ],
    },
  ];
  let turns = 0;
  let stepAdvances = 0;
  let nudges = 0;
  let warnedNoProgress = false;
  const recentCalls: string[] = [];
  const tokens = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  const finish = (outcome: LoopResult['outcome'], detail: string | null): LoopResult => {
    clearTimeout(wallClock);
    options.signal.removeEventListener('abort', forward);
    options.onActivity?.('idle');
    return { outcome, detail, turns, stepAdvances, tokens: { ...tokens } };
  };
  const stopped = (): LoopResult => {
    const reason = local.signal.reason as unknown;
    if (reason === 'timeout') return finish('timeout', 'wall_clock');
    if (reason === 'shutdown') return finish('interrupted', 'daemon_shutdown');
    return finish('killed', typeof reason === 'string' && reason !== 'killed' ? reason : null);
  };

  for (;;) {
    if (local.signal.aborted) return stopped();
    if (turns >= limits.maxTurns) return finish('max_turns', `reached ${limits.maxTurns} turns`);
    const steer = options.drainSteer();
    if (steer.length > 0)
      appendUserText(
        messages,
        steer.map((text) => `[Operator message] ${text}`),
      );
    turns++;
    emit('llm_turn_started', { turn: turns, messageCount: messages.length });
    options.onActivity?.('thinking');
    const call = await callModel(
      options.provider,
      { system: options.system, messages, tools: specs, maxOutputTokens: limits.maxOutputTokens },
      {
        stallTimeoutMs: limits.stallTimeoutMs,
        signal: local.signal,
        ...(options.retryBaseMs === undefined ? {} : { retryBaseMs: options.retryBaseMs }),
        onRetry: (retry) => emit('llm_retry', retry),
        now: options.now,
      },
    );
    options.onActivity?.('idle');
    if (call.kind === 'stalled') {
      emit('agent_stuck', { reason: 'stall', detail: `no LLM response within ${limits.stallTimeoutMs / 1000}s` });
      return finish('stuck', 'stall');
    }
    if (call.kind === 'aborted') return stopped();
    if (call.kind === 'failed') {
      const status = call.status === null ? 'network error' : `HTTP ${call.status}`;
      return finish('error', options.redact(`provider ${options.provider.name} failed (${status}): ${call.message}`));
    }
    const { response } = call;
    tokens.input += response.usage.input;
    tokens.output += response.usage.output;
    tokens.cacheRead += response.usage.cacheRead;
    tokens.cacheWrite += response.usage.cacheWrite;
    const toolCalls = response.content.filter((block): block is ToolCallBlock => block.type === 'tool_call');
    emit('llm_turn_completed', {
      turn: turns,
      stopReason: response.stopReason,
      inputTokens: response.usage.input,
      outputTokens: response.usage.output,
      cacheReadTokens: response.usage.cacheRead,
      cacheWriteTokens: response.usage.cacheWrite,
      durationMs: call.durationMs,
      toolNames: toolCalls.map((c) => c.name),
    });
    messages.push({
      role: 'assistant',
      content: response.content.length > 0 ? response.content : [{ type: 'text', text: '(no response)' }],
    });

    if (toolCalls.length === 0) {
      if (nudges >= DEFAULTS.nudgeLimit) return finish('error', 'agent_stopped_early');
      nudges++;
      messages.push({ role: 'user', content: [{ type: 'text', text: NUDGE }] });
      continue;
    }

    const results: ToolResultBlock[] = [];
    const effects: ToolEffect[] = [];
    let stuck: string | null = null;
    for (const toolCall of toolCalls) {
      if (local.signal.aborted || stuck !== null) {
        results.push({
          type: 'tool_result',
          toolCallId: toolCall.id,
          content: '[not run: the session stopped]',
          isError: true,
        });
        continue;
      }
      recentCalls.push(`${toolCall.name}\u0000${toolCall.rawInput ?? canonicalJson(toolCall.input ?? {})}`);
      const last = recentCalls.slice(-DEFAULTS.repeatedToolCallLimit);
      if (last.length === DEFAULTS.repeatedToolCallLimit && last.every((key) => key === last[0])) {
        const detail = `${toolCall.name} called ${DEFAULTS.repeatedToolCallLimit} times in a row with the same arguments`;
        emit('agent_stuck', { reason: 'repeated_tool_call', detail });
        if (limits.stuckAbortPolicy === 'abort') {
          stuck = 'repeated_tool_call';
          results.push({
            type: 'tool_result',
            toolCallId: toolCall.id,
            content: '[not run: repeated call]',
            isError: true,
          });
          continue;
        }
      }
      const result = await runTool(toolCall, toolsByName, toolContext, options);
      results.push({ type: 'tool_result', toolCallId: toolCall.id, content: result.content, isError: result.isError });
      if (result.effect !== undefined) effects.push(result.effect);
    }
    messages.push({ role: 'user', content: results });
    if (stuck !== null) return finish('stuck', stuck);
    if (local.signal.aborted) return stopped();

    const advanced = effects.filter((effect) => effect.kind === 'advanced').length;
    if (effects.some((effect) => effect.kind === 'complete')) {
      stepAdvances += advanced + 1;
      return finish('success', null);
    }
    const fatal = effects.find((effect) => effect.kind === 'fatal');
    if (fatal?.kind === 'fatal') return finish('error', `agent_reported_fatal: ${fatal.summary}`);
    const parked = effects.find((effect) => effect.kind === 'parked');
    if (parked?.kind === 'parked') return finish('parked', `gate at ${parked.stepId}`);
    if (advanced > 0) {
      stepAdvances += advanced;
      omitEarlierResults(messages);
    }
    if (!warnedNoProgress && stepAdvances === 0 && turns >= DEFAULTS.noProgressWarningFraction * limits.maxTurns) {
      warnedNoProgress = true;
      emit('agent_stuck', { reason: 'no_progress', detail: `${turns} turns without a step advance` });
      if (limits.noProgressAbort) return finish('stuck', 'no_progress');
    }
  }
}

async function runTool(
  toolCall: ToolCallBlock,
  tools: ReadonlyMap<string, AgentTool>,
  ctx: ToolContext,
  options: AgentLoopOptions,
): Promise<ToolResult> {
  const started = options.now();
  const argsSummary = options.redact(toolCall.rawInput ?? JSON.stringify(toolCall.input)).slice(0, 2000);
  options.emit('tool_call_started', { toolCallId: toolCall.id, toolName: toolCall.name, argsSummary });
  options.onActivity?.('tool', toolCall.name);
  const tool = tools.get(toolCall.name);
  let result: ToolResult;
  if (tool === undefined) result = { content: `Unknown tool: ${toolCall.name}`, isError: true };
  else if (toolCall.input === null) {
    result = {
      content: `${toolCall.name}: arguments are not a JSON object: ${toolCall.rawInput ?? ''}`,
      isError: true,
    };
  } else {
    try {
      result = await tool.run(toolCall.input, ctx);
    } catch (error) {
      result = { content: error instanceof Error ? error.message : String(error), isError: true };
    }
  }
  const redacted = { ...result, content: options.redact(result.content) };
  const durationMs = options.now() - started;
  const base = { toolCallId: toolCall.id, toolName: toolCall.name, argsSummary, durationMs };
  if (redacted.isError) options.emit('tool_call_failed', { ...base, error: redacted.content.slice(0, 500) });
  else options.emit('tool_call_completed', { ...base, resultSummary: redacted.content.slice(0, 500) });
  return redacted;
}

function appendUserText(messages: Message[], texts: readonly string[]): void {
  const blocks: TextBlock[] = texts.map((text) => ({ type: 'text', text }));
  const last = messages[messages.length - 1];
  if (last?.role === 'user') messages[messages.length - 1] = { role: 'user', content: [...last.content, ...blocks] };
  else messages.push({ role: 'user', content: blocks });
}

/** After an advance, results of earlier steps no longer matter; the last batch (holding complete_step) stays. */
function omitEarlierResults(messages: Message[]): void {
  for (let i = 0; i < messages.length - 1; i++) {
    const message = messages[i] as Message;
    if (message.role !== 'user') continue;
    messages[i] = {
      role: 'user',
      content: message.content.map((block) => (block.type === 'tool_result' ? { ...block, content: OMITTED } : block)),
    };
  }
}
