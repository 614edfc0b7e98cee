/**
 * Turns whatever stopped a run into one sentence and one action for the person, plus details for the log.
 * HTTP errors are the `openai` SDK's `APIError` subclasses; their bodies follow OpenAI's error shape
 * `{ "error": { "message", "type", "param", "code" } }` (Azure, Groq, OpenRouter and vLLM use variants of it:
 * test/fixtures/wire/SOURCES.md lists the recorded ones).
 */
import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { RunErrorView } from '../../protocol/runPanel';
import { errorBodyOf } from './client';
import { DeploymentError, type ResolvedDeployment } from './deployments';


/** The prompt file cannot be read as a prompt (malformed JSONC, no messages…). */
export class PromptFileError extends Error {
  override readonly name = 'PromptFileError';
}

/** A deployment that needs an API key has none in SecretStorage nor in its `apiKeyEnv` variable. */
export class MissingApiKeyError extends Error {
  override readonly name = 'MissingApiKeyError';
  constructor(readonly deployment: string) {
    super(`Deployment "${deployment}" needs an API key: set one with "Prompt Lab: Set API Key".`);
  }
}

/** A required input got no value (the person dismissed the input box). */
export class RunCancelledError extends Error {
  override readonly name = 'RunCancelledError';
}

/** The stream ended without any choice's finish_reason: the server closed it early, or sent no chunk at all. */
export class IncompleteStreamError extends Error {
  override readonly name = 'IncompleteStreamError';
  constructor(readonly chunks: number) {
    super(chunks === 0
      ? 'The server closed the stream without sending a completion.'
      : `The stream ended after ${chunks} chunks without a finish_reason: the output may be incomplete.`);
  }
}

/** No byte arrived for the deployment's timeout: the request is abandoned, its partial output kept. */
export class StreamTimeoutError extends Error {
  override readonly name = 'StreamTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`No answer for ${timeoutMs < 10_000 ? `${timeoutMs} ms` : `${Math.round(timeoutMs / 1000)} s`}: the request was abandoned. Check the server, or raise "timeoutMs".`);
  }
}

/** An error as the panel, the notification and the log show it. */
export interface DescribedError extends RunErrorView {
  /** More than the sentence: status, type, code, the server's message, the cause. For the log channel. */
  detail: string;
}

/** True when `err` is an Error whose `name` is `name` (see describeError). */
function isNamed(err: unknown, name: string): err is Error {
  return err instanceof Error && err.name === name;
}

/** True when the error means the person (or a Stop button) cancelled the run. */
export function isCancellation(err: unknown): boolean {
  return err instanceof APIUserAbortError || err instanceof RunCancelledError || (err instanceof Error && err.name === 'AbortError');
}

/** Longest server text kept in a message (an HTML error page can be long). */
const MAX_SERVER_TEXT = 2000;

/**
 * The message in an error body of any common shape: OpenAI's `{ error: { message } }` (and `{ error: "…" }`),
 * the top-level `{ message }` of Mistral's API and vLLM's server, FastAPI's `{ detail }` (a string, or a list of
 * `{ msg }`), or a body that is plain text.
 */
export function messageOfErrorBody(body: unknown): string {
  if (typeof body === 'string') return body.trim().slice(0, MAX_SERVER_TEXT);
  if (!body || typeof body !== 'object') return '';
  const b = body as { error?: unknown; message?: unknown; detail?: unknown };
  if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') return (b.error as { message: string }).message;
  if (typeof b.error === 'string') return b.error;
  if (typeof b.message === 'string') return b.message;
  if (typeof b.detail === 'string') return b.detail;
  if (Array.isArray(b.detail)) return b.detail.map((d: unknown) => (d && typeof (d as { msg?: unknown }).msg === 'string' ? (d as { msg: string }).msg : JSON.stringify(d))).join('; ');
  return '';
}

function serverMessage(err: APIError): string {
  return messageOfErrorBody(errorBodyOf(err)) || messageOfErrorBody(err.error) || err.message.replace(/^\d{3}\s+/, '');
}

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Whether `err`'s cause is the TypeError a browser's `fetch` rejects with when it cannot make a request at all:
 * "Failed to fetch" (Chromium), "NetworkError when attempting to fetch resource." (Firefox), "Load failed" (Safari).
 * A browser gives no reason, on purpose: a server that is down and one that does not allow the page's origin (CORS)
 * look the same to the page. Node's fetch says "fetch failed" with a cause that has a code, handled before this.
 */
function isBrowserNetworkError(err: Error): boolean {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof TypeError && /failed to fetch|networkerror|load failed/i.test(cause.message);
}

