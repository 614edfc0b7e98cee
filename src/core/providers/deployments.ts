/**
 * Deployments: the named model endpoints of `promptLab.deployments`, resolved to what a client needs.
 * Every provider's defaults live in {@link PROVIDERS}; nothing else in the code branches on a provider name
 * except the client factory (Azure needs the SDK's AzureOpenAI).
 */
import { PROVIDERS, scalewayBaseURL, type ProviderId } from './providers';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry';

export { PROVIDERS, type ProviderId, type ProviderPreset } from './providers';

/** Prices of a deployment in USD per million tokens. */
export interface Prices {
  inputPerMillion: number;
  outputPerMillion: number;
}

/** One entry of the `promptLab.deployments` setting, as the person wrote it. */
export interface DeploymentConfig {
  provider?: string;
  model?: string;
  /** OpenAI-style base URL, e.g. http://127.0.0.1:11434/v1. */
  baseURL?: string;
  /** Azure: https://NAME.openai.azure.com. */
  endpoint?: string;
  /** Azure: deployment name. */
  deployment?: string;
  /** Azure: api-version query parameter. */
  apiVersion?: string;
  /** Name of an environment variable holding the API key. */
  apiKeyEnv?: string;
  /** Extra request headers (not for secrets). */
  headers?: Record<string, string>;
  /** Request timeout in ms. */
  timeoutMs?: number;
  prices?: Prices;
  /** Default request parameters, overridden by the prompt's own. */
  parameters?: Record<string, unknown>;
  /** Whether to send `stream_options: { include_usage: true }` (default: the provider's). */
  streamUsage?: boolean;
  /** Retries after a 429, a 5xx or a failed connection, before any output (default 2; 0 turns retrying off). */
  maxRetries?: number;
  /** Requests an evaluation keeps in flight on this deployment at most, 1–1024 (default: the provider's, see providers.ts). */
  maxConcurrency?: number;
  /** Azure: "entra" uses a Microsoft Entra ID token from VS Code's `microsoft` authentication instead of a key. */
  auth?: 'key' | 'entra';
  /** Scaleway: the project whose endpoint to use (`https://api.scaleway.ai/<projectId>/v1`); `baseURL` given whole wins. */
  projectId?: string;
  /** What the model takes beyond text: `vision` (images), `audio`. Sending an image to one without `vision` is a warning. */
  capabilities?: string[];
  /** Request rules to apply whatever the model name says (see ./requestRules.ts), e.g. an Azure deployment of o3-mini. */
  requestRules?: string[];
  /**
   * Variants chosen by the `promptLab.context` setting: the first whose `when` matches the context wins, its
   * fields replacing the deployment's own; with none matching, the deployment's own fields are the default variant.
   */
  variants?: DeploymentVariant[];
}

/** One variant of a deployment: `when` maps context keys to a value or a list of allowed values. */
export interface DeploymentVariant extends Omit<DeploymentConfig, 'variants'> {
  /** Shown in the status bar and the log; defaults to the `when` values. */
  name?: string;
  when: Record<string, string | string[]>;
}

/** The current routing context: `promptLab.context`, e.g. `{ "environment": "staging", "region": "eu" }`. */
export type RoutingContext = Readonly<Record<string, string>>;

/** Whether `variant.when` holds for `context`: every key present with an equal (or listed) value. */
export function variantMatches(variant: Pick<DeploymentVariant, 'when'>, context: RoutingContext): boolean {
  const when = variant.when ?? {};
  return Object.entries(when).every(([k, v]) => (Array.isArray(v) ? v.includes(context[k] ?? '') : context[k] === v));
}

/** Name of a variant for people: its `name`, else its `when` values ("staging · eu"). */
export function variantName(variant: DeploymentVariant): string {
  return variant.name ?? (Object.values(variant.when ?? {}).flat().join(' · ') || 'variant');
}

