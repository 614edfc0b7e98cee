/**
 * The messages between the extension host and the Playground webview view (webview/src/playground/),
 * imported by both sides. Same shape as src/protocol/runPanel.ts: `{ method, params }`, namespaced methods, a type
 * guard for each direction. Requests carry a `requestId` and get exactly one reply with the same id.
 * Run events reuse the Run Prompt panel's parameter types, with the column they belong to.
 */
import type { ErrorAction, RatingView, RunFinishedParams, RunRetryingParams, RunStartedParams } from './runPanel';

/** Roles a playground message can have (a chat_history slot of a loaded file becomes a note). */
export const PLAYGROUND_ROLES = ['system', 'user', 'assistant'] as const;
export type PlaygroundRole = (typeof PLAYGROUND_ROLES)[number];

/** Most deployments run side by side. */
export const MAX_PLAYGROUND_DEPLOYMENTS = 4;

/** Parameters the playground edits, as typed (empty: not sent). */
export const PLAYGROUND_PARAMETERS = ['temperature', 'max_tokens', 'top_p', 'stop', 'seed'] as const;
export type PlaygroundParameter = (typeof PLAYGROUND_PARAMETERS)[number];

export interface PlaygroundMessage {
  /** Stable id in the view (for focus and reordering); not saved to a prompt file. */
  id: string;
  role: PlaygroundRole;
  /** A Nunjucks template. */
  content: string;
  /** Images, audio and PDF files sent with a user message, after its text (absent: none). */
  attachments?: PlaygroundAttachment[];
}

/** Kinds of media a playground message can carry (the prompt format's media parts). */
export const ATTACHMENT_KINDS = ['image', 'audio', 'file'] as const;

/**
 * Media attached to a playground message: a workspace-relative path (a file picked inside the workspace) or a `data:`
 * URI (pasted, or picked outside the workspace). It becomes an input of its kind and a part of the message.
 */
export interface PlaygroundAttachment {
  /** Stable id in the view. */
  id: string;
  kind: (typeof ATTACHMENT_KINDS)[number];
  /** What the person sees: the file name, or "pasted image". */
  name: string;
  /** The input's value: a workspace-relative path or a data: URI. */
  value: string;
  /** A data: URI of the image for the thumbnail, when it is small enough (view only). */
  preview?: string;
}

/** Largest attachment the playground takes, in bytes (OpenAI's largest media limit, for a PDF). */
export const MAX_ATTACHMENT_BYTES = 32 * 1024 * 1024;

/** Everything the playground holds; kept in webview state and in the workspace state. */
export interface PlaygroundState {
  version: 1;
  /** Prompt name, from a loaded file or the default. */
  name: string;
  messages: PlaygroundMessage[];
  /**
   * Variable name → value as typed. A value that parses as a JSON object or array is sent as that value,
   * anything else as the text.
   */
  values: Record<string, string>;
  parameters: Partial<Record<PlaygroundParameter, string>>;
  /** Deployment keys picked, at most MAX_PLAYGROUND_DEPLOYMENTS. */
  deployments: string[];
  /** Workspace-relative path of the loaded prompt file; runs are logged under it (else under "playground"). */
  sourcePath?: string;
  /** Things a loaded file had that the playground does not edit, e.g. a chat_history slot. */
  notes: string[];
}

/** A new playground: a system message and an empty user message. */
export function defaultPlaygroundState(): PlaygroundState {
  return {
    version: 1,
    name: 'Playground',
    messages: [
      { id: 'm1', role: 'system', content: 'You are a helpful assistant.' },
      { id: 'm2', role: 'user', content: '' },
    ],
    values: {},
    parameters: {},
    deployments: [],
    notes: [],
  };
}

/** How the person left the playground's layout: kept for the next page, shared by the side bar and the editor. */
export interface PlaygroundUi {
  /** The Parameters section is open (it starts closed, so the outputs stay in sight). */
  parametersOpen: boolean;
}

/** Type guard for a PlaygroundUi. */
export function isPlaygroundUi(value: unknown): value is PlaygroundUi {
  return isRecord(value) && typeof value.parametersOpen === 'boolean';
}

/** What the host works out from the messages and parameters as they are typed. */
export interface PlaygroundAnalysis {
  /** Variables the templates read, in order of first use. */
  variables: string[];
  /** Template syntax errors, by message index. */
  templateErrors: { index: number; message: string }[];
  /** Parameter → why its value is not valid. */
  parameterProblems: Partial<Record<PlaygroundParameter, string>>;
}

