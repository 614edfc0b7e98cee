/**
 * Rating a finished output where it appears: thumbs up/down (saved at once), a 0–1 score, a comment
 * and a "better response" (the output, edited), saved with "Save rating". Every save sends the whole
 * rating the controls show (the host logs each as its own line; the newest wins). One request at a
 * time: the controls are disabled until the host answers rating/saved or rating/failed with the same
 * requestId. The thumbs and the status show what was saved; the other controls are the draft.
 */
import type { RatingView } from '../../../src/protocol/runPanel';
import { formatTime, h } from '../dom';
import type { StoredRating } from '../state';

export interface RatingHost {
  submit(requestId: string, rating: RatingView): void;
  /** The draft changed (typing, the slider): keep it in state soon. */
  edited(): void;
}

type Thumb = NonNullable<RatingView['thumb']>;

const SVG_NS = 'http://www.w3.org/2000/svg';
/** A thumb, outlined (16×16); thumbs down is the same shape flipped by CSS. */
const THUMB_PATH =
  'M1.5 7.5h3v7h-3zM4.5 7.5 7.2 2.4c.8-.7 2.2-.1 2.1 1.1L8.9 6H13a1.5 1.5 0 0 1 1.46 1.84l-1.2 5.4A1.6 1.6 0 0 1 11.7 14.5H4.5z';

let nextId = 0;

function thumbIcon(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  for (const [name, value] of Object.entries({ viewBox: '0 0 16 16', width: '16', height: '16', 'aria-hidden': 'true', focusable: 'false', class: 'rating-icon' })) {
    svg.setAttribute(name, value);
  }
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', THUMB_PATH);
  svg.append(path);
  return svg;
}

function sameRating(a: RatingView, b: RatingView): boolean {
  return a.thumb === b.thumb && a.score === b.score && a.comment === b.comment && a.betterResponse === b.betterResponse;
}

export class RatingControls {
  readonly element: HTMLElement;
  private thumb: Thumb | undefined;
  private scoreSet = false;
  private saved: RatingView | null = null;
  private pending: { requestId: string; focus: HTMLElement | null } | null = null;
  private readonly up: HTMLButtonElement;
  private readonly down: HTMLButtonElement;
  private readonly score: HTMLInputElement;
  private readonly scoreValue: HTMLElement;
  private readonly betterToggle: HTMLButtonElement;
  private readonly betterBox: HTMLElement;
  private readonly betterText: HTMLTextAreaElement;
  private readonly comment: HTMLTextAreaElement;
  private readonly save: HTMLButtonElement;
  private readonly status: HTMLElement;

