/**
 * How many requests an evaluation keeps in flight on one deployment: additive increase, multiplicative decrease
 * (AIMD), the rule TCP uses to share a link (RFC 5681 §3.1), applied to a rate-limited API:
 *
 * - it starts at the deployment's `maxConcurrency`, the ceiling;
 * - each request that the server answers (not with a 429) adds `1 / window`, so a whole window of answered requests
 *   adds one slot (TCP's congestion avoidance: one segment per round trip), up to the ceiling;
 * - a 429 multiplies the window by {@link DECREASE_FACTOR} (0.7, CUBIC's β, RFC 9438 §4.6: a smaller cut than Reno's
 *   0.5, so the sawtooth keeps ~85% of the allowed rate on average instead of ~75%), never below 1; like TCP, the window
 *   is cut at most once per round trip: a 429 answering a request sent before the last cut says nothing new.
 *
 * The pause that a 429's `retry-after-ms` / `retry-after` asks for is kept by the pool (./pool.ts).
 */

/** The factor a 429 multiplies the window by. */
export const DECREASE_FACTOR = 0.7;

/** The concurrency window of one deployment. Times are in ms on one monotonic clock (`performance.now()`). */
export class ConcurrencyWindow {
  private window: number;
  private lastCut = -Infinity;
  /** Cuts made so far (for progress events and tests). */
  cuts = 0;

  constructor(readonly ceiling: number) {
    if (!(ceiling >= 1)) throw new RangeError(`maxConcurrency must be at least 1, not ${ceiling}.`);
    this.window = ceiling;
  }

  /** Requests that may be in flight now: the window rounded down, at least 1. */
  get slots(): number {
    return Math.max(1, Math.floor(this.window));
  }

  /** The window itself (fractional), for events. */
  get value(): number {
    return this.window;
  }

  /** A request was answered (any status but 429). */
  answered(): void {
    this.window = Math.min(this.ceiling, this.window + 1 / this.window);
  }

  /**
   * A request sent at `sentAt` was answered 429 at `now`. Cuts the window unless the request was sent before the last
   * cut. Returns whether it cut.
   */
  rateLimited(sentAt: number, now: number): boolean {
    if (sentAt < this.lastCut) return false;
    this.window = Math.max(1, this.window * DECREASE_FACTOR);
    this.lastCut = now;
    this.cuts++;
    return true;
  }
}
