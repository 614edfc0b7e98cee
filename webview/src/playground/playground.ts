/**
 * The whole Playground view: a toolbar (Load from the active editor, Save as .prompt.json), the editor, Run and
 * Stop, a live region for the run status, and the output columns, one per deployment. Applies host messages,
 * sends requests (each with an id, each answered once), keeps everything in webview state and sends the
 * playground to the host (debounced) for the workspace state and the other page of the playground (side bar or
 * editor). On a run the outputs are scrolled into view: in the side bar they sit below the editor.
 */
import {
  type PlaygroundHostMessage, type PlaygroundState, type PlaygroundWebviewMessage, defaultPlaygroundState,
} from '../../../src/protocol/playground';
import type { RunFinishedParams } from '../../../src/protocol/runPanel';
import { button, h } from '../dom';
import { afterNextPaint } from '../output';
import { type PlaygroundApi, type ViewState, readViewState } from './api';
import { ColumnView } from './column';
import { PlaygroundEditor } from './editor';

/** Wait after typing before the host is asked for the variables. */
const ANALYZE_DEBOUNCE_MS = 150;
/** Wait after an edit before the host stores the playground in the workspace state. */
const PERSIST_DEBOUNCE_MS = 400;
/** While output streams, webview state is saved at most this often. */
const SAVE_WHILE_STREAMING_MS = 1000;