/** ` (https://…)`: the origin of the page or worker this runs in, when it has one (a browser). */
function pageOrigin(): string {
  const origin = (globalThis as { location?: { origin?: unknown } }).location?.origin;
  return typeof origin === 'string' && origin !== 'null' ? ` (${origin})` : '';
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/**
 * Describe `err` for a person. `deployment` (when known) names the key and URL in the sentence.
 * Never includes an API key: the SDK's messages do not carry it and nothing here reads it.
 */
export function describeError(err: unknown, deployment?: Pick<ResolvedDeployment, 'key' | 'baseURL' | 'model'>): DescribedError {
  const where = deployment ? ` (deployment "${deployment.key}")` : '';
  if (err instanceof DeploymentError) {
    return { message: err.message, action: 'openSettings', actionLabel: 'Open Settings', detail: err.message };
  }
  if (err instanceof MissingApiKeyError) {
    return { message: err.message, action: 'setApiKey', actionLabel: 'Set API Key', detail: err.message };
  }
  // By name: the render worker's host (in the extension's bundle) rebuilds these errors from its own copy of
  // ../template/errors.ts, a different class from this bundle's.
  if (err instanceof PromptFileError || isNamed(err, 'TemplateError') || isNamed(err, 'InputValueError') || isNamed(err, 'MediaError')) {
    return { message: err.message, action: 'openPrompt', actionLabel: 'Open Prompt', detail: err.message };
  }
  if (isNamed(err, 'RenderLimitError')) {
    return { message: err.message, action: 'openPrompt', actionLabel: 'Open Prompt', detail: err.message };
  }
  if (err instanceof StreamTimeoutError) {
    return { message: `${err.message.replace(/\.$/, '')}${where}.`, action: 'openSettings', actionLabel: 'Open Settings', detail: err.message };
  }
  if (err instanceof IncompleteStreamError) {
    return { message: `${err.message.replace(/\.$/, '')}${where}.`, action: 'retry', actionLabel: 'Run Again', detail: err.message };
  }
  if (err instanceof APIConnectionTimeoutError) {
    const url = deployment?.baseURL ?? 'the server';
    return { message: `The request to ${url} timed out${where}. Check the server, or raise "timeoutMs".`, action: 'openSettings', actionLabel: 'Open Settings', detail: String(err.stack ?? err) };
  }
  if (err instanceof APIConnectionError) {
    const code = causeCode(err);
    const url = deployment?.baseURL ?? 'the server';
    if (code === undefined && isBrowserNetworkError(err)) {
      return {
        message: `Could not reach ${url}${where}: the browser refused the request or the server did not answer. In VS Code for the Web the server must allow requests from this page's origin${pageOrigin()} (CORS): for Ollama, start it with OLLAMA_ORIGINS set (OLLAMA_ORIGINS="*" ollama serve); other servers need an Access-Control-Allow-Origin header. Is the server running, and is "baseURL" right?`,
        action: 'openSettings', actionLabel: 'Open Settings',
        detail: `${err.message}\n${String((err as { cause?: { stack?: string } }).cause?.stack ?? '')}`,
      };
    }
    const why = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : code === 'ECONNRESET' ? 'the connection was reset' : 'connection failed';
    return {
      message: `Could not reach ${url}${where}: ${why}. Is the server running, and is "baseURL" right?`,
      action: 'openSettings', actionLabel: 'Open Settings',
      detail: `${err.message}${code ? ` (${code})` : ''}\n${String((err as { cause?: { stack?: string } }).cause?.stack ?? '')}`,
    };
  }
  if (err instanceof APIError) {
    const status = err.status;
    const text = serverMessage(err);
    const detail = `HTTP ${status ?? '(in stream)'} type=${String(err.type ?? '')} code=${String(err.code ?? '')} param=${String(err.param ?? '')}: ${text}`;
    const view = (message: string, action?: DescribedError['action'], actionLabel?: string): DescribedError => {
      const out: DescribedError = { message, detail };
      if (action && actionLabel) {
        out.action = action;
        out.actionLabel = actionLabel;
      }
      if (status !== undefined) out.httpStatus = status;
      return out;
    };
    if (status === undefined) return view(`The server reported an error during the stream${where}: ${sentence(text)}`, 'retry', 'Run Again');
    if (err.code === 'content_filter') return view(`The content filter blocked the prompt (${status})${where}: ${sentence(text)} Change the prompt or its inputs.`, 'openPrompt', 'Open Prompt');
    if (status === 401 || status === 403) return view(`The server rejected the API key (${status})${where}: ${sentence(text)} Set a valid key.`, 'setApiKey', 'Set API Key');
    if (status === 404) return view(`Model or deployment not found (404)${where}: ${sentence(text)} Check "model" or "deployment" in the settings.`, 'openSettings', 'Open Settings');
    if (status === 429) return view(`Rate limited (429)${where}: ${sentence(text)} Wait a moment and run again.`, 'retry', 'Run Again');
    if (status >= 500) return view(`The server failed (${status})${where}: ${sentence(text)} Try again later.`, 'retry', 'Run Again');
    return view(`The request was refused (${status})${where}: ${sentence(text)}`, 'showLog', 'Show Log');
  }
  const message = err instanceof Error ? err.message : String(err);
  return { message: `The run failed: ${sentence(message)}`, action: 'showLog', actionLabel: 'Show Log', detail: err instanceof Error ? String(err.stack) : message };
}
