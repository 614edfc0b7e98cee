/**
 * Entry of the Run Prompt webview (bundled to dist/webview/runPanel.js). Registers the toolkit
 * components, restores the runs kept in webview state, listens for host messages (each checked
 * with `isHostMessage`, anything else ignored) and then says `ready`.
 */
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeProgressRing,
  vsCodeTag,
} from '@vscode/webview-ui-toolkit';
import { isHostMessage } from '../../../src/protocol/runPanel';
import { h } from '../dom';
import { Panel } from './panel';
import { readState, type PanelState } from '../state';
import { getVsCodeApi } from '../vscodeApi';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeProgressRing(), vsCodeTag());

const api = getVsCodeApi<PanelState>();
const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const panel = new Panel(root, api, readState(api.getState()));

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isHostMessage(event.data)) return;
  try {
    panel.handle(event.data);
  } catch (error) {
    console.error('Prompt Lab: could not apply', event.data.method, error);
  }
});

api.postMessage({ method: 'ready', params: {} });

// The host's Stop keybinding (Escape) applies only while this panel has the keyboard focus.
window.addEventListener('focus', () => api.postMessage({ method: 'panel/focus', params: { focused: true } }));
window.addEventListener('blur', () => api.postMessage({ method: 'panel/focus', params: { focused: false } }));