/** Which deployment a column runs. */
export interface PlaygroundColumn {
  column: number;
  deployment: string;
}

/** Host → webview. */
export type PlaygroundHostMessage =
  /**
   * After `ready`: the saved state and layout (workspace state; the webview's own state wins) and the deployment keys.
   */
  | { method: 'playground/init'; params: { state: PlaygroundState | null; deployments: string[]; ui?: PlaygroundUi } }
  /**
   * The other page of the playground (the side bar's or the editor's) changed the playground: show `state`, and do not
   * send it back.
   */
  | { method: 'playground/synced'; params: { state: PlaygroundState } }
  /** The promptLab.deployments keys changed. */
  | { method: 'playground/deployments'; params: { deployments: string[] } }
  | { method: 'playground/analyzed'; params: { requestId: string; analysis: PlaygroundAnalysis } }
  | { method: 'playground/loaded'; params: { requestId: string; state: PlaygroundState } }
  | { method: 'playground/saved'; params: { requestId: string; path: string } }
  | { method: 'playground/runStarted'; params: { requestId: string; columns: PlaygroundColumn[] } }
  /** A run begins on these columns (sent before their run/started, whoever asked for the run). */
  | { method: 'playground/columns'; params: { columns: PlaygroundColumn[] } }
  /** The reply to load, save or run when it did not happen (`cancelled`: the person closed a dialog). */
  | { method: 'playground/failed'; params: { requestId: string; message: string; cancelled?: boolean } }
  /** Run the playground (the host's own command, e.g. a keybinding outside the view). */
  | { method: 'playground/runRequested'; params: Record<string, never> }
  | { method: 'run/started'; params: RunStartedParams & { column: number } }
  | { method: 'run/responded'; params: { runId: string; replayOf: string | null } }
  | { method: 'run/delta'; params: { runId: string; text: string } }
  | { method: 'run/retrying'; params: RunRetryingParams }
  | { method: 'run/finished'; params: RunFinishedParams }
  | { method: 'rating/saved'; params: { requestId: string; runId: string; rating: RatingView } }
  | { method: 'rating/failed'; params: { requestId: string; runId: string; message: string } }
  /** The reply to playground/attach: the file picked, as an attachment of message `messageId`. */
  | { method: 'playground/attached'; params: { requestId: string; messageId: string; attachment: PlaygroundAttachment } };

/** Webview → host. */
export type PlaygroundWebviewMessage =
  | { method: 'ready'; params: Record<string, never> }
  /** Keep this state (debounced by the webview) for the next window. */
  | { method: 'playground/state'; params: { state: PlaygroundState } }
  /** The variables and problems of these messages and parameters; answered by playground/analyzed. */
  | { method: 'playground/analyze'; params: { requestId: string; messages: { role: string; content: string }[]; parameters: PlaygroundState['parameters'] } }
  /** Fill from the active editor's .prompt.json; answered by playground/loaded or playground/failed. */
  | { method: 'playground/load'; params: { requestId: string } }
  /** Save as a .prompt.json through a save dialog, then open it; answered by playground/saved or playground/failed. */
  | { method: 'playground/save'; params: { requestId: string; state: PlaygroundState } }
  /** Run on every picked deployment at once; answered by playground/runStarted or playground/failed. */
  | { method: 'playground/run'; params: { requestId: string; state: PlaygroundState } }
  /** Stop one column's run. */
  | { method: 'run/stop'; params: { column: number } }
  /** Stop every running column. */
  | { method: 'run/stopAll'; params: Record<string, never> }
  /** The column has applied run/finished and shows `outputLength` characters. */
  | { method: 'run/rendered'; params: { runId: string; outputLength: number } }
  | { method: 'error/action'; params: { action: ErrorAction; deployment: string } }
  | { method: 'rating/submit'; params: { requestId: string; runId: string; rating: RatingView } }
  /** Pick a file to attach to message `messageId`; answered by playground/attached or playground/failed. */
  | { method: 'playground/attach'; params: { requestId: string; messageId: string } }
  /** The person changed the layout (opened or closed Parameters): keep it for the next page. */
  | { method: 'playground/ui'; params: { ui: PlaygroundUi } };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isRecord(value) && Object.values(value).every((v) => typeof v === 'string');
}

