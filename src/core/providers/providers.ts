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
  /** Requests an evaluation keeps in flight at most, when the deployment sets no `maxConcurrency` (see below). */
  maxConcurrency: number;
}

/**
 * Default `maxConcurrency` of hosted APIs: 8. An evaluation backs off on 429 by itself (AIMD), so the default is a
 * ceiling that should rarely need it: 8 requests of ~1 s each are ~480 a minute, inside OpenAI's lowest paid tier
 * (500 requests per minute for gpt-4o-mini, https://platform.openai.com/docs/guides/rate-limits) and a typical
 * Azure OpenAI Standard deployment, and twice promptfoo's default of 4, which people raise for speed. vLLM batches up
 * to 256 sequences by default (`--max-num-seqs`), so its preset allows 32; Ollama decodes 4 requests at once at most
 * by default (`OLLAMA_NUM_PARALLEL`), so more would only queue there.
 */
export const DEFAULT_MAX_CONCURRENCY = 8;

/**
 * Provider presets. Base URLs: OpenAI https://platform.openai.com/docs/api-reference,
 * Mistral https://docs.mistral.ai/api/, Ollama's OpenAI compatibility https://ollama.com/blog/openai-compatibility,
 * vLLM's OpenAI-compatible server https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html.
 */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderPreset>> = {
  openai: { label: 'OpenAI', baseURL: 'https://api.openai.com/v1', needsKey: true, streamUsage: true, maxConcurrency: DEFAULT_MAX_CONCURRENCY },
  azure: { label: 'Azure OpenAI', needsKey: true, streamUsage: true, maxConcurrency: DEFAULT_MAX_CONCURRENCY },
  'openai-compatible': { label: 'OpenAI-compatible', needsKey: false, streamUsage: true, maxConcurrency: DEFAULT_MAX_CONCURRENCY },
  mistral: { label: 'Mistral', baseURL: 'https://api.mistral.ai/v1', needsKey: true, streamUsage: false, maxConcurrency: DEFAULT_MAX_CONCURRENCY },
  vllm: { label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', needsKey: false, streamUsage: true, maxConcurrency: 32 },
  ollama: { label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', needsKey: false, streamUsage: true, maxConcurrency: 4 },
};
