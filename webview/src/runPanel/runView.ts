/**
 * One run in the panel: a header that expands and collapses it (prompt, deployment, variant,
 * provider, model, start time, attempt, status, Stop) and a body (notices, retry countdown, output,
 * error, the finished-run sections of details.ts, metrics, and the rating controls of rating.ts).
 */
import type { ErrorAction, RatingView, RunFinishedParams, RunRetryingParams, RunStartedParams } from '../../../src/protocol/runPanel';
import {
  choicesSection,
  contentFilterNote,
  lengthNote,
  reasoningSection,
  refusalSection,
  structuredSection,
  toolCallsSection,
} from './details';
import { button, formatCost, formatNumber, formatTime, h, text } from '../dom';
import { capMedia, mediaStrip } from '../media';
import { OutputView } from '../output';
import { RatingControls } from './rating';
import { RetryNotice } from './retry';
import { capFinished, capOutput, capStoredRating, MAX_STORED_OUTPUT, type StoredRating, type StoredRun } from '../state';

export type ViewStatus = 'running' | 'ok' | 'error' | 'cancelled';

export interface RunViewHost {
  stop(runId: string): void;
  errorAction(action: ErrorAction): void;
  /** Something worth saving changed (expanded/collapsed). */
  changed(): void;
  /** Something worth saving changed that may change again at once (typing): save a little later. */
  changedSoon(): void;
  submitRating(runId: string, requestId: string, rating: RatingView): void;
  /** Add Note to Run / Set Run Property: the host asks for the text. */
  annotate(runId: string, kind: 'note' | 'property'): void;
  /** Add to Test Data: the host appends this run's inputs as a test data row. */
  addToTestData(runId: string): void;
}

const STATUS_LABEL: Record<ViewStatus, string> = {
  running: 'Running',
  ok: 'Done',
  error: 'Error',
  cancelled: 'Stopped',
};

const ACTION_LABEL: Record<ErrorAction, string> = {
  openSettings: 'Open Settings',
  setApiKey: 'Set API Key',
  showLog: 'Show Log',
  openPrompt: 'Open Prompt',
  retry: 'Retry',
};

let nextId = 0;

/** "attempt 2 of 3", or '' when the run is not a re-ask. */
function attemptLabel(attempt: unknown): string {
  const a = attempt as RunStartedParams['attempt'];
  if (typeof a?.number !== 'number' || typeof a.of !== 'number') return '';
  return `attempt ${a.number} of ${a.of}`;
}

export class RunView {
  readonly root: HTMLElement;
  readonly runId: string;
  private readonly started: RunStartedParams;
  private readonly toggle: HTMLButtonElement;
  private readonly body: HTMLElement;
  private readonly statusBox: HTMLElement;
  private readonly actions: HTMLElement;
  private readonly model: HTMLElement;
  private readonly output: OutputView;
  private readonly notes: HTMLElement;
  private readonly retry: RetryNotice;
  private replayOf: string | null = null;
  private finishedParams: RunFinishedParams | null = null;
  private truncated: boolean;
  /** The rating controls, under a finished output. */
  private rating: RatingControls | null = null;
  /** A rating restored or shown before the controls exist. */
  private ratingStore: StoredRating | undefined;
  /** What the request sent beyond text (null when only text). */
  private readonly media: HTMLElement | null;
  /** Notes and properties, and the buttons that add them. */
  private readonly annotationBox: HTMLElement;
  private annotationValues: Record<string, string> = {};

