/**
 * `openai` SDK clients for resolved deployments, kept per deployment and key so connections stay alive
 * between runs.
 */
import OpenAI, { AzureOpenAI, type APIError } from 'openai';
import type { ResolvedDeployment } from './deployments';
import { piecewiseFetch } from './streamPieces';

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** The API key, or undefined for servers that need none (no Authorization header is then sent). */
  apiKey: string | undefined;
  /** Retries the SDK itself makes (0 by default: a run is one request, as the log records it). */
  maxRetries?: number;
  /** Request timeout in ms (the deployment's own wins). */
  timeoutMs?: number;
  /** Azure with Microsoft Entra ID: returns a bearer token for https://cognitiveservices.azure.com/.default. */
  azureADTokenProvider?: () => Promise<string>;
}

/** Placeholder the SDK requires when a server needs no key; the Authorization header is removed again. */
const NO_KEY = 'no-key';

/**
 * Clients by deployment (JSON of its fields), then by API key: a client keeps its connections alive between runs.
 * The API key is a key of the inner map, never copied into the cache key string, so it needs no hash (the client
 * holds the key in memory anyway); a synchronous SHA-256 is not in Web Crypto.
 */
const clients = new Map<string, Map<string | undefined, OpenAI>>();
let clientCount = 0;
const MAX_CLIENTS = 32;

/**
 * An `openai` SDK client for the deployment: `AzureOpenAI` for Azure, `OpenAI` with the base URL otherwise.
 * The same deployment, key and options give the same client. Never logs the key.
 */
export function createClient(deployment: ResolvedDeployment, options: ClientOptions): OpenAI {
  // A token provider belongs to one sign-in: such clients are not shared.
  if (options.azureADTokenProvider) return newClient(deployment, options);
  const cacheKey = JSON.stringify([deployment.provider, deployment.baseURL, deployment.azure ?? null, deployment.headers, deployment.timeoutMs ?? null, options.maxRetries ?? 0, options.timeoutMs ?? null]);
  const cached = clients.get(cacheKey)?.get(options.apiKey);
  if (cached) return cached;
  const client = newClient(deployment, options);
  if (clientCount >= MAX_CLIENTS) {
    clients.clear();
    clientCount = 0;
  }
  let byKey = clients.get(cacheKey);
  if (!byKey) {
    byKey = new Map();
    clients.set(cacheKey, byKey);
  }
  byKey.set(options.apiKey, client);
  clientCount++;
  return client;
}

/** What a server answered with an HTTP error: its JSON body, or its text when it was not JSON. */
export type ErrorBody = Record<string, unknown> | string;

/**
 * The body of an HTTP error as the server sent it, when the client made the error. The SDK keeps only
 * `body.error` (OpenAI's shape) on its `APIError`; a body in another shape (Mistral's and vLLM's top-level
 * `message`, FastAPI's `detail`) would lose its text, so the clients here keep the whole of it.
 */
export function errorBodyOf(err: APIError): ErrorBody | undefined {
  return errorBodies.get(err);
}

const errorBodies = new WeakMap<object, ErrorBody>();

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- TypeScript requires any[] for a mixin's base constructor
type ClientClass = new (...args: any[]) => OpenAI;

/** `Base` whose HTTP errors remember the whole body (see {@link errorBodyOf}). */
function keepingErrorBodies<T extends ClientClass>(Base: T): T {
  // The SDK calls makeStatusError(status, parsed JSON body or undefined, body text when not JSON, headers).
  return class extends Base {
    protected override makeStatusError(status: number, body: object, text: string | undefined, headers: Headers): APIError {
      const err = super.makeStatusError(status, body, text, headers);
      const kept = body && typeof body === 'object' ? body as Record<string, unknown> : text;
      if (kept !== undefined) errorBodies.set(err, kept);
      return err;
    }
  };
}

const Client = keepingErrorBodies(OpenAI as unknown as ClientClass) as unknown as typeof OpenAI;
const AzureClient = keepingErrorBodies(AzureOpenAI as unknown as ClientClass) as unknown as typeof AzureOpenAI;

function newClient(deployment: ResolvedDeployment, options: ClientOptions): OpenAI {
  const headers: Record<string, string | null> = { ...deployment.headers };
  if (options.apiKey === undefined && !options.azureADTokenProvider) {
    // The SDK insists on a key; for a server that needs none, send no credential header at all.
    headers.Authorization = null;
    headers['api-key'] = null;
  }
  const common = {
    apiKey: options.apiKey ?? NO_KEY,
    maxRetries: options.maxRetries ?? 0,
    timeout: deployment.timeoutMs ?? options.timeoutMs ?? 600_000,
    defaultHeaders: headers,
    // A streamed answer reaches the SDK in small pieces: its event splitting copies in proportion to the piece (./streamPieces).
    fetch: piecewiseFetch(),
  };
  if (deployment.azure && options.azureADTokenProvider) {
    const { apiKey: _key, defaultHeaders, ...rest } = common;
    return new AzureClient({
      ...rest, defaultHeaders, azureADTokenProvider: options.azureADTokenProvider,
      endpoint: deployment.azure.endpoint, deployment: deployment.azure.deployment, apiVersion: deployment.azure.apiVersion,
    });
  }
  if (deployment.azure) {
    return new AzureClient({ ...common, endpoint: deployment.azure.endpoint, deployment: deployment.azure.deployment, apiVersion: deployment.azure.apiVersion });
  }
  return new Client({ ...common, baseURL: deployment.baseURL });
}
