/**
 * The streamed output of one run: a <pre> that only ever grows.
 *
 * Deltas are buffered and written at most once per animation frame (with a timer as a fallback, because a hidden
 * webview gets no frames). Every view of the page flushes in the same frame callback, reading first, then writing,
 * then scrolling, so several streams side by side (the playground's columns) cost one layout per frame, not one per
 * stream, and nothing forces a layout the frame would not do anyway.
 *
 * The text goes into blocks (`<span class="run-output-block">`, shown as blocks) of about BLOCK_CHARS characters,
 * each one text node grown with `appendData`: appending then lays out only the last block, not the whole output. A
 * trace of a 20,000-chunk stream in the real VS Code showed why (bench/webviewProfile.mjs): with the whole output
 * one run of text, every write laid out all of it again, and reading the scroll position after each write forced
 * that layout twice. A block ends after a line break where the text has one, otherwise after a space (a line then
 * wraps a little early), so the blocks read as one text; the element's textContent is exactly the concatenation of
 * the deltas.
 *
 * Whether a view follows its end (the person has not scrolled up) is read once per frame before anything is
 * written, when a scroll happened since the last frame: the layout is still the one the last frame made, so the
 * read costs nothing.
 */
import { h } from './dom';

/** Characters of a block: small enough that laying out the last one is cheap, large enough to be few. */
export const BLOCK_CHARS = 16 * 1024;
const FALLBACK_FLUSH_MS = 100;
/**
 * Past this many characters a view is written at most every LARGE_FLUSH_MS instead of every frame: a fast stream
 * would otherwise keep the page's thread, which in VS Code is also the workbench's, busy drawing every frame (the
 * last text is still written at once when the run finishes: see flush()).
 */
const LARGE_CHARS = 32 * 1024;
const LARGE_FLUSH_MS = 250;
/** Within this many pixels of its end, a view counts as showing its end. */
const FOLLOW_SLACK_PX = 8;

/** Views with buffered text, or scrolled, flushed together. */
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

/** Read every dirty view's scroll state, write their text, then scroll the ones that follow their end. */
function flushAll(): void {
  if (frame !== undefined) cancelAnimationFrame(frame);
  if (timer !== undefined) clearTimeout(timer);
  frame = undefined;
  timer = undefined;
  const views = [...dirty];
  dirty.clear();
  for (const v of views) v.readScroll();
  const written = views.filter((v) => v.writePending());
  for (const v of written) v.scrollIfFollowing();
}

/**
 * Calls `fn` once the page has drawn the next frame (a task queued from the frame callback runs after its paint), or
 * after FALLBACK_FLUSH_MS when no frame comes (a hidden webview).
 */
export function afterNextPaint(fn: () => void): void {
  let done = false;
  const once = (): void => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    fn();
  };
  const fallback = setTimeout(once, FALLBACK_FLUSH_MS);
  requestAnimationFrame(() => setTimeout(once, 0));
}

export class OutputView {
  readonly element: HTMLPreElement;
  private pending: string[] = [];
  private current: Text | null = null;
  private shown = 0;
  /** Whether the view shows its end (the person has not scrolled up), read at the frame after a scroll. */
  private following = true;
  /** A scroll happened since the last frame: read whether the view still shows its end. */
  private scrolled = false;
  /** The current block ended at a break: the next text starts a new one. */
  private blockFull = false;

  /** @param blockChars about how many characters a block holds (see the module's comment). */
  constructor(label: string, initial: string, private readonly blockChars = BLOCK_CHARS) {
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
      this.scrolled = true;
      schedule(this);
    }, { passive: true });
  }

  /** Whether the view shows its end (the person has not scrolled up). */
  get isFollowing(): boolean {
    return this.following;
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

  /** After a scroll: whether the view still shows its end (read before this frame writes anything). */
  readScroll(): void {
    if (!this.scrolled) return;
    this.scrolled = false;
    const pre = this.element;
    this.following = pre.scrollHeight - pre.scrollTop - pre.clientHeight < FOLLOW_SLACK_PX;
  }

  /** Keep the end in view, unless the person scrolled up. */
  scrollIfFollowing(): void {
    if (this.following) this.element.scrollTop = this.element.scrollHeight;
  }

  private write(text: string): void {
    this.shown += text.length;
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
      // The block is (about to be) full: end it after a break that fits, or else after the first one that comes.
      const cut = breakBefore(rest, room) || breakFrom(rest, Math.max(0, room));
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

/** After the last line break before index `limit` of `text`, else after its last space there; 0 when neither. */
function breakBefore(text: string, limit: number): number {
  if (limit <= 0) return 0;
  const newline = text.lastIndexOf('\n', limit - 1);
  return (newline >= 0 ? newline : text.lastIndexOf(' ', limit - 1)) + 1;
}

/** After the first line break or space at or past index `from` of `text`; 0 when none. */
function breakFrom(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  const space = text.indexOf(' ', from);
  const first = newline < 0 ? space : space < 0 ? newline : Math.min(newline, space);
  return first + 1;
}
