// The provider-neutral conversation the agent loop keeps; each provider maps it to its own wire format.

export interface TextBlock {
  readonly type: 'text';
  readonly text: string;
}

export interface ToolCallBlock {
  readonly type: 'tool_call';
  readonly id: string;
  readonly name: string;
  /** Parsed arguments; `null` when the model sent arguments that are not a JSON object. */
  readonly input: { readonly [key: string]: unknown } | null;
  /** The raw argument text when it did not parse. */
  readonly rawInput?: string;
}

export interface ToolResultBlock {
  readonly type: 'tool_result';
  readonly toolCallId: string;
  readonly content: string;
  readonly isError: boolean;
}

export type Message =
  | { readonly role: 'user'; readonly content: readonly (TextBlock | ToolResultBlock)[] }
  | { readonly role: 'assistant'; readonly content: readonly (TextBlock | ToolCallBlock)[] };

export interface ToolSpec {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: { readonly [key: string]: unknown };
}

export interface TurnUsage {
  readonly input: number;
  readonly output: number;
  readonly cacheRead: number;
  readonly cacheWrite: number;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'other';

export interface ModelRequest {
  readonly system: string;
  readonly messages: readonly Message[];
  readonly tools: readonly ToolSpec[];
  readonly maxOutputTokens: number;
  readonly signal: AbortSignal;
}

export interface ModelResponse {
  readonly content: readonly (TextBlock | ToolCallBlock)[];
  readonly stopReason: StopReason;
  readonly usage: TurnUsage;
}

/** One LLM endpoint. `complete` throws the SDK's errors; `retryable` classifies them (429, 5xx, network). */
export interface Provider {
  readonly name: 'anthropic' | 'openai';
  readonly model: string;
  complete(request: ModelRequest): Promise<ModelResponse>;
}
