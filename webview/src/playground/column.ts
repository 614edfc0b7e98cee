/**
 * One deployment's column of a playground run: header (deployment, model, status, Stop), the streamed output
 * (the run panel's OutputView), metrics (time to first token, latency, tokens, cost), the error if any, and
 * thumbs up/down that post the same rating/submit as the run panel.
 */
import type { RatingView, RunFinishedParams, RunStartedParams } from '../../../src/protocol/runPanel';
import { button, formatCost, formatNumber, h, text } from '../dom';
import { OutputView } from '../output';
import { capMedia, mediaStrip } from '../media';
import { capOutput } from '../state';
import type { StoredColumn } from './api';

export type ColumnStatus = 'waiting' | 'running' | 'ok' | 'error' | 'cancelled';

export interface ColumnHost {
  stop(column: number): void;
  rate(runId: string, rating: RatingView): void;
  /** Something worth saving changed. */
  changed(): void;
}

const STATUS_LABEL: Record<ColumnStatus, string> = { waiting: 'Waiting', running: 'Running', ok: 'Done', error: 'Error', cancelled: 'Stopped' };

export class ColumnView {
  readonly root: HTMLElement;
  runId: string | undefined;
  private status: ColumnStatus = 'waiting';
  private started: RunStartedParams | null = null;
  private finished: RunFinishedParams | null = null;
  private replayOf: string | null = null;
  private rating: RatingView | null = null;
  private readonly statusBox: HTMLElement;
  private readonly model: HTMLElement;
  private readonly stopButton: HTMLElement;
  private readonly output: OutputView;
  private readonly metrics: HTMLElement;
  private readonly notes: HTMLElement;
  private readonly ratingBox: HTMLElement;
  private readonly ratingStatus: HTMLElement;

  constructor(readonly column: number, readonly deployment: string, private readonly host: ColumnHost, restored?: StoredColumn) {
    this.model = h('span', { class: 'column-model', 'data-testid': 'column-model' });
    this.statusBox = h('span', { class: 'column-status', 'data-testid': 'column-status' });
    this.stopButton = button('Stop', { 'data-testid': 'column-stop', appearance: 'secondary', title: `Stop the run on ${deployment}` }, () => this.host.stop(this.column));
    this.stopButton.setAttribute('aria-label', `Stop ${deployment}`);
    this.output = new OutputView(`Output of ${deployment}`, restored?.output ?? '');
    this.metrics = h('dl', { class: 'column-metrics', 'data-testid': 'column-metrics' });
    this.notes = h('div', { class: 'column-notes' });
    const up = button('Good', { 'data-testid': 'rate-up', title: 'Good answer', 'aria-pressed': 'false', appearance: 'secondary' }, () => this.rate('up'));
    up.setAttribute('aria-label', `Rate the ${deployment} output good`);
    const down = button('Bad', { 'data-testid': 'rate-down', title: 'Bad answer', 'aria-pressed': 'false', appearance: 'secondary' }, () => this.rate('down'));
    down.setAttribute('aria-label', `Rate the ${deployment} output bad`);
    this.ratingStatus = h('span', { class: 'column-rating-status', 'data-testid': 'rating-status', role: 'status' });
    this.ratingBox = h('div', { class: 'column-rating', role: 'group', 'aria-label': `Rate ${deployment}` }, up, down, this.ratingStatus);
    this.root = h(
      'section',
      { class: 'column', 'data-testid': 'column', 'data-column': String(column), 'data-deployment': deployment, 'aria-label': `Output of ${deployment}` },
      h('header', { class: 'column-header' }, h('h3', { class: 'column-deployment' }, deployment), this.model, this.statusBox, this.stopButton),
      this.notes,
      this.output.element,
      this.metrics,
      this.ratingBox,
    );
    if (restored) {
      if (restored.started) this.start(restored.started);
      this.replayOf = restored.replayOf;
      this.rating = restored.rating;
      if (restored.finished) this.finish(restored.finished);
      // A run that was streaming when the page went away is gone with it.
      else if (restored.started) this.finish({ runId: restored.started.runId, status: 'cancelled', model: restored.started.model, finishReason: null, usage: null, ttftMs: null, latencyMs: 0, outputLength: restored.output.length, error: { message: 'Interrupted: the view was reloaded.' } });
    }
    this.render();
  }

  get isRunning(): boolean {
    return this.status === 'running' || this.status === 'waiting';
  }