/** Type guard for a playground state, from a message, the webview state or the workspace state. */
export function isPlaygroundState(value: unknown): value is PlaygroundState {
  if (!isRecord(value) || value.version !== 1 || typeof value.name !== 'string') return false;
  return (
    Array.isArray(value.messages) &&
    value.messages.every((m) => isRecord(m) && typeof m.id === 'string' && typeof m.content === 'string' && (PLAYGROUND_ROLES as readonly unknown[]).includes(m.role)
      && (m.attachments === undefined || (Array.isArray(m.attachments) && m.attachments.every(isAttachment)))) &&
    isStringRecord(value.values) &&
    isStringRecord(value.parameters) &&
    Array.isArray(value.deployments) && value.deployments.every((d) => typeof d === 'string') &&
    (value.sourcePath === undefined || typeof value.sourcePath === 'string') &&
    Array.isArray(value.notes) && value.notes.every((n) => typeof n === 'string')
  );
}

/** Type guard for an attachment. */
export function isAttachment(value: unknown): value is PlaygroundAttachment {
  return isRecord(value) && typeof value.id === 'string' && typeof value.name === 'string' && typeof value.value === 'string'
    && (ATTACHMENT_KINDS as readonly unknown[]).includes(value.kind) && (value.preview === undefined || typeof value.preview === 'string');
}

/** Type guard for messages arriving from the playground webview; anything else is dropped. */
export function isPlaygroundWebviewMessage(value: unknown): value is PlaygroundWebviewMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'ready':
    case 'run/stopAll':
      return true;
    case 'playground/state':
      return isPlaygroundState(p.state);
    case 'playground/analyze':
      return typeof p.requestId === 'string' && Array.isArray(p.messages) && isStringRecord(p.parameters) &&
        p.messages.every((m) => isRecord(m) && typeof m.role === 'string' && typeof m.content === 'string');
    case 'playground/load':
      return typeof p.requestId === 'string';
    case 'playground/save':
    case 'playground/run':
      return typeof p.requestId === 'string' && isPlaygroundState(p.state);
    case 'run/stop':
      return typeof p.column === 'number';
    case 'run/rendered':
      return typeof p.runId === 'string' && typeof p.outputLength === 'number';
    case 'error/action':
      return typeof p.action === 'string' && typeof p.deployment === 'string';
    case 'rating/submit':
      return typeof p.requestId === 'string' && typeof p.runId === 'string' && isRecord(p.rating);
    case 'playground/attach':
      return typeof p.requestId === 'string' && typeof p.messageId === 'string';
    case 'playground/ui':
      return isPlaygroundUi(p.ui);
    default:
      return false;
  }
}

/** Type guard for messages arriving from the host. */
export function isPlaygroundHostMessage(value: unknown): value is PlaygroundHostMessage {
  if (!isRecord(value) || typeof value.method !== 'string' || !isRecord(value.params)) return false;
  const p = value.params;
  switch (value.method) {
    case 'playground/init':
      return (p.state === null || isPlaygroundState(p.state)) && Array.isArray(p.deployments) && (p.ui === undefined || isPlaygroundUi(p.ui));
    case 'playground/synced':
      return isPlaygroundState(p.state);
    case 'playground/deployments':
      return Array.isArray(p.deployments);
    case 'playground/analyzed':
      return typeof p.requestId === 'string' && isRecord(p.analysis) && Array.isArray(p.analysis.variables);
    case 'playground/loaded':
      return typeof p.requestId === 'string' && isPlaygroundState(p.state);
    case 'playground/saved':
      return typeof p.requestId === 'string' && typeof p.path === 'string';
    case 'playground/runStarted':
      return typeof p.requestId === 'string' && Array.isArray(p.columns);
    case 'playground/columns':
      return Array.isArray(p.columns);
    case 'playground/failed':
      return typeof p.requestId === 'string' && typeof p.message === 'string';
    case 'playground/runRequested':
      return true;
    case 'run/started':
      return typeof p.runId === 'string' && typeof p.column === 'number' && typeof p.deployment === 'string';
    case 'run/responded':
    case 'run/delta':
    case 'run/retrying':
    case 'run/finished':
      return typeof p.runId === 'string';
    case 'rating/saved':
    case 'rating/failed':
      return typeof p.requestId === 'string' && typeof p.runId === 'string';
    case 'playground/attached':
      return typeof p.requestId === 'string' && typeof p.messageId === 'string' && isAttachment(p.attachment);
    default:
      return false;
  }
}
