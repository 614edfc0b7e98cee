/**
 * Entry of the evaluation webview (bundled to dist/webview/evaluation.js, with uPlot's stylesheet bundled to
 * dist/webview/evaluation.css, which media/evaluation.css imports). Listens for host messages (each checked with
 * `isEvaluationHostMessage`, anything else ignored) and then says `ready`.
 */
import 'uplot/dist/uPlot.min.css';
import { isEvaluationHostMessage, type EvaluationWebviewMessage } from '../../../src/protocol/evaluation';
import { h } from '../dom';
import { EvaluationView } from './view';

declare function acquireVsCodeApi(): { postMessage(message: EvaluationWebviewMessage): void };

const api = acquireVsCodeApi();
const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const view = new EvaluationView(root, api);
(globalThis as { __evaluationView?: EvaluationView }).__evaluationView = view;

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isEvaluationHostMessage(event.data)) return;
  try {
    view.handle(event.data);
  } catch (error) {
    console.error('Prompt Lab: could not apply', event.data.method, error);
  }
});

api.postMessage({ method: 'ready', params: {} });