  get shownLength(): number {
    return this.output.shownLength;
  }

  start(params: RunStartedParams): void {
    this.started = params;
    this.runId = params.runId;
    this.status = 'running';
    this.root.setAttribute('data-run-id', params.runId);
    this.model.textContent = text(params.model);
    if (text(params.notice)) this.notes.append(h('p', { class: 'column-warning', role: 'note' }, text(params.notice)));
    // What the request sent beyond text: thumbnails, players, file names.
    const media = mediaStrip(params.media);
    if (media) this.notes.append(media);
    this.render();
  }

  responded(replayOf: string | null): void {
    this.replayOf = replayOf;
    if (replayOf) this.notes.append(h('p', { class: 'column-replay', 'data-testid': 'column-replay' }, `Replay of ${replayOf}, not an answer to this prompt.`));
  }

  append(delta: string): void {
    this.output.append(delta);
  }

  retrying(attempt: number, maxRetries: number, delayMs: number): void {
    this.statusBox.textContent = `Retrying in ${Math.ceil(delayMs / 1000)} s (${attempt}/${maxRetries})`;
  }

  finish(params: RunFinishedParams): void {
    this.output.flush();
    this.finished = params;
    this.status = params.status === 'ok' || params.status === 'error' || params.status === 'cancelled' ? params.status : 'error';
    if (text(params.model)) this.model.textContent = text(params.model);
    if (params.error?.message) this.notes.append(h('p', { class: 'column-error', role: 'alert', 'data-testid': 'column-error' }, text(params.error.message)));
    this.render();
  }

  /** A rating was saved (or failed to be). */
  rated(rating: RatingView | null, failure?: string): void {
    if (rating) this.rating = rating;
    this.ratingStatus.textContent = failure ? `Not saved: ${failure}` : rating ? 'Rating saved.' : '';
    this.render();
  }

  private rate(thumb: 'up' | 'down'): void {
    if (!this.runId || this.isRunning) return;
    this.ratingStatus.textContent = 'Saving…';
    this.host.rate(this.runId, { thumb });
  }

  private render(): void {
    this.root.setAttribute('data-status', this.status);
    this.statusBox.textContent = STATUS_LABEL[this.status];
    this.output.element.setAttribute('aria-busy', String(this.isRunning));
    if (this.isRunning) this.stopButton.removeAttribute('disabled');
    else this.stopButton.setAttribute('disabled', '');
    const canRate = !this.isRunning && this.runId !== undefined && this.finished?.status !== undefined && this.started?.provider !== '—';
    this.ratingBox.hidden = !canRate;
    for (const b of this.ratingBox.querySelectorAll('vscode-button')) {
      const thumb = b.getAttribute('data-testid') === 'rate-up' ? 'up' : 'down';
      b.setAttribute('aria-pressed', String(this.rating?.thumb === thumb));
    }
    const f = this.finished;
    const metric = (id: string, label: string, value: string) => [h('dt', {}, label), h('dd', { 'data-testid': id }, value)];
    this.metrics.replaceChildren(...(f ? [
      ...metric('metric-ttft', 'First token', formatNumber(f.ttftMs, ' ms')),
      ...metric('metric-latency', 'Latency', formatNumber(f.latencyMs, ' ms')),
      ...metric('metric-tokens', 'Tokens', f.usage ? `${f.usage.promptTokens} in, ${f.usage.completionTokens} out` : '—'),
      ...metric('metric-cost', 'Cost', formatCost(f.costUsd)),
    ] : []));
  }

  toStored(): StoredColumn {
    return {
      column: this.column, deployment: this.deployment, started: this.started && capMedia(this.started), replayOf: this.replayOf,
      output: capOutput(this.output.text()).output, finished: this.finished, rating: this.rating,
    };
  }

  /** A line for the live region when the run ends. */
  summary(): string {
    const f = this.finished;
    if (!f) return `${this.deployment}: ${STATUS_LABEL[this.status]}`;
    if (f.status === 'ok') return `${this.deployment} finished in ${formatNumber(f.latencyMs, ' ms')}${f.usage ? `, ${f.usage.completionTokens} tokens` : ''}.`;
    if (f.status === 'cancelled') return `${this.deployment} stopped.`;
    return `${this.deployment} failed: ${text(f.error?.message)}`;
  }

  dispose(): void {
    this.output.flush();
  }
}
