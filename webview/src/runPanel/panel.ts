/**
 * The whole panel: a toolbar with Run Again, an empty state, and the runs, newest on top.
 * Applies host messages (runs and their ratings), posts rating/submit, and keeps the runs in webview state.
 */
import type { HostMessage, RunFinishedParams } from '../../../src/protocol/runPanel';
import { button, h } from '../dom';
import { afterNextPaint } from '../output';
import { RunView, type RunViewHost } from './runView';
import { MAX_RUNS, readRating, type PanelState } from '../state';
import type { VsCodeApi } from '../vscodeApi';

/** While output streams, state is saved at most this often. */
const SAVE_WHILE_STREAMING_MS = 1000;

export class Panel {
  /** Newest first. */
  private runs: RunView[] = [];
  private readonly list: HTMLElement;
  private readonly empty: HTMLElement;
  private readonly runAgain: HTMLElement;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly viewHost: RunViewHost;

  constructor(
    root: HTMLElement,
    private readonly api: VsCodeApi<PanelState>,
    saved: PanelState,
  ) {
    this.viewHost = {
      stop: (runId) => this.api.postMessage({ method: 'run/stop', params: { runId } }),
      errorAction: (action) => this.api.postMessage({ method: 'error/action', params: { action } }),
      changed: () => this.save(),
      changedSoon: () => this.saveSoon(),
      submitRating: (runId, requestId, rating) =>
        this.api.postMessage({ method: 'rating/submit', params: { requestId, runId, rating } }),
      annotate: (runId, kind) => this.api.postMessage({ method: 'annotation/add', params: { runId, kind } }),
      addToTestData: (runId) => this.api.postMessage({ method: 'testData/add', params: { runId } }),
    };
    this.runAgain = button('Run Again', { 'data-testid': 'run-again', title: 'Run this prompt again' }, () =>
      this.api.postMessage({ method: 'run/rerun', params: {} }),
    );
    this.empty = h(
      'p',
      { class: 'empty-state', 'data-testid': 'empty-state' },
      'No runs yet. Open a .prompt.json file and choose Prompt Lab: Run Prompt.',
    );
    this.list = h('div', { class: 'runs', 'data-testid': 'runs' });
    root.replaceChildren(
      h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Run Prompt' }, h('h1', {}, 'Runs'), this.runAgain),
      this.empty,
      this.list,
    );
    for (const stored of saved.runs) {
      const view = new RunView(stored.started, this.viewHost, stored);
      this.runs.push(view);
      this.list.append(view.root);
    }
    this.updateChrome();
  }

  handle(message: HostMessage): void {
    switch (message.method) {
      case 'run/started': {
        if (this.find(message.params.runId)) return;
        for (const run of this.runs) run.setExpanded(false);
        const view = new RunView(message.params, this.viewHost);
        this.runs.unshift(view);
        this.list.prepend(view.root);
        for (const dropped of this.runs.splice(MAX_RUNS)) {
          dropped.dispose();
          dropped.root.remove();
        }
        this.updateChrome();
        this.save();
        return;
      }
      case 'run/responded':
        this.find(message.params.runId)?.responded(message.params.replayOf);
        this.save();
        return;
      case 'run/retrying':
        this.find(message.params.runId)?.retrying(message.params);
        this.save();
        return;
      case 'run/delta':
        this.find(message.params.runId)?.append(message.params.text);
        this.saveSoon();
        return;
      case 'run/finished':
        this.finish(message.params);
        return;
      case 'rating/show':
        this.find(message.params.runId)?.showRating(readRating(message.params.rating) ?? {});
        this.save();
        return;
      case 'annotations/show':
        this.find(message.params.runId)?.showAnnotations(message.params.annotations);
        this.save();
        return;
      case 'rating/saved':
        if (this.find(message.params.runId)?.ratingReply(message.params.requestId, { rating: readRating(message.params.rating) ?? {} })) this.save();
        return;
      case 'rating/failed': {
        const reason = typeof message.params.message === 'string' ? message.params.message : '';
        this.find(message.params.runId)?.ratingReply(message.params.requestId, { message: reason });
        return;
      }
    }
  }

  private finish(params: RunFinishedParams): void {
    const view = this.find(params.runId);
    if (!view || !view.isRunning) return;
    view.finish(params);
    // Confirm once the finished run is on screen (the next frame drawn); then save, which clones the whole output and
    // is not part of what the person waits for.
    afterNextPaint(() => {
      this.api.postMessage({ method: 'run/rendered', params: { runId: view.runId, outputLength: view.shownLength } });
      this.save();
    });
  }

  private find(runId: string): RunView | undefined {
    return this.runs.find((run) => run.runId === runId);
  }

  private updateChrome(): void {
    this.empty.hidden = this.runs.length > 0;
    if (this.runs.length > 0) this.runAgain.removeAttribute('disabled');
    else this.runAgain.setAttribute('disabled', '');
  }

  private saveSoon(): void {
    this.saveTimer ??= setTimeout(() => this.save(), SAVE_WHILE_STREAMING_MS);
  }

  private save(): void {
    if (this.saveTimer !== undefined) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.api.setState({ version: 1, runs: this.runs.map((run) => run.toStored()) });
  }
}