  constructor(
    started: RunStartedParams,
    private readonly host: RunViewHost,
    restored?: StoredRun,
  ) {
    this.started = started;
    this.runId = started.runId;
    this.truncated = restored?.truncated ?? false;
    this.ratingStore = restored?.rating;
    const id = `run-${++nextId}`;
    const promptName = text(started.promptName) || text(started.promptPath) || 'Prompt';
    const time = formatTime(text(started.startedAt));
    const attempt = attemptLabel(started.attempt);

    this.toggle = h(
      'button',
      {
        class: 'run-toggle',
        id: `${id}-title`,
        'aria-controls': `${id}-body`,
        'aria-expanded': 'true',
        'aria-label': `${promptName}, ${attempt ? `${attempt}, ` : ''}started ${time}`,
        'data-testid': 'run-toggle',
        title: text(started.promptPath),
      },
      h('span', { class: 'run-chevron', 'aria-hidden': 'true' }),
      h('span', { class: 'run-name', 'data-testid': 'run-name' }, promptName),
    );
    this.toggle.addEventListener('click', () => {
      this.setExpanded(!this.expanded);
      this.host.changed();
    });

    this.model = h('span', { 'data-testid': 'run-model' }, text(started.model));
    const details = h(
      'div',
      { class: 'run-details' },
      h('span', { 'data-testid': 'run-deployment', title: 'Deployment' }, text(started.deployment)),
      text(started.variant) ? h('span', { 'data-testid': 'run-variant', title: 'Variant' }, text(started.variant)) : null,
      h('span', { 'data-testid': 'run-provider', title: 'Provider' }, text(started.provider)),
      this.model,
      h('time', { datetime: text(started.startedAt), 'data-testid': 'run-time' }, time),
      attempt ? h('span', { class: 'run-attempt', 'data-testid': 'run-attempt', title: 'Structured output asked again' }, attempt) : null,
    );
    this.statusBox = h('span', { class: 'run-status-box', role: 'status' });
    this.actions = h('span', { class: 'run-actions' });

    this.output = new OutputView(`Output of ${promptName}`, restored?.output ?? '');
    this.notes = h('div', { class: 'run-notes' });
    const notice = text(started.notice);
    if (notice) this.notes.append(h('p', { class: 'run-warning', 'data-testid': 'run-notice', role: 'note' }, notice));
    this.retry = new RetryNotice(this.notes, restored?.retried ?? 0);
    this.body = h('div', { class: 'run-body', id: `${id}-body`, role: 'region', 'aria-labelledby': `${id}-title` });
    this.media = mediaStrip(started.media);
    const rules = Array.isArray(started.requestRules) ? started.requestRules.filter((r) => typeof r === 'string') : [];
    if (rules.length > 0) this.notes.append(h('p', { class: 'run-note', 'data-testid': 'run-rules', role: 'note' }, `Request rules applied: ${rules.join(', ')}.`));
    this.annotationBox = h('section', { class: 'run-annotations', 'data-testid': 'run-annotations', 'aria-label': 'Notes and properties' });
    this.annotationValues = restored?.annotations ?? {};
    this.body.append(this.notes, ...(this.media ? [this.media] : []), this.output.element);

    this.root = h(
      'section',
      { class: 'run', 'data-run-id': started.runId, 'data-status': 'running' },
      h('header', { class: 'run-header' }, this.toggle, this.statusBox, this.actions, details),
      this.body,
    );

    this.setStatus('running');
    if (restored) {
      this.setExpanded(restored.expanded);
      if (restored.replayOf !== null) this.responded(restored.replayOf);
      if (restored.finished) this.finish(restored.finished);
    }
    if (this.truncated) this.showTruncatedNote();
  }

  get expanded(): boolean {
    return this.toggle.getAttribute('aria-expanded') === 'true';
  }

  get isRunning(): boolean {
    return this.finishedParams === null;
  }

  /** Output characters now in the DOM. */
  get shownLength(): number {
    return this.output.shownLength;
  }

  setExpanded(expanded: boolean): void {
    this.toggle.setAttribute('aria-expanded', String(expanded));
    this.body.hidden = !expanded;
    this.root.classList.toggle('collapsed', !expanded);
  }

  responded(replayOf: string | null): void {
    if (typeof replayOf !== 'string' || !replayOf || this.replayOf !== null) return;
    this.replayOf = replayOf;
    this.notes.prepend(
      h(
        'p',
        { class: 'run-replay', 'data-testid': 'run-replay', role: 'note' },
        h('strong', {}, 'Replay:'),
        ` this output is a recorded response (${replayOf}), not an answer to this prompt.`,
      ),
    );
  }

  append(delta: string): void {
    if (!this.isRunning) return;
    if (this.retry.isWaiting) this.retry.settle();
    // A restored, truncated output shows only its beginning; more text would not follow it.
    if (!this.truncated) this.output.append(delta);
  }

  /** The request failed and is sent again after a wait. */
  retrying(params: RunRetryingParams): void {
    if (this.isRunning) this.retry.retrying(params);
  }

  flush(): void {
    this.output.flush();
  }

