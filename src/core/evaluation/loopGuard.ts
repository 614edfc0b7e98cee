/**
 * Keeps the event loop of the thread an evaluation runs on (the extension host's) responsive. The engine's work per
 * finished cell is small (~2 ms of CPU, mostly the SDK and the HTTP client streaming it), but a server that answers
 * faster than this thread can take the answers in (a local server, a small model, short outputs) would otherwise have
 * every turn of the event loop handle the chunks of hundreds of streams, and other extensions, the webviews' messages
 * and the editor's requests wait seconds behind it.
 *
 * The guard measures how late a 20 ms timer fires (the event-loop delay, as `monitorEventLoopDelay` does, with only
 * timers, so it runs in a browser too), takes the median of the last {@link LATE_TICKS} ticks (a busy machine delays
 * single ticks now and then, e.g. a GC or other processes; an overloaded thread delays every tick), and caps the
 * requests in flight across all of the evaluation's deployments, additive increase, multiplicative decrease, like the
 * 429 window of ./aimd.ts but on this thread's own congestion:
 * - a median later than {@link LoopGuardOptions.highMs} cuts the cap to {@link LoopGuardOptions.decrease} × the
 *   requests in flight (at most once per {@link LoopGuardOptions.cutEveryMs}, so a cut can take effect first), never
 *   below {@link LoopGuardOptions.floor};
 * - a median on time (later than it should be by less than {@link LoopGuardOptions.lowMs}) after the cap held a request
 *   back raises it by an eighth (at least one). Raising by one a tick (50 a second) took 4.5 s to win back a cut made
 *   while 256 requests started at once, on a server that answered slowly: 0.93 of the ideal throughput instead of 0.97.
 *   A thread that is really swamped is rarely on time, so its cap still rises a little at a time.
 * The floor (8 requests in flight) keeps a busy machine (other processes delaying timers) from throttling a small
 * evaluation: with at most 8 in flight the guard never acts. On a server slower than the thread, the cap is never
 * reached and the guard costs one timer.
 */

/** The factor an on-time tick raises the cap by (at least one more). */
const RAISE = 1.125;

/** Ticks whose median lateness the guard acts on. */
export const LATE_TICKS = 5;

/** Options of a {@link LoopGuard}; the defaults are in the module comment. */
export interface LoopGuardOptions {
  /** Tick interval in ms (default 20). */
  intervalMs?: number;
  /**
   * A tick later than this (ms) is congestion (default 8). While the thread is busy, a timer fires late by about half a
   * turn of the event loop, and the slowest turns are ~3× the median: over 100,000 cells on a server faster than the
   * thread, 15 gave an event-loop delay p99 of 46-56 ms (the 10 ms interval of `monitorEventLoopDelay` included), 10
   * gave 45-54 ms, 8 gave 42 ms, each at about the same rows/s (issue 13's target: p99 ≤ 50 ms).
   */
  highMs?: number;
  /** A tick later than this (ms) at most is on time (default 3). */
  lowMs?: number;
  /** The cap is cut to this fraction of the requests in flight (default 0.7). */
  decrease?: number;
  /** The cap is never below this many requests in flight (default 8). */
  floor?: number;
  /** At most one cut per this many ms (default 100). */
  cutEveryMs?: number;
  /**
   * CPU time (ms) this process has used, where the platform tells it (Node: `process.cpuUsage`). With it, late ticks
   * cut only while the process used at least {@link LoopGuardOptions.busyShare} of the wall time since the oldest of
   * the ticks: on a machine that other processes keep busy every timer is late, though this thread has little to do.
   */
  cpuTimeMs?: () => number;
  /** See `cpuTimeMs` (default 0.3). */
  busyShare?: number;
  now?: () => number;
}

/** The cap on requests in flight across an evaluation's pools, from the delay of the event loop. */
export class LoopGuard {
  private inFlight = 0;
  private capValue = Infinity;
  private blocked = false;
  private lastCut = -Infinity;
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = 0;
  private readonly waiting = new Set<() => void>();
  private readonly recent: number[] = [];
  private readonly o: Required<Omit<LoopGuardOptions, 'now' | 'cpuTimeMs'>> & Pick<LoopGuardOptions, 'cpuTimeMs'> & { now: () => number };
  /** CPU time and wall time at each of the recent ticks, oldest first. */
  private readonly usage: [number, number][] = [];

  constructor(options: LoopGuardOptions = {}) {
    this.o = {
      intervalMs: options.intervalMs ?? 20, highMs: options.highMs ?? 8, lowMs: options.lowMs ?? 3, decrease: options.decrease ?? 0.7,
      floor: options.floor ?? 8, cutEveryMs: options.cutEveryMs ?? 100, busyShare: options.busyShare ?? 0.3, now: options.now ?? (() => globalThis.performance.now()),
    };
    if (options.cpuTimeMs) this.o.cpuTimeMs = options.cpuTimeMs;
  }

  /** The cap now (Infinity when none). */
  get cap(): number {
    return this.capValue;
  }

  /** Starts measuring (an unref'd timer where the platform has it). */
  start(): void {
    if (this.timer) return;
    this.last = this.o.now();
    this.timer = setInterval(() => this.tick(this.o.now()), this.o.intervalMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Stops measuring and lifts the cap. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.capValue = Infinity;
    this.waiting.clear();
  }

  /** Takes a slot for a request about to be sent; false when the cap is reached (`onFree` is called when one frees). */
  acquire(onFree: () => void): boolean {
    if (this.inFlight >= this.capValue) {
      this.blocked = true;
      this.waiting.add(onFree);
      return false;
    }
    this.inFlight++;
    return true;
  }

  /** Gives back the slot of a request that ended. */
  release(): void {
    this.inFlight--;
    if (this.inFlight < this.capValue) this.wake();
  }

  /** One tick of the timer at `now` (public for tests). */
  tick(now: number): void {
    const lateMs = this.lateness(now - this.last - this.o.intervalMs);
    this.last = now;
    if (lateMs > this.o.highMs) {
      if (now - this.lastCut >= this.o.cutEveryMs && this.inFlight > this.o.floor && this.busy(now)) {
        this.capValue = Math.max(this.o.floor, Math.floor(this.inFlight * this.o.decrease));
        this.lastCut = now;
      }
    } else if (lateMs < this.o.lowMs && this.capValue !== Infinity && this.blocked) {
      this.capValue = Math.max(this.capValue + 1, Math.floor(this.capValue * RAISE));
      this.blocked = false;
      this.wake();
    }
  }

  /** Whether this process used CPU for at least `busyShare` of the time since the oldest recent tick (true when unknown). */
  private busy(now: number): boolean {
    const oldest = this.usage[0];
    if (!this.o.cpuTimeMs || !oldest) return true;
    return now > oldest[1] && (this.o.cpuTimeMs() - oldest[0]) / (now - oldest[1]) >= this.o.busyShare;
  }

  /** The median of the last {@link LATE_TICKS} ticks' lateness, this one's (`lateMs`) included. */
  private lateness(lateMs: number): number {
    this.recent.push(lateMs);
    if (this.recent.length > LATE_TICKS) this.recent.shift();
    if (this.o.cpuTimeMs) {
      this.usage.push([this.o.cpuTimeMs(), this.o.now()]);
      if (this.usage.length > LATE_TICKS) this.usage.shift();
    }
    const sorted = [...this.recent].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] as number;
  }

  private wake(): void {
    // Those held back try again; one refused again marks the cap as holding requests back anew.
    this.blocked = false;
    if (this.waiting.size === 0) return;
    const waiting = [...this.waiting];
    this.waiting.clear();
    for (const w of waiting) w();
  }
}