  /** `output` gives the run's output text (to prefill the better response). */
  constructor(
    private readonly output: () => string,
    private readonly host: RatingHost,
    stored?: StoredRating,
  ) {
    const id = `rating-${++nextId}`;
    this.up = this.thumbButton('up', 'Thumbs up');
    this.down = this.thumbButton('down', 'Thumbs down');
    this.score = h('input', {
      type: 'range',
      min: '0',
      max: '1',
      step: '0.1',
      value: '0.5',
      id: `${id}-score`,
      class: 'rating-score-input',
      'aria-label': 'Score',
      'data-testid': 'rate-score',
    });
    this.scoreValue = h('span', { class: 'rating-score-value', 'data-testid': 'rate-score-value', 'aria-hidden': 'true' });
    const scoreChanged = () => {
      this.scoreSet = true;
      this.showScore();
      this.edited();
    };
    this.score.addEventListener('input', scoreChanged);
    this.score.addEventListener('change', scoreChanged);

    this.betterText = h('textarea', {
      id: `${id}-better`,
      class: 'rating-text rating-better-text',
      rows: '8',
      'aria-label': 'Better response',
      'data-testid': 'rate-better-text',
    });
    this.betterBox = h(
      'div',
      { class: 'rating-field', id: `${id}-better-box`, hidden: '' },
      h('label', { for: `${id}-better` }, 'Better response'),
      this.betterText,
    );
    this.betterToggle = h(
      'button',
      {
        type: 'button',
        class: 'rating-button',
        'aria-expanded': 'false',
        'aria-controls': `${id}-better-box`,
        'data-testid': 'rate-better',
        title: 'Edit the output into the response you wanted',
      },
      'Better response',
    );
    this.betterToggle.addEventListener('click', () => {
      this.setEditing(!this.editing);
      if (this.editing) this.betterText.focus();
      this.edited();
    });

    this.comment = h('textarea', {
      id: `${id}-comment`,
      class: 'rating-text',
      rows: '2',
      placeholder: 'Optional',
      'aria-label': 'Comment',
      'data-testid': 'rate-comment',
    });
    for (const area of [this.betterText, this.comment]) {
      area.addEventListener('input', () => this.edited());
      area.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
          event.preventDefault();
          this.submit(this.current());
        }
      });
    }

    this.save = h(
      'button',
      { type: 'button', class: 'rating-button primary', 'data-testid': 'rate-save', title: 'Save the thumb, score, comment and better response' },
      'Save rating',
    );
    this.save.addEventListener('click', () => this.submit(this.current()));
    this.status = h('p', { class: 'rating-status', role: 'status', 'aria-live': 'polite', 'data-testid': 'rating-status' });

    this.element = h(
      'section',
      { class: 'run-rating', 'data-testid': 'run-rating', 'aria-label': 'Rate this output' },
      h(
        'div',
        { class: 'rating-bar' },
        h('span', { class: 'rating-thumbs', role: 'group', 'aria-label': 'Thumb' }, this.up, this.down),
        h('span', { class: 'rating-score' }, h('label', { for: `${id}-score` }, 'Score'), this.score, this.scoreValue),
        this.betterToggle,
      ),
      this.betterBox,
      h('div', { class: 'rating-field' }, h('label', { for: `${id}-comment` }, 'Comment'), this.comment),
      h('div', { class: 'rating-actions' }, this.save, this.status),
    );

    this.saved = stored?.saved ?? null;
    this.setControls(stored?.draft ?? {}, stored?.editing ?? false);
    this.refreshStatus();
  }

  private get editing(): boolean {
    return !this.betterBox.hidden;
  }

  /** The rating the controls show, as it would be sent: only the fields that are set. */
  current(): RatingView {
    const rating: RatingView = {};
    if (this.thumb) rating.thumb = this.thumb;
    if (this.scoreSet) rating.score = Number(this.score.value);
    const better = this.betterText.value;
    if (this.editing && better.trim() && better !== this.output()) rating.betterResponse = better;
    if (this.comment.value.trim()) rating.comment = this.comment.value;
    return rating;
  }

  /** The newest rating of the run, from the host (a reopened run, or rated from the command palette). */
  show(rating: RatingView): void {
    this.saved = rating;
    this.setControls(rating, false);
    if (!this.pending) this.refreshStatus();
  }

  /** The host's reply to a request: true when it was this run's pending one. */
  reply(requestId: string, result: { rating: RatingView } | { message: string }): boolean {
    const pending = this.pending;
    if (!pending || pending.requestId !== requestId) return false;
    this.pending = null;
    this.setDisabled(false);
    if ('rating' in result) {
      this.saved = result.rating;
      this.setControls(result.rating, this.editing);
      this.refreshStatus();
    } else {
      this.setStatus(result.message || 'The rating was not saved.', 'failed');
    }
    const active = document.activeElement;
    if (pending.focus?.isConnected && (active === null || active === document.body)) pending.focus.focus();
    return true;
  }

  toStored(): StoredRating {
    return { saved: this.saved, draft: this.current(), editing: this.editing };
  }

  private thumbButton(thumb: Thumb, label: string): HTMLButtonElement {
    const element = h(
      'button',
      {
        type: 'button',
        class: 'rating-thumb',
        'data-thumb': thumb,
        'aria-label': label,
        'aria-pressed': 'false',
        'data-testid': thumb === 'up' ? 'rate-up' : 'rate-down',
        title: label,
      },
      thumbIcon(),
    );
    element.addEventListener('click', () => {
      const rating = this.current();
      if (this.thumb === thumb) delete rating.thumb;
      else rating.thumb = thumb;
      this.submit(rating);
    });
    return element;
  }

  private submit(rating: RatingView): void {
    if (this.pending) return;
    const active = document.activeElement;
    const focus = active instanceof HTMLElement && this.element.contains(active) ? active : null;
    this.pending = { requestId: crypto.randomUUID(), focus };
    this.setDisabled(true);
    this.setStatus('Saving…', 'saving');
    this.host.submit(this.pending.requestId, rating);
  }

  private setControls(rating: RatingView, editing: boolean): void {
    this.thumb = rating.thumb;
    this.up.setAttribute('aria-pressed', String(rating.thumb === 'up'));
    this.down.setAttribute('aria-pressed', String(rating.thumb === 'down'));
    this.scoreSet = typeof rating.score === 'number';
    this.score.value = String(rating.score ?? 0.5);
    this.showScore();
    this.comment.value = rating.comment ?? '';
    if (rating.betterResponse !== undefined) this.betterText.value = rating.betterResponse;
    else if (!editing) this.betterText.value = '';
    this.setEditing(editing || rating.betterResponse !== undefined);
  }

  /** Opens or closes the better response; it opens with the output when there is no text yet. */
  private setEditing(open: boolean): void {
    this.betterBox.hidden = !open;
    this.betterToggle.setAttribute('aria-expanded', String(open));
    if (open && !this.betterText.value) this.betterText.value = this.output();
  }

  private showScore(): void {
    this.scoreValue.textContent = this.scoreSet ? Number(this.score.value).toFixed(1) : '—';
    if (this.scoreSet) this.score.removeAttribute('aria-valuetext');
    else this.score.setAttribute('aria-valuetext', 'not set');
  }

  private edited(): void {
    if (this.pending) return;
    this.refreshStatus();
    this.host.edited();
  }

  /** "Saved at …" when the controls show the saved rating, "Not saved" when they differ. */
  private refreshStatus(): void {
    const saved = this.saved;
    if (saved && sameRating(saved, this.current())) {
      this.setStatus(saved.at ? `Saved at ${formatTime(saved.at)}` : 'Saved', 'saved');
    } else if (saved || Object.keys(this.current()).length > 0) {
      this.setStatus('Not saved', 'dirty');
    } else {
      this.setStatus('', 'none');
    }
  }

  private setStatus(message: string, kind: 'none' | 'saving' | 'saved' | 'failed' | 'dirty'): void {
    // Unchanged text is not rewritten, so a screen reader does not hear it again on every keystroke.
    if (this.status.textContent !== message) this.status.textContent = message;
    this.status.dataset.kind = kind;
  }

  private setDisabled(disabled: boolean): void {
    this.element.setAttribute('aria-busy', String(disabled));
    for (const control of [this.up, this.down, this.score, this.betterToggle, this.betterText, this.comment, this.save]) {
      control.disabled = disabled;
    }
  }
}