/** The variant `context` selects (first match wins), with the merged configuration; `variant` is "default" when none matches. */
export function selectVariant(config: DeploymentConfig, context: RoutingContext = {}): { config: DeploymentConfig; variant: string; chosenBy?: Record<string, string> } {
  const { variants, ...base } = config;
  const match = Array.isArray(variants) ? variants.find((v) => v && typeof v === 'object' && variantMatches(v, context)) : undefined;
  if (!match) return { config: base, variant: 'default' };
  const { when, name: _name, ...overrides } = match;
  // The context values the variant's `when` read: what chose it (logged with the run).
  const chosenBy: Record<string, string> = {};
  for (const key of Object.keys(when ?? {})) if (context[key] !== undefined) chosenBy[key] = context[key];
  return { config: { ...base, ...overrides }, variant: variantName(match), chosenBy };
}

/** A deployment ready to call. */
export interface ResolvedDeployment {
  key: string;
  /** The variant the routing context chose ("default" when none matched). */
  variant: string;
  /** Azure with a Microsoft Entra ID token instead of a key. */
  entra: boolean;
  provider: ProviderId;
  /** Model name sent in the request (Azure: the deployment name decides; this is informational). */
  model: string;
  /** Where requests go: the base URL, or the Azure endpoint. */
  baseURL: string;
  needsKey: boolean;
  apiKeyEnv?: string;
  azure?: { endpoint: string; deployment: string; apiVersion: string };
  headers: Record<string, string>;
  timeoutMs?: number;
  prices?: Prices;
  parameters: Record<string, unknown>;
  streamUsage: boolean;
  retry: RetryPolicy;
  /** The routing context values that chose the variant (absent for "default"). */
  chosenBy?: Record<string, string>;
  /** The deployment's `capabilities`, when it declares them. */
  capabilities?: string[];
  /** Request rules the deployment asks for by name (./requestRules.ts). */
  requestRules?: string[];
  /** Requests an evaluation keeps in flight at most: the deployment's `maxConcurrency`, else its provider's default. */
  maxConcurrency: number;
}

/** Largest `maxConcurrency` accepted: beyond this a client only queues requests in its own sockets. */
export const MAX_CONCURRENCY_LIMIT = 1024;

/** Why a deployment cannot be used; `kind` decides the action offered to the person. */
export class DeploymentError extends Error {
  override readonly name = 'DeploymentError';
  constructor(readonly kind: 'none' | 'unknown' | 'invalid', message: string) {
    super(message);
  }
}

/** The Azure api-version used when a deployment names none (GA, https://learn.microsoft.com/azure/ai-services/openai/api-version-lifecycle). */
export const DEFAULT_AZURE_API_VERSION = '2024-10-21';

/** True for 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function isProvider(value: string): value is ProviderId {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, value);
}

/**
 * Resolve `key` against the `promptLab.deployments` setting.
 * @throws DeploymentError `none` when the prompt names no deployment, `unknown` when no entry has that key
 *   (the message lists the known keys), `invalid` when the entry lacks what its provider needs.
 */
