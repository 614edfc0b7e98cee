/**
 * Providers and what each implies when a deployment does not say. Every provider's defaults live here.
 * No SDK import: the extension reads this at activation.
 */

/** Providers a deployment may name. */
export type ProviderId = 'openai' | 'azure' | 'openai-compatible' | 'mistral' | 'vllm' | 'ollama' | 'github';

/** What the provider implies when a deployment does not say. */
export interface ProviderPreset {
  label: string;
  /** Default base URL (OpenAI-style providers). */
  baseURL?: string;
  /** Whether a run needs an API key. */
  needsKey: boolean;
  /** Whether the server accepts `stream_options.include_usage` (Mistral puts usage in the finish chunk anyway). */
  streamUsage: boolean;
  /** Environment variable the key is read from when the deployment names no `apiKeyEnv` (GitHub: `GITHUB_TOKEN`). */
  apiKeyEnv?: string;
}

/**
 * Provider presets. Base URLs: OpenAI https://platform.openai.com/docs/api-reference,
 * Mistral https://docs.mistral.ai/api/, Ollama's OpenAI compatibility https://ollama.com/blog/openai-compatibility,
 * vLLM's OpenAI-compatible server https://docs.vllm.ai/en/latest/serving/openai_compatible_server.html.
 * GitHub Models: `POST https://models.github.ai/inference/chat/completions` with `Authorization: Bearer <token>`, a
 * token with the `models: read` permission (a fine-grained personal access token, a GitHub App token, or Actions'
 * `GITHUB_TOKEN` with `permissions: models: read`), and model ids `publisher/name`
 * (https://docs.github.com/en/rest/models/inference, https://docs.github.com/en/github-models/quickstart; gh-models
 * uses the same root in internal/azuremodels/azure_client_config.go). Its usage in a stream is not documented and
 * gh-models never asks for it, so `stream_options` is off unless the deployment sets `streamUsage`.
 */
export const PROVIDERS: Readonly<Record<ProviderId, ProviderPreset>> = {
  openai: { label: 'OpenAI', baseURL: 'https://api.openai.com/v1', needsKey: true, streamUsage: true },
  azure: { label: 'Azure OpenAI', needsKey: true, streamUsage: true },
  'openai-compatible': { label: 'OpenAI-compatible', needsKey: false, streamUsage: true },
  mistral: { label: 'Mistral', baseURL: 'https://api.mistral.ai/v1', needsKey: true, streamUsage: false },
  vllm: { label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', needsKey: false, streamUsage: true },
  ollama: { label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', needsKey: false, streamUsage: true },
  github: { label: 'GitHub Models', baseURL: 'https://models.github.ai/inference', needsKey: true, streamUsage: false, apiKeyEnv: 'GITHUB_TOKEN' },
};
