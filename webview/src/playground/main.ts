/**
 * Entry of the Playground webview view (bundled to dist/webview/playground.js). Registers the toolkit
 * components, builds the view from its webview state, listens for host messages (each checked with
 * `isPlaygroundHostMessage`, anything else ignored) and then says `ready`.
 */
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextArea, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { isPlaygroundHostMessage } from '../../../src/protocol/playground';
import { h } from '../dom';
import { getPlaygroundApi } from './api';
import { Playground } from './playground';

provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextArea(), vsCodeTextField());

const api = getPlaygroundApi();
const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const playground = new Playground(root, api);

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (!isPlaygroundHostMessage(event.data)) return;
  try {
    playground.handle(event.data);
  } catch (error) {
    console.error('Prompt Lab playground: could not apply', event.data.method, error);
  }
});

// Focus leaving the page comes before the commands that close it (the palette, the editor tab's title buttons).
window.addEventListener('blur', () => playground.flushEdits());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') playground.flushEdits();
});

api.postMessage({ method: 'ready', params: {} });