export function resolveDeployment(key: string | undefined, deployments: Readonly<Record<string, DeploymentConfig>>, context: RoutingContext = {}): ResolvedDeployment {
  const known = Object.keys(deployments);
  if (!key) {
    throw new DeploymentError('none', known.length
      ? `This prompt names no deployment: add "deployment": one of ${known.map((k) => `"${k}"`).join(', ')}.`
      : 'No deployment is set: add one to the "promptLab.deployments" setting and name it in the prompt\'s "deployment".');
  }
  const configured = deployments[key];
  if (!configured || typeof configured !== 'object') {
    throw new DeploymentError('unknown', known.length
      ? `No deployment "${key}" in "promptLab.deployments"; known: ${known.map((k) => `"${k}"`).join(', ')}.`
      : `No deployment "${key}": the "promptLab.deployments" setting is empty.`);
  }
  const { config, variant, chosenBy } = selectVariant(configured, context);
  const providerName = config.provider ?? (config.endpoint ? 'azure' : config.baseURL ? 'openai-compatible' : 'openai');
  if (!isProvider(providerName)) {
    throw new DeploymentError('invalid', `Deployment "${key}" has provider "${providerName}"; use one of ${Object.keys(PROVIDERS).join(', ')}.`);
  }
  const preset = PROVIDERS[providerName];
  const resolved: ResolvedDeployment = {
    key,
    variant,
    entra: providerName === 'azure' && config.auth === 'entra',
    provider: providerName,
    model: config.model ?? '',
    baseURL: '',
    needsKey: false,
    headers: { ...(config.headers ?? {}) },
    parameters: { ...(config.parameters ?? {}) },
    streamUsage: config.streamUsage ?? preset.streamUsage,
    maxConcurrency: typeof config.maxConcurrency === 'number' && config.maxConcurrency >= 1
      ? Math.min(MAX_CONCURRENCY_LIMIT, Math.floor(config.maxConcurrency))
      : preset.maxConcurrency,
    retry: {
      ...DEFAULT_RETRY_POLICY,
      ...(typeof config.maxRetries === 'number' && config.maxRetries >= 0 ? { maxRetries: Math.min(10, Math.floor(config.maxRetries)) } : {}),
    },
  };
  const apiKeyEnv = config.apiKeyEnv ?? preset.apiKeyEnv;
  if (apiKeyEnv !== undefined) resolved.apiKeyEnv = apiKeyEnv;
  if (config.timeoutMs !== undefined) resolved.timeoutMs = config.timeoutMs;
  if (config.prices !== undefined) resolved.prices = config.prices;
  if (chosenBy !== undefined) resolved.chosenBy = chosenBy;
  if (Array.isArray(config.capabilities)) resolved.capabilities = config.capabilities.filter((c) => typeof c === 'string');
  if (Array.isArray(config.requestRules)) resolved.requestRules = config.requestRules.filter((r) => typeof r === 'string');

  if (providerName === 'azure') {
    if (!config.endpoint) throw new DeploymentError('invalid', `Deployment "${key}" (Azure) needs "endpoint", e.g. "https://YOUR-RESOURCE.openai.azure.com".`);
    const deployment = config.deployment ?? config.model;
    if (!deployment) throw new DeploymentError('invalid', `Deployment "${key}" (Azure) needs "deployment": the name of the Azure OpenAI deployment.`);
    resolved.azure = { endpoint: config.endpoint.replace(/\/+$/, ''), deployment, apiVersion: config.apiVersion ?? DEFAULT_AZURE_API_VERSION };
    resolved.baseURL = resolved.azure.endpoint;
    if (!resolved.model) resolved.model = deployment;
  } else {
    // Scaleway takes its endpoint whole in `endpoint` (as llmax does) or builds it from `projectId`.
    const scaleway = providerName === 'scaleway' ? config.endpoint ?? (config.projectId ? scalewayBaseURL(config.projectId) : undefined) : undefined;
    const baseURL = config.baseURL ?? scaleway ?? preset.baseURL;
    if (!baseURL) throw new DeploymentError('invalid', `Deployment "${key}" (${preset.label}) needs "baseURL", e.g. "http://127.0.0.1:8000/v1".`);
    resolved.baseURL = baseURL.replace(/\/+$/, '');
    if (!resolved.model) throw new DeploymentError('invalid', `Deployment "${key}" needs "model": the model name the server knows.`);
  }
  let url: URL;
  try {
    url = new URL(resolved.baseURL);
  } catch {
    throw new DeploymentError('invalid', `Deployment "${key}" has an invalid URL "${resolved.baseURL}".`);
  }
  // A server on this machine (Ollama, vLLM, a replay server) needs no key unless the deployment names one.
  resolved.needsKey = !resolved.entra && (config.apiKeyEnv !== undefined || (preset.needsKey && !isLoopbackHost(url.hostname)));
  return resolved;
}

/**
 * What each deployment resolves to under `context` (model as sent, provider, declared capabilities and forced request
 * rules), for the analysis' request-rule and capability checks (`AnalysisContext.deploymentTargets`). A deployment
 * that does not resolve is left out: its own error is reported where it is used.
 */
export function deploymentTargets(deployments: Readonly<Record<string, DeploymentConfig>>, context: RoutingContext = {}): Record<string, { model: string; provider: string; capabilities?: string[]; requestRules?: string[] }> {
  const targets: Record<string, { model: string; provider: string; capabilities?: string[]; requestRules?: string[] }> = {};
  for (const key of Object.keys(deployments)) {
    try {
      const d = resolveDeployment(key, deployments, context);
      targets[key] = { model: d.model, provider: d.provider, ...(d.capabilities ? { capabilities: d.capabilities } : {}), ...(d.requestRules ? { requestRules: d.requestRules } : {}) };
    } catch {
      // A deployment that does not resolve has its own error elsewhere.
    }
  }
  return targets;
}
