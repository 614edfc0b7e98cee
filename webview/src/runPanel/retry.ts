/**
 * "Retrying in 4 s (2/5): <reason>" while a run waits before sending its request again, counting
 * down every second (rounded up); once the wait is over (output arrives or the run ends) it becomes
 * a small "retried 2 times" note.
 */
import type { RunRetryingParams } from '../../../src/protocol/runPanel';
import { h, text } from '../dom';

export class RetryNotice {
  /** Where the notice goes (the run's notes). */
  private readonly parent: HTMLElement;
  private waiting: HTMLElement | null = null;
  private note: HTMLElement | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private count: number;

  constructor(parent: HTMLElement, retried = 0) {
    this.parent = parent;
    this.count = typeof retried === 'number' && Number.isFinite(retried) ? retried : 0;
  }

  /** Whether a countdown is showing. */
  get isWaiting(): boolean {
    return this.waiting !== null;
  }

  /** Retries seen so far. */
  get retried(): number {
    return this.count;
  }

  /** A retry is scheduled: show the countdown, replacing an earlier one. */
  retrying(params: RunRetryingParams): void {
    this.clearTimer();
    const attempt = typeof params.attempt === 'number' ? params.attempt : this.count + 1;
    const max = typeof params.maxRetries === 'number' ? `/${params.maxRetries}` : '';
    const delay = typeof params.delayMs === 'number' && Number.isFinite(params.delayMs) ? params.delayMs : 0;
    const reason = text(params.reason);
    this.count = Math.max(this.count, attempt);
    const deadline = performance.now() + delay;
    // The seconds are aria-hidden so that a screen reader announces the retry once, not every second.
    const seconds = h('span', { 'aria-hidden': 'true' });
    const element = h(
      'p',
      { class: 'run-retrying', 'data-testid': 'run-retrying', role: 'status' },
      'Retrying',
      seconds,
      ` (${attempt}${max})${reason ? `: ${reason}` : ''}`,
    );
    if (this.waiting) this.waiting.replaceWith(element);
    else this.parent.append(element);
    this.waiting = element;
    const tick = () => {
      const left = deadline - performance.now();
      const whole = Math.ceil(left / 1000);
      seconds.textContent = whole > 0 ? ` in ${whole} s` : ' now';
      // Next change when the rounded-up value drops, a little after the boundary.
      this.timer = whole > 0 ? setTimeout(tick, left - (whole - 1) * 1000 + 15) : undefined;
    };
    tick();
  }

  /** The wait is over: drop the countdown and show how many retries there were (`atLeast` from run/finished). */
  settle(atLeast = 0): void {
    this.clearTimer();
    this.waiting?.remove();
    this.waiting = null;
    if (typeof atLeast === 'number' && Number.isFinite(atLeast)) this.count = Math.max(this.count, Math.round(atLeast));
    if (this.count <= 0) return;
    const label = `retried ${this.count} ${this.count === 1 ? 'time' : 'times'}`;
    if (this.note) {
      this.note.textContent = label;
      return;
    }
    this.note = h('p', { class: 'run-note', 'data-testid': 'run-retries' }, label);
    this.parent.append(this.note);
  }

  dispose(): void {
    this.clearTimer();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
