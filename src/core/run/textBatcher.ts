/**
 * Batches small text deltas so a fast stream (thousands of chunks a second) becomes a few messages a
 * second to the webview. The concatenation of what `send` receives equals the concatenation of what was
 * pushed, in order; `flush()` sends what is pending at once (call it when the stream ends).
 */
export class TextBatcher {
  private parts: string[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * @param send receives each batch (never an empty string).
   * @param intervalMs longest time (ms) a pushed delta waits before it is sent; 16 ms ≈ one frame.
   */
  constructor(private readonly send: (text: string) => void, private readonly intervalMs = 16) {}

  /** Queue `text`; it is sent within `intervalMs`. */
  push(text: string): void {
    if (!text) return;
    this.parts.push(text);
    if (this.timer === undefined) this.timer = setTimeout(() => this.flush(), this.intervalMs);
  }

  /** Send everything pending now. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.parts.length === 0) return;
    const text = this.parts.length === 1 ? (this.parts[0] as string) : this.parts.join('');
    this.parts = [];
    this.send(text);
  }

  /** Drop the timer without sending (the receiver is gone). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.parts = [];
  }
}
