/**
 * The messages that cross the boundary between the extension host and the Run Prompt webview.
 * Both sides import this file (the host through src/, the webview bundle through webview/), so a
 * change here is a compile error on whichever side falls behind.
 *
 * Every message is `{ method, params }` with a namespaced method. Host → webview messages are sent
 * only after the webview said `ready`; the host queues them until then.
 */

/** Outcome of a run, as written to the run log (`status`). */
export type RunStatus = 'ok' | 'error' | 'cancelled';

/** Token counts reported by the provider (`usage` of the chat completion), in tokens. */
export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

/** What a person can click next to an error. The host maps each to a command it trusts. */
export type ErrorAction = 'openSettings' | 'setApiKey' | 'showLog' | 'openPrompt' | 'retry';

/** An error as shown to a person: one sentence, an optional action, an optional HTTP status. */
export interface RunErrorView {
  message: string;
  action?: ErrorAction;
  /** Label of the action button, e.g. "Set API Key". */
  actionLabel?: string;
  httpStatus?: number;
}

/** Everything the panel shows when a run starts. */
export interface RunStartedParams {
  runId: string;
  /** Prompt `name`, or the file name. */
  promptName: string;
  /** Workspace-relative path of the prompt file. */
  promptPath: string;
  deployment: string;
  provider: string;
  /** Model requested (may be replaced by the model the server reports when the run ends). */
  model: string;
  /** Base URL the request goes to (never a key). */
  baseURL: string;
  /** ISO 8601, UTC. */
  startedAt: string;
  /** The deployment variant the routing context chose ("default" when none matched). */
  variant?: string;
  /** A warning to show on the run, e.g. that most of the budget is spent. */
  notice?: string;
  /** For a structured output asked again after it failed its schema: this attempt and the most allowed. */
  attempt?: { number: number; of: number };
  /** The images, audio and files the request sent, in order. */
  media?: MediaView[];
  /** Request rules that changed the request, e.g. "max-completion-tokens". */
  requestRules?: string[];
}

/**
 * A media part as the views show it. `dataUri` (a `data:` URI, which the webviews' CSP allows) is there for images and
 * audio up to a size; a URL is only named, never loaded: the webviews fetch nothing from the network.
 */
export interface MediaView {
  kind: 'image' | 'audio' | 'file';
  /** The input it came from. */
  input: string;
  /** Where it came from: the workspace path, the URL, or "inline data". */
  label: string;
  mediaType?: string;
  /** Size in bytes. */
  bytes?: number;
  dataUri?: string;
  /** The https: URL of an image passed to the provider as a URL (shown as text). */
  url?: string;
}

/** The server answered (headers arrived). */
export interface RunRespondedParams {
  runId: string;
  /**
   * Set when the endpoint is Prompt Lab's local replay server: the recorded response it plays back
   * (e.g. "openai/pysdk-stream-text-usage.sse"). The panel then says the output is a replay, not an
   * answer to this prompt. Taken from the `x-prompt-lab-replay` response header.
   */
  replayOf: string | null;
}

/** A batch of output text, in arrival order. Concatenating every delta of a run gives its output. */
export interface RunDeltaParams {
  runId: string;
  text: string;
}

/** A request failed before any output and is sent again after a wait: "retrying in 4 s (2/5)". */
export interface RunRetryingParams {
  runId: string;
  /** Retry number, 1-based. */
  attempt: number;
  maxRetries: number;
  /** Wait before the retry, in ms. */
  delayMs: number;
  /** Why: the error's sentence. */
  reason: string;
}

/** A tool call as the panel shows it: arguments pretty-printed when they are valid JSON, marked otherwise. */
export interface ToolCallView {
  id: string;
  name: string;
  arguments: string;
  valid: boolean;
}

/** The output checked against the prompt's JSON schema (response_format json_schema). */
export interface StructuredView {
  valid: boolean;
  /** The output pretty-printed, when it parses as JSON. */
  formatted?: string;
  /** What does not match: JSON pointer ("" for the root) and sentence. */
  problems: { path: string; message: string }[];
}

/** The end of a run, whatever its outcome. */
export interface RunFinishedParams {
  runId: string;
  status: RunStatus;
  /** Model the server reported in its chunks, else the requested one. */
  model: string;
  finishReason: string | null;
  usage: TokenUsage | null;
  /** Time to first token in ms (first content delta), null when no token arrived. */
  ttftMs: number | null;
  /** Total latency in ms, from the request to the end of the stream. */
  latencyMs: number;
  /** Number of UTF-16 code units of the whole output, so the panel can check it holds all of it. */
  outputLength: number;
  /** Cost of the run in USD, when the deployment carries prices. */
  costUsd?: number;
  error?: RunErrorView;
  /** Reasoning/thinking text, shown apart from the answer. */
  reasoning?: string;
  /** The model's refusal, shown instead of an answer. */
  refusal?: string;
  toolCalls?: ToolCallView[];
  /** Choices other than the first when `n` > 1. */
  otherChoices?: { index: number; output: string; finishReason: string | null }[];
  /** Azure content filter: what was filtered, e.g. "output: hate (high)". */
  contentFilter?: string;
  structured?: StructuredView;
  /** Requests sent again before the answer came. */
  retries?: number;
}