export class Playground {
  private state: PlaygroundState;
  private readonly editor: PlaygroundEditor;
  private columns: ColumnView[] = [];
  private readonly columnBox: HTMLElement;
  private readonly liveStatus: HTMLElement;
  private readonly notice: HTMLElement;
  private readonly runButton: HTMLElement;
  private readonly stopButton: HTMLElement;
  private requestCount = 0;
  private latestAnalyze = '';
  private pendingRun = '';
  private readonly pending = new Map<string, string>();
  private analyzeTimer: ReturnType<typeof setTimeout> | undefined;
  private persistTimer: ReturnType<typeof setTimeout> | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** True when this page was built from its webview state with edits the host never got (they win over the host's copy). */
  private readonly restoredUnsent: boolean;
  /** Edits not yet sent to the host (the persist debounce is pending). */
  private unsent = false;
  /** True once the layout came from this page's webview state (it wins over the host's copy). */
  private readonly restoredUi: boolean;

  constructor(root: HTMLElement, private readonly api: PlaygroundApi) {
    const saved = readViewState(api.getState());
    this.restoredUnsent = saved?.unsent === true;
    this.state = saved?.playground ?? defaultPlaygroundState();
    this.restoredUi = saved?.ui !== undefined;
    this.editor = new PlaygroundEditor(this.state, (analyze) => this.edited(analyze), (messageId) => this.requestAttach(messageId), (text) => this.showNotice(text),
      saved?.ui?.parametersOpen ?? false, (open) => this.layoutChanged(open));
    this.runButton = button('Run', { 'data-testid': 'run', title: 'Run on the picked deployments (Ctrl+Enter)', 'aria-keyshortcuts': 'Control+Enter Meta+Enter' }, () => this.run());
    this.stopButton = button('Stop All', { 'data-testid': 'stop-all', appearance: 'secondary', title: 'Stop every column (Escape)', 'aria-keyshortcuts': 'Escape' }, () => this.stopAll());
    this.liveStatus = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', 'data-testid': 'run-status' });
    this.notice = h('p', { class: 'notice', 'data-testid': 'notice', role: 'alert', hidden: '' });
    this.columnBox = h('div', { class: 'columns', 'data-testid': 'columns', 'aria-label': 'Outputs' });
    root.replaceChildren(h('div', { class: 'playground' },
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Playground' },
        button('Load from Editor', { 'data-testid': 'load', appearance: 'secondary', title: 'Fill the playground from the .prompt.json open in the editor' }, () => this.request('playground/load')),
        button('Save as .prompt.json', { 'data-testid': 'save', appearance: 'secondary', title: 'Save the playground as a prompt file and open it' }, () => this.request('playground/save'))),
      this.notice,
      this.editor.root,
      h('div', { class: 'run-bar' }, this.runButton, this.stopButton),
      this.liveStatus,
      this.columnBox));
    for (const stored of saved?.columns ?? []) this.addColumn(new ColumnView(stored.column, stored.deployment, this.columnHost(), stored));
    this.updateChrome();
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.run();
      } else if (event.key === 'Escape' && this.columns.some((c) => c.isRunning)) {
        event.preventDefault();
        this.stopAll();
      }
    });
    this.analyzeSoon(0);
  }

  handle(message: PlaygroundHostMessage): void {
    switch (message.method) {
      case 'playground/init':
        // The host's copy is the shared playground: it wins over this page's own, which is older when the other page
        // was edited while this one did not exist (after a reload that restored only the editor page), unless this page
        // has edits the host never got.
        if (this.restoredUnsent) this.persistNow();
        else if (message.params.state && JSON.stringify(message.params.state) !== JSON.stringify(this.state)) {
          // The host has it already: shown and kept here, not sent back.
          this.state = message.params.state;
          this.editor.setState(this.state);
          this.analyzeSoon(0);
          this.save();
        }
        if (!this.restoredUi && message.params.ui) this.editor.setParametersOpen(message.params.ui.parametersOpen);
        this.editor.setDeployments(message.params.deployments);
        return;
      case 'playground/synced':
        // The other page's edit: show it, keep it in this page's state, and do not send it back (no echo).
        this.state = message.params.state;
        this.editor.setState(this.state);
        this.analyzeSoon(ANALYZE_DEBOUNCE_MS);
        this.save();
        return;
      case 'playground/deployments':
        this.editor.setDeployments(message.params.deployments);
        return;
      case 'playground/analyzed':
        if (message.params.requestId === this.latestAnalyze) this.editor.setAnalysis(message.params.analysis);
        return;
      case 'playground/loaded':
        if (!this.answered(message.params.requestId)) return;
        this.replaceState(message.params.state);
        this.say(`Loaded ${message.params.state.sourcePath ?? message.params.state.name}.`);
        return;
      case 'playground/saved':
        if (!this.answered(message.params.requestId)) return;
        this.state.sourcePath = message.params.path;
        this.save();
        this.say(`Saved as ${message.params.path}.`);
        return;
      case 'playground/failed': {
        const what = this.answered(message.params.requestId);
        if (what === 'playground/run') this.pendingRun = '';
        if (what && !message.params.cancelled) this.showNotice(message.params.message);
        this.updateChrome();
        return;
      }
      case 'playground/runStarted':
        if (this.answered(message.params.requestId) !== 'playground/run' || message.params.requestId !== this.pendingRun) return;
        this.pendingRun = '';
        this.updateChrome();
        return;
      case 'playground/columns':
        for (const column of this.columns) column.root.remove();
        this.columns = [];
        for (const c of message.params.columns) this.addColumn(new ColumnView(c.column, c.deployment, this.columnHost()));
        this.say(`Running on ${message.params.columns.map((c) => c.deployment).join(', ')}.`);
        this.updateChrome();
        this.save();
        this.showOutputs();
        return;
      case 'playground/runRequested':
        this.run();
        return;
      case 'run/started': {
        const column = this.columns.find((c) => c.column === message.params.column && c.runId === undefined);
        column?.start(message.params);
        this.save();
        return;
      }
      case 'run/responded':
        this.find(message.params.runId)?.responded(message.params.replayOf);
        return;
      case 'run/delta':
        this.find(message.params.runId)?.append(message.params.text);
        this.saveSoon();
        return;
      case 'run/retrying':
        this.find(message.params.runId)?.retrying(message.params.attempt, message.params.maxRetries, message.params.delayMs);
        return;
      case 'run/finished':
        this.finish(message.params);
        return;
      case 'playground/attached':
        if (!this.answered(message.params.requestId)) return;
        this.editor.addAttachment(message.params.messageId, message.params.attachment);
        this.say(`Attached ${message.params.attachment.name}.`);
        return;
      case 'rating/saved':
        if (!this.answered(message.params.requestId)) return;
        this.find(message.params.runId)?.rated(message.params.rating);
        this.save();
        return;
      case 'rating/failed':
        if (!this.answered(message.params.requestId)) return;
        this.find(message.params.runId)?.rated(null, message.params.message);
        return;
    }
  }

  private finish(params: RunFinishedParams): void {
    const column = this.find(params.runId);
    if (!column || !column.isRunning) return;
    column.finish(params);
    this.say(column.summary());
    this.updateChrome();
    // Confirm once the finished column is on screen (the next frame drawn); then save, which clones every output and
    // is not part of what the person waits for.
    afterNextPaint(() => {
      this.api.postMessage({ method: 'run/rendered', params: { runId: params.runId, outputLength: column.shownLength } });
      this.save();
    });
  }

  private run(): void {
    if (this.pendingRun) return;
    this.hideNotice();
    if (this.state.deployments.length === 0) {
      this.showNotice('Pick a deployment to run on.');
      return;
    }
    this.pendingRun = this.request('playground/run');
    this.updateChrome();
  }

  /** Ask the host for a file to attach to message `messageId`. */
  private requestAttach(messageId: string): void {
    const requestId = `r${++this.requestCount}`;
    this.pending.set(requestId, 'playground/attach');
    this.api.postMessage({ method: 'playground/attach', params: { requestId, messageId } });
  }

  private stopAll(): void {
    this.api.postMessage({ method: 'run/stopAll', params: {} });
    this.say('Stopping.');
  }

  /** Sends a request with a new id; the id is kept until its one reply arrives. */
  private request(method: 'playground/load' | 'playground/save' | 'playground/run'): string {
    const requestId = `r${++this.requestCount}`;
    this.pending.set(requestId, method);
    const message: PlaygroundWebviewMessage = method === 'playground/load'
      ? { method, params: { requestId } }
      : { method, params: { requestId, state: structuredClone(this.state) } };
    this.api.postMessage(message);
    return requestId;
  }

  /** The method of the request this reply answers (and forgets it), or undefined for an unknown id. */
  private answered(requestId: string): string | undefined {
    const method = this.pending.get(requestId);
    this.pending.delete(requestId);
    return method;
  }

  private columnHost() {
    return {
      stop: (column: number) => this.api.postMessage({ method: 'run/stop', params: { column } }),
      rate: (runId: string, rating: { thumb?: 'up' | 'down' }) => {
        const requestId = `r${++this.requestCount}`;
        this.pending.set(requestId, 'rating/submit');
        this.api.postMessage({ method: 'rating/submit', params: { requestId, runId, rating } });
      },
      changed: () => this.save(),
    };
  }

  private addColumn(column: ColumnView): void {
    this.columns.push(column);
    this.columnBox.append(column.root);
    this.columnBox.style.setProperty('--columns', String(this.columns.length));
  }

  /** Bring the outputs into view (below the editor in the side bar), without moving the focus from Run. */
  private showOutputs(): void {
    const smooth = !window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    this.columnBox.scrollIntoView({ block: 'start', behavior: smooth ? 'smooth' : 'auto' });
  }

  /** The person opened or closed a section: keep it here and, for the next page, in the host. */
  private layoutChanged(parametersOpen: boolean): void {
    this.save();
    this.api.postMessage({ method: 'playground/ui', params: { ui: { parametersOpen } } });
  }

  private find(runId: string): ColumnView | undefined {
    return this.columns.find((c) => c.runId === runId);
  }

  private replaceState(state: PlaygroundState): void {
    this.state = state;
    this.editor.setState(state);
    this.hideNotice();
    this.edited(true);
  }

  private edited(analyze: boolean): void {
    if (analyze) this.analyzeSoon(ANALYZE_DEBOUNCE_MS);
    this.unsent = true;
    this.save();
    clearTimeout(this.persistTimer);
    this.persistTimer = setTimeout(() => this.persistNow(), PERSIST_DEBOUNCE_MS);
  }

  /** Send the playground to the host now (for the workspace state and the other page). */
  private persistNow(): void {
    clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    this.unsent = false;
    this.api.postMessage({ method: 'playground/state', params: { state: structuredClone(this.state) } });
    this.save();
  }

  /** Edits still waiting out the debounce go now: the page may be closed next (Move Playground to Side Bar, a reload). */
  flushEdits(): void {
    if (this.unsent) this.persistNow();
  }

  private analyzeSoon(delayMs: number): void {
    clearTimeout(this.analyzeTimer);
    this.analyzeTimer = setTimeout(() => {
      this.latestAnalyze = `a${++this.requestCount}`;
      this.api.postMessage({ method: 'playground/analyze', params: {
        requestId: this.latestAnalyze, messages: this.state.messages.map((m) => ({ role: m.role, content: m.content })), parameters: { ...this.state.parameters },
      } });
    }, delayMs);
  }

  private updateChrome(): void {
    if (this.pendingRun) this.runButton.setAttribute('disabled', '');
    else this.runButton.removeAttribute('disabled');
    if (this.columns.some((c) => c.isRunning)) this.stopButton.removeAttribute('disabled');
    else this.stopButton.setAttribute('disabled', '');
  }

  private say(text: string): void {
    this.liveStatus.textContent = text;
  }

  private showNotice(text: string): void {
    this.notice.textContent = text;
    this.notice.hidden = false;
  }

  private hideNotice(): void {
    this.notice.hidden = true;
    this.notice.textContent = '';
  }

  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => this.save(), SAVE_WHILE_STREAMING_MS);
  }

  private save(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    const state: ViewState = { version: 1, playground: this.state, columns: this.columns.map((c) => c.toStored()), ui: { parametersOpen: this.editor.parametersOpen },
      ...(this.unsent ? { unsent: true as const } : {}) };
    this.api.setState(state);
  }
}