  /** Stops timers; the run is leaving the panel. */
  dispose(): void {
    this.output.flush();
    this.retry.dispose();
  }

  finish(params: RunFinishedParams): void {
    if (this.finishedParams) return;
    this.output.flush();
    this.finishedParams = params;
    const status: ViewStatus = params.status === 'ok' || params.status === 'error' ? params.status : 'cancelled';
    if (text(params.model)) this.model.textContent = params.model;
    this.setStatus(status);
    if (status === 'error') this.showError(params);
    this.retry.settle(typeof params.retries === 'number' ? params.retries : 0);
    const filter = contentFilterNote(params.contentFilter);
    if (filter) this.notes.append(filter);
    const refusal = refusalSection(params.refusal);
    const toolCalls = toolCallsSection(params.toolCalls);
    // A refusal or tool calls are the answer: no "No output." box for an empty text.
    this.root.classList.toggle('answered-otherwise', refusal !== null || toolCalls !== null);
    const output = structuredSection(params.structured, this.output.element) ?? this.output.element;
    const sections = [
      refusal,
      reasoningSection(params.reasoning),
      output,
      lengthNote(params.finishReason),
      toolCalls,
      choicesSection(params.otherChoices),
    ];
    // Rated: an answer, or an error/stopped run that has output.
    if (status === 'ok' || this.output.text().length > 0) {
      const runId = this.runId;
      this.rating = new RatingControls(
        () => this.output.text(),
        {
          submit: (requestId, rating) => this.host.submitRating(runId, requestId, rating),
          edited: () => this.host.changedSoon(),
        },
        this.ratingStore,
      );
      sections.push(this.metrics(params), this.rating.element);
    } else {
      sections.push(this.metrics(params));
    }
    this.renderAnnotations();
    sections.push(this.annotationBox);
    const lead = [this.notes, ...(this.media ? [this.media] : [])];
    const shown = sections.filter((n): n is HTMLElement => n !== null);
    const at = shown.indexOf(this.output.element);
    if (at >= 0 && this.output.element.parentElement === this.body) {
      // The output stays where it is: taking it out and back would lay all of it out again and lose its scroll.
      for (const node of [...this.body.children]) if (node !== this.output.element) node.remove();
      this.output.element.before(...lead, ...shown.slice(0, at));
      this.output.element.after(...shown.slice(at + 1));
    } else {
      this.body.replaceChildren(...lead, ...shown);
    }
    const expected = params.outputLength;
    if (!this.truncated && typeof expected === 'number' && expected > this.output.shownLength) {
      this.notes.append(
        h(
          'p',
          { class: 'run-note', 'data-testid': 'run-incomplete' },
          `The panel shows ${this.output.shownLength} of ${expected} characters; the full output is in the run log.`,
        ),
      );
    }
  }

  /** `annotations/show`: the run's notes and properties (key → newest value). */
  showAnnotations(annotations: Record<string, string>): void {
    this.annotationValues = Object.fromEntries(Object.entries(annotations).filter(([, v]) => typeof v === 'string'));
    this.renderAnnotations();
  }

