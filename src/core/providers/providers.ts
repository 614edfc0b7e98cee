/**
 * Providers and what each implies when a deployment does not say. Every provider's defaults live here.
 * No SDK import: the extension reads this at activation.
 */

/** Providers a deployment may name. */
export type ProviderId = 'openai' | 'azure' | 'openai-compatible' | 'mistral' | 'vllm' | 'ollama' | 'github'
  | 'scaleway' | 'together' | 'fireworks' | 'deepinfra' | 'openrouter' | 'groq' | 'lmstudio' | 'llamacpp';

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
/**
 * The OpenAI-compatible services people use most beyond the above: base URL and the environment variable their own
 * documentation names for the key (read when SecretStorage has none). Sources:
 * Scaleway https://www.scaleway.com/en/docs/generative-apis/api-cli/using-generative-apis/ (`https://api.scaleway.ai/v1`,
 * or `https://api.scaleway.ai/<project id>/v1` for a project: see `projectId`; `SCW_SECRET_KEY`),
 * Together https://docs.together.ai/docs/openai-api-compatibility (`TOGETHER_API_KEY`),
 * Fireworks https://docs.fireworks.ai/tools-sdks/openai-compatibility (`FIREWORKS_API_KEY`),
 * DeepInfra https://deepinfra.com/docs/openai_api (`DEEPINFRA_TOKEN`),
 * OpenRouter https://openrouter.ai/docs/quickstart (`OPENROUTER_API_KEY`),
 * Groq https://console.groq.com/docs/openai (`GROQ_API_KEY`),
 * LM Studio https://lmstudio.ai/docs/app/api/endpoints/openai (port 1234, no key),
 * llama.cpp's `llama-server` https://github.com/ggml-org/llama.cpp/tree/master/tools/server (port 8080, no key).
 * Mistral's usage arrives in the finish chunk without `stream_options`; the others take `include_usage`.
 */
const MORE_PRESETS = {
  scaleway: { label: 'Scaleway', baseURL: 'https://api.scaleway.ai/v1', needsKey: true, streamUsage: true, apiKeyEnv: 'SCW_SECRET_KEY' },
  together: { label: 'Together AI', baseURL: 'https://api.together.xyz/v1', needsKey: true, streamUsage: true, apiKeyEnv: 'TOGETHER_API_KEY' },
  fireworks: { label: 'Fireworks AI', baseURL: 'https://api.fireworks.ai/inference/v1', needsKey: true, streamUsage: true, apiKeyEnv: 'FIREWORKS_API_KEY' },
  deepinfra: { label: 'DeepInfra', baseURL: 'https://api.deepinfra.com/v1/openai', needsKey: true, streamUsage: true, apiKeyEnv: 'DEEPINFRA_TOKEN' },
  openrouter: { label: 'OpenRouter', baseURL: 'https://openrouter.ai/api/v1', needsKey: true, streamUsage: true, apiKeyEnv: 'OPENROUTER_API_KEY' },
  groq: { label: 'Groq', baseURL: 'https://api.groq.com/openai/v1', needsKey: true, streamUsage: true, apiKeyEnv: 'GROQ_API_KEY' },
  lmstudio: { label: 'LM Studio', baseURL: 'http://127.0.0.1:1234/v1', needsKey: false, streamUsage: true },
  llamacpp: { label: 'llama.cpp server', baseURL: 'http://127.0.0.1:8080/v1', needsKey: false, streamUsage: true },
} as const satisfies Record<string, ProviderPreset>;

/** Scaleway's base URL of a project: `https://api.scaleway.ai/<project id>/v1` (see MORE_PRESETS' source). */
export function scalewayBaseURL(projectId: string): string {
  return `https://api.scaleway.ai/${encodeURIComponent(projectId)}/v1`;
}

export const PROVIDERS: Readonly<Record<ProviderId, ProviderPreset>> = {
  openai: { label: 'OpenAI', baseURL: 'https://api.openai.com/v1', needsKey: true, streamUsage: true },
  azure: { label: 'Azure OpenAI', needsKey: true, streamUsage: true },
  'openai-compatible': { label: 'OpenAI-compatible', needsKey: false, streamUsage: true },
  mistral: { label: 'Mistral', baseURL: 'https://api.mistral.ai/v1', needsKey: true, streamUsage: false },
  vllm: { label: 'vLLM', baseURL: 'http://127.0.0.1:8000/v1', needsKey: false, streamUsage: true },
  ollama: { label: 'Ollama', baseURL: 'http://127.0.0.1:11434/v1', needsKey: false, streamUsage: true },
  github: { label: 'GitHub Models', baseURL: 'https://models.github.ai/inference', needsKey: true, streamUsage: false, apiKeyEnv: 'GITHUB_TOKEN' },
  ...MORE_PRESETS,
};
