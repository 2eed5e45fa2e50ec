import type { AgentConfig } from '../agent-config.js';
import { createAnthropicProvider } from './anthropic.js';
import { createOpenAiProvider } from './openai.js';
import type { Provider } from './types.js';

/** The provider client for a session's resolved agent settings. */
export function createProvider(config: AgentConfig): Provider {
  const options = { model: config.model, apiKey: config.apiKey, baseUrl: config.baseUrl };
  return config.provider === 'anthropic' ? createAnthropicProvider(options) : createOpenAiProvider(options);
}
