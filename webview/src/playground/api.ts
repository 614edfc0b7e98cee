/**
 * The playground's side of `acquireVsCodeApi` (callable once per page), typed with the playground's messages,
 * and what it keeps in webview state: the playground itself and its last columns (outputs capped, as the run
 * panel caps them).
 */
import { type PlaygroundState, type PlaygroundUi, type PlaygroundWebviewMessage, isPlaygroundState, isPlaygroundUi } from '../../../src/protocol/playground';
import { isHostMessage, type RatingView, type RunFinishedParams, type RunStartedParams } from '../../../src/protocol/runPanel';

export interface PlaygroundApi {
  postMessage(message: PlaygroundWebviewMessage): void;
  getState(): unknown;
  setState(state: ViewState): ViewState;
}

declare function acquireVsCodeApi(): PlaygroundApi;

export function getPlaygroundApi(): PlaygroundApi {
  return acquireVsCodeApi();
}

/** A column as kept in webview state. */
export interface StoredColumn {
  column: number;
  deployment: string;
  started: RunStartedParams | null;
  replayOf: string | null;
  output: string;
  finished: RunFinishedParams | null;
  rating: RatingView | null;
}

export interface ViewState {
  version: 1;
  playground: PlaygroundState;
  columns: StoredColumn[];
  /** The layout as the person left it (absent in state saved before it existed). */
  ui?: PlaygroundUi;
  /**
   * True while this page has edits the host has not been sent yet (they wait out the persist debounce). A page built
   * again from this state keeps its own playground only then; otherwise the host's copy, which may hold edits made in
   * the other page meanwhile, wins.
   */
  unsent?: boolean;
}

function isStoredColumn(value: unknown): value is StoredColumn {
  if (typeof value !== 'object' || value === null) return false;
  const c = value as Partial<StoredColumn>;
  return typeof c.column === 'number' && typeof c.deployment === 'string' && typeof c.output === 'string' &&
    (c.started === null || isHostMessage({ method: 'run/started', params: c.started })) &&
    (c.finished === null || isHostMessage({ method: 'run/finished', params: c.finished }));
}

/** The state an earlier page of this view saved, or undefined when there is none or it is not ours. */
export function readViewState(saved: unknown): ViewState | undefined {
  if (typeof saved !== 'object' || saved === null) return undefined;
  const s = saved as Partial<ViewState>;
  if (s.version !== 1 || !isPlaygroundState(s.playground)) return undefined;
  return {
    version: 1, playground: s.playground, columns: Array.isArray(s.columns) ? s.columns.filter(isStoredColumn) : [],
    ...(isPlaygroundUi(s.ui) ? { ui: s.ui } : {}),
    ...(s.unsent === true ? { unsent: true } : {}),
  };
}
