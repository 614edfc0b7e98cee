/**
 * The streamed output of one run: a <pre> that only ever grows by text nodes.
 *
 * Deltas are buffered and written at most once per animation frame (with a timer as a fallback,
 * because a hidden webview gets no frames). Every view of the page flushes in the same frame callback,
 * all writes first and then the scrolling, so several streams side by side (the playground's columns)
 * cost one layout per frame, not one per stream; whether a view follows its end is tracked from scroll
 * events rather than measured at each flush. Text goes into a Text node with `appendData`; once
 * that node holds CHUNK characters a new one is started, so a long stream never recopies
 * everything it has shown (or, for the playground's columns, into blocks: see the constructor). The element's
 * textContent is exactly the concatenation of the deltas.
 */
import { h } from './dom';

const CHUNK = 64 * 1024;
const FALLBACK_FLUSH_MS = 100;
/**
 * Past this many characters a view is written at most every LARGE_FLUSH_MS instead of every frame: laying out a
 * long wrapped text costs more with every write, and a fast stream would otherwise keep the page busy with layout
 * (the last text is still written at once when the run finishes: see flush()).
 */
const LARGE_CHARS = 32 * 1024;
const LARGE_FLUSH_MS = 250;

/** Views with buffered text, flushed together. */
const dirty = new Set<OutputView>();
let frame: number | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;

function schedule(view: OutputView): void {
  dirty.add(view);
  if (view.shownLength > LARGE_CHARS) {
    timer ??= setTimeout(flushAll, LARGE_FLUSH_MS);
    return;
  }
  frame ??= requestAnimationFrame(flushAll);
  timer ??= setTimeout(flushAll, FALLBACK_FLUSH_MS);
}

/** Write every dirty view's text, then scroll the ones that follow their end: one layout for all. */
function flushAll(): void {
  if (frame !== undefined) cancelAnimationFrame(frame);
  if (timer !== undefined) clearTimeout(timer);
  frame = undefined;
  timer = undefined;
  const views = [...dirty];
  dirty.clear();
  const written = views.filter((v) => v.writePending());
  for (const v of written) v.scrollIfFollowing();
}

export class OutputView {
  readonly element: HTMLPreElement;
  private pending: string[] = [];
  private current: Text | null = null;
  private shown = 0;
  /** Whether the view shows its end (the person has not scrolled up), kept from scroll events. */
  private following = true;
  /** The current block ended at a break: the next text starts a new one. */
  private blockFull = false;

  /**
   * @param blockChars with a positive value the text goes into blocks (`<span class="run-output-block">`, shown
   * as blocks) of about that many characters instead of bare text nodes: appending then lays out only the last
   * block, not the whole output, which is what keeps several long outputs side by side cheap (the playground). A
   * block ends after a line break where the text has one, otherwise after a space (a line then wraps a little
   * early), so the blocks read as one text; the element's textContent is the same either way.
   */
  constructor(label: string, initial: string, private readonly blockChars = 0) {
    this.element = h('pre', {
      class: 'run-output',
      'data-testid': 'run-output',
      role: 'log',
      'aria-label': label,
      'aria-live': 'polite',
      tabindex: '0',
    });
    if (initial) this.write(initial);
    this.element.addEventListener('scroll', () => {
      const pre = this.element;
      this.following = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8;
    }, { passive: true });
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
    schedule(this);
  }

  /** Writes any buffered text to the DOM now (and that of every other view waiting for the next frame). */
  flush(): void {
    if (this.pending.length > 0) dirty.add(this);
    flushAll();
  }

  /** Write the buffered text; false when there was none. */
  writePending(): boolean {
    if (this.pending.length === 0) return false;
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.write(text);
    return true;
  }

  /** Keep the end in view, unless the person scrolled up. */
  scrollIfFollowing(): void {
    if (this.following) this.element.scrollTop = this.element.scrollHeight;
  }

  private write(text: string): void {
    this.shown += text.length;
    if (this.blockChars > 0) {
      this.writeBlocks(text);
      return;
    }
    if (this.current && this.current.length < CHUNK) {
      this.current.appendData(text);
    } else {
      this.current = document.createTextNode(text);
      this.element.append(this.current);
    }
  }

  private writeBlocks(text: string): void {
    let rest = text;
    while (rest) {
      if (!this.current || this.blockFull) {
        this.blockFull = false;
        this.current = document.createTextNode('');
        this.element.append(h('span', { class: 'run-output-block' }, this.current));
      }
      const room = this.blockChars - this.current.length;
      if (rest.length <= room) {
        this.current.appendData(rest);
        return;
      }
      // The block is (about to be) full: end it at the last line break of the text, or else at its last space.
      const newline = rest.lastIndexOf('\n');
      const cut = (newline >= 0 ? newline : rest.lastIndexOf(' ')) + 1;
      if (cut === 0) {
        this.current.appendData(rest);
        return;
      }
      this.current.appendData(rest.slice(0, cut));
      this.blockFull = true;
      rest = rest.slice(cut);
    }
  }
}
