/**
 * Providers and what each implies when a deployment does not say. Every provider's defaults live here.
 * No SDK import: the extension reads this at activation.
 */

/** Providers a deployment may name. */
export type ProviderId = 'openai' | 'azure' | 'openai-compatible' | 'mistral' | 'vllm' | 'ollama';

/** What the provider implies when a deployment does not say. */
export interface ProviderPreset {
  label: string;
  /** Default base URL (OpenAI-style providers). */
  baseURL?: string;
  /** Whether a run needs an API key. */
  needsKey: boolean;
  /** Whether the server accepts `stream_options.include_usage` (Mistral puts usage in the finish chunk anyway). */
  streamUsage: boolean;
}

/**
 * Provider presets. Base URLs: OpenAI https://platform.openai.com/docs/api-reference,
 * Mistral https://docs.mistral.ai/api/, Ollama's OpenAI compatibility https://ollama.com/blog/openai-compatibility,
 * vLLM's OpenAI-compatible server https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html.
 */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderPreset>> = {
  openai: { label: 'OpenAI', baseURL: 'https://api.openai.com/v1', needsKey: true, streamUsage: true },
  azure: { label: 'Azure OpenAI', needsKey: true, streamUsage: true },
  'openai-compatible': { label: 'OpenAI-compatible', needsKey: false, streamUsage: true },
  mistral: { label: 'Mistral', baseURL: 'https://api.mistral.ai/v1', needsKey: true, streamUsage: false },
  vllm: { label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', needsKey: false, streamUsage: true },
  ollama: { label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', needsKey: false, streamUsage: true },
};