/** A rating as the panel shows and sends it (the log's `rating` event without `event`/`runId`). */
export interface RatingView {
  thumb?: 'up' | 'down';
  /** 0..1 */
  score?: number;
  betterResponse?: string;
  comment?: string;
  /** ISO 8601 UTC, set by the host when saved. */
  at?: string;
}

/** Host → webview. */
export type HostMessage =
  | { method: 'run/started'; params: RunStartedParams }
  | { method: 'run/responded'; params: RunRespondedParams }
  | { method: 'run/delta'; params: RunDeltaParams }
  | { method: 'run/retrying'; params: RunRetryingParams }
  | { method: 'run/finished'; params: RunFinishedParams }
  /** The newest rating of a run (after a save, or when a logged run is reopened). */
  | { method: 'rating/show'; params: { runId: string; rating: RatingView } }
  /** The reply to `rating/submit` with the same `requestId`: saved (with the rating as logged) or not (with why). */
  | { method: 'rating/saved'; params: { requestId: string; runId: string; rating: RatingView } }
  | { method: 'rating/failed'; params: { requestId: string; runId: string; message: string } }
  /** The notes and properties of a run (after one was added, or when a logged run is reopened): key → newest value. */
  | { method: 'annotations/show'; params: { runId: string; annotations: Record<string, string> } };

/** Webview → host. */
export type WebviewMessage =
  | { method: 'ready'; params: Record<string, never> }
  /** The Stop button of a run. */
  | { method: 'run/stop'; params: { runId: string } }
  /** Run the same prompt file again. */
  | { method: 'run/rerun'; params: Record<string, never> }
  /** The panel has applied `run/finished` and shows `outputLength` characters of output. */
  | { method: 'run/rendered'; params: { runId: string; outputLength: number } }
  /** A click on an error's action button. */
  | { method: 'error/action'; params: { action: ErrorAction } }
  /** Rate a finished run; the host appends a rating line to the log and answers rating/saved or rating/failed. */
  | { method: 'rating/submit'; params: { requestId: string; runId: string; rating: RatingView } }
  /** The panel's document gained or lost the keyboard focus (the host's Stop keybinding applies while it has it). */
  | { method: 'panel/focus'; params: { focused: boolean } }
  /** Add Note to Run / Set Run Property on this run: the host asks for the text and answers with annotations/show. */
  | { method: 'annotation/add'; params: { runId: string; kind: 'note' | 'property' } }
  /** Add to Test Data: the host appends the run's inputs (and its better response as `expected`) to the prompt's testData. */
  | { method: 'testData/add'; params: { runId: string } };

const ERROR_ACTIONS: readonly ErrorAction[] = ['openSettings', 'setApiKey', 'showLog', 'openPrompt', 'retry'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Type guard for messages arriving from the webview; anything else is dropped by the host. */
export function isWebviewMessage(value: unknown): value is WebviewMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'ready':
    case 'run/rerun':
      return true;
    case 'run/stop':
      return typeof p.runId === 'string';
    case 'run/rendered':
      return typeof p.runId === 'string' && typeof p.outputLength === 'number';
    case 'error/action':
      return typeof p.action === 'string' && (ERROR_ACTIONS as readonly string[]).includes(p.action);
    case 'rating/submit':
      return typeof p.requestId === 'string' && typeof p.runId === 'string' && isRecord(p.rating);
    case 'panel/focus':
      return typeof p.focused === 'boolean';
    case 'annotation/add':
      return typeof p.runId === 'string' && (p.kind === 'note' || p.kind === 'property');
    case 'testData/add':
      return typeof p.runId === 'string';
    default:
      return false;
  }
}

/** Type guard for messages arriving from the host. */
export function isHostMessage(value: unknown): value is HostMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'run/started':
      return typeof p.runId === 'string' && typeof p.deployment === 'string';
    case 'run/responded':
      return typeof p.runId === 'string';
    case 'run/delta':
      return typeof p.runId === 'string' && typeof p.text === 'string';
    case 'run/retrying':
      return typeof p.runId === 'string' && typeof p.delayMs === 'number';
    case 'run/finished':
      return typeof p.runId === 'string' && typeof p.status === 'string';
    case 'rating/show':
      return typeof p.runId === 'string' && isRecord(p.rating);
    case 'rating/saved':
    case 'rating/failed':
      return typeof p.requestId === 'string' && typeof p.runId === 'string';
    case 'annotations/show':
      return typeof p.runId === 'string' && isRecord(p.annotations);
    default:
      return false;
  }
}