  private renderAnnotations(): void {
    const runId = this.runId;
    const entries = Object.entries(this.annotationValues);
    const note = this.annotationValues.note;
    const properties = entries.filter(([k]) => k !== 'note');
    this.annotationBox.replaceChildren(
      ...(note !== undefined ? [h('p', { class: 'run-note-text', 'data-testid': 'run-note' }, h('strong', {}, 'Note: '), note)] : []),
      ...(properties.length > 0 ? [h('dl', { class: 'run-properties', 'data-testid': 'run-properties' }, ...properties.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]))] : []),
      h('div', { class: 'run-annotation-actions' },
        button(note !== undefined ? 'Edit Note' : 'Add Note', { appearance: 'secondary', 'data-testid': 'run-add-note', title: 'Add Note to Run' }, () => this.host.annotate(runId, 'note')),
        button('Set Property…', { appearance: 'secondary', 'data-testid': 'run-set-property', title: 'Set Run Property' }, () => this.host.annotate(runId, 'property')),
        button('Add to Test Data', { appearance: 'secondary', 'data-testid': 'run-add-to-test-data', title: 'Append this run\'s inputs (and its better response as "expected") to the prompt\'s testData' }, () => this.host.addToTestData(runId))),
    );
  }

  /** `rating/show`: the newest rating of this run. */
  showRating(rating: RatingView): void {
    if (this.rating) this.rating.show(rating);
    else this.ratingStore = { saved: rating, draft: rating, editing: rating.betterResponse !== undefined };
  }

  /** The host's reply to a rating/submit of this run; false when the request is not the pending one. */
  ratingReply(requestId: string, result: { rating: RatingView } | { message: string }): boolean {
    return this.rating?.reply(requestId, result) ?? false;
  }

  /** What to keep in webview state. */
  toStored(): StoredRun {
    const capped = capOutput(this.output.text());
    const rating = capStoredRating(this.rating?.toStored() ?? this.ratingStore);
    return {
      ...(rating ? { rating } : {}),
      started: capMedia(this.started),
      ...(Object.keys(this.annotationValues).length > 0 ? { annotations: this.annotationValues } : {}),
      replayOf: this.replayOf,
      output: capped.output,
      truncated: this.truncated || capped.truncated,
      finished: capFinished(this.finishedParams),
      expanded: this.expanded,
      retried: this.retry.retried,
    };
  }

  private setStatus(status: ViewStatus): void {
    this.root.dataset.status = status;
    this.output.element.setAttribute('aria-busy', String(status === 'running'));
    const tag = h('vscode-tag', { class: 'run-status', 'data-testid': 'run-status' }, STATUS_LABEL[status]);
    const ring =
      status === 'running' ? h('vscode-progress-ring', { class: 'run-progress', 'aria-label': 'Running' }) : null;
    this.statusBox.replaceChildren(...[ring, tag].filter((n): n is HTMLElement => n !== null));
    if (status === 'running') {
      const runId = this.runId;
      this.actions.replaceChildren(
        button('Stop', { appearance: 'secondary', 'data-testid': 'run-stop', title: 'Stop this run' }, () =>
          this.host.stop(runId),
        ),
      );
    } else {
      this.actions.replaceChildren();
    }
  }

  private showError(params: RunFinishedParams): void {
    const error = params.error;
    const message = text(error?.message) || 'The run failed.';
    const box = h(
      'div',
      { class: 'run-error', 'data-testid': 'run-error', role: 'alert' },
      h('span', { class: 'run-error-message', 'data-testid': 'run-error-message' }, message),
    );
    if (typeof error?.httpStatus === 'number') {
      box.append(h('span', { class: 'run-error-http' }, `HTTP ${error.httpStatus}`));
    }
    const action = error?.action;
    if (typeof action === 'string' && Object.hasOwn(ACTION_LABEL, action)) {
      const label = text(error?.actionLabel) || ACTION_LABEL[action];
      box.append(button(label, { 'data-testid': 'run-error-action' }, () => this.host.errorAction(action)));
    }
    this.notes.append(box);
  }

  private metrics(params: RunFinishedParams): HTMLElement {
    const usage = params.usage;
    const item = (label: string, testid: string, value: string) =>
      h('div', { class: 'metric' }, h('dt', {}, label), h('dd', { 'data-testid': testid }, value));
    const list = h(
      'dl',
      { class: 'run-metrics', 'data-testid': 'run-metrics', 'aria-label': 'Run metrics' },
      item('Finish reason', 'metric-finish-reason', text(params.finishReason) || '—'),
      item('Prompt tokens', 'metric-prompt-tokens', formatNumber(usage?.promptTokens)),
      item('Completion tokens', 'metric-completion-tokens', formatNumber(usage?.completionTokens)),
      item('Total tokens', 'metric-total-tokens', formatNumber(usage?.totalTokens)),
      item('Time to first token', 'metric-ttft', formatNumber(params.ttftMs, ' ms')),
      item('Latency', 'metric-latency', formatNumber(params.latencyMs, ' ms')),
    );
    if (typeof params.costUsd === 'number') list.append(item('Cost', 'metric-cost', formatCost(params.costUsd)));
    list.append(item('Model', 'metric-model', text(params.model) || text(this.started.model)));
    return list;
  }

  private showTruncatedNote(): void {
    this.notes.append(
      h(
        'p',
        { class: 'run-note', 'data-testid': 'run-truncated' },
        `This view keeps the first ${MAX_STORED_OUTPUT.toLocaleString('en-US')} characters of the output; the full output is in the run log.`,
      ),
    );
  }
}
