/**
 * The streamed output of one run: a <pre> that only ever grows by text nodes.
 *
 * Deltas are buffered and written at most once per animation frame (with a timer as a fallback,
 * because a hidden webview gets no frames). Text goes into a Text node with `appendData`; once
 * that node holds CHUNK characters a new one is started, so a long stream never recopies
 * everything it has shown. The element's textContent is exactly the concatenation of the deltas.
 */
import { h } from './dom';

const CHUNK = 64 * 1024;
const FALLBACK_FLUSH_MS = 100;

export class OutputView {
  readonly element: HTMLPreElement;
  private pending: string[] = [];
  private current: Text | null = null;
  private shown = 0;
  private frame: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(label: string, initial: string) {
    this.element = h('pre', {
      class: 'run-output',
      'data-testid': 'run-output',
      role: 'log',
      'aria-label': label,
      'aria-live': 'polite',
      tabindex: '0',
    });
    if (initial) this.write(initial);
  }

  /** Number of UTF-16 code units now in the DOM. */
  get shownLength(): number {
    return this.shown;
  }

  /** Everything appended so far, flushed or not. */
  text(): string {
    return (this.element.textContent ?? '') + this.pending.join('');
  }

  append(text: string): void {
    if (!text) return;
    this.pending.push(text);
    if (this.frame === undefined) this.frame = requestAnimationFrame(() => this.flush());
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), FALLBACK_FLUSH_MS);
  }

  /** Writes any buffered text to the DOM now. */
  flush(): void {
    if (this.frame !== undefined) cancelAnimationFrame(this.frame);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.frame = undefined;
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    const pre = this.element;
    const following = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8;
    this.write(text);
    if (following) pre.scrollTop = pre.scrollHeight;
  }

  private write(text: string): void {
    if (this.current && this.current.length < CHUNK) {
      this.current.appendData(text);
    } else {
      this.current = document.createTextNode(text);
      this.element.append(this.current);
    }
    this.shown += text.length;
  }
}
