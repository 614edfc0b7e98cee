/**
 * The one object VS Code gives a webview to talk to its host and to keep state while hidden.
 * `acquireVsCodeApi` may be called only once per page, so this module calls it and shares the result.
 */
import type { WebviewMessage } from '../../src/protocol/runPanel';

export interface VsCodeApi<State> {
  postMessage(message: WebviewMessage): void;
  getState(): State | undefined;
  setState(state: State): State;
}

declare function acquireVsCodeApi<State = unknown>(): VsCodeApi<State>;

export function getVsCodeApi<State>(): VsCodeApi<State> {
  return acquireVsCodeApi<State>();
}
