/**
 * The requests of one deployment during an evaluation: at most the AIMD window in flight (./aimd.ts), judge requests
 * before new cells, and on a 429 every request of the deployment waits for the server's `retry-after-ms` /
 * `retry-after` (else an exponential backoff with full jitter) while the window shrinks; the rate-limited request goes
 * back to the front of its queue. 5xx and connection failures are retried inside the run, as for a single run.
 */
import type { RunOutcome } from '../run/run';
import { ConcurrencyWindow } from './aimd';
import type { LoopGuard } from './loopGuard';

/** One request the pool sends: `send` makes one attempt, `settle` receives the final outcome. */
export interface PoolRequest {
  /** Judges go before cells. */
  priority: 'judge' | 'cell';
  /** Makes one attempt (an `executeRun` with `rateLimits: "return"`). */
  send(): Promise<RunOutcome>;
  /** The final outcome: anything but a 429 that will be tried again. */
  settle(outcome: RunOutcome, rateLimitRetries: number): void;
  /** `send` rejected (it should not: executeRun never does); the request is given up. */
  abandon(err: unknown): void;
}

/** What the pool reports. */
export interface PoolObserver {
  /** A request was answered 429: the deployment pauses `pauseMs`; `window` is the concurrency after any cut. */
  rateLimited?(info: { pauseMs: number; window: number; cut: boolean }): void;
  /** Requests in flight changed. */
  inFlight?(count: number): void;
}

/** Options of a {@link RequestPool}. */
export interface PoolOptions {
  maxConcurrency: number;
  /** Backoff when a 429 names no wait: first ceiling in ms (doubles per consecutive 429), and the longest wait. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s one request may get before it is given up as an error (bounds the loop; default 100). */
  maxRateLimitRetries?: number;
  /** Resolves when requests may be sent (the budget gate); checked before each send. */
  gate?: () => Promise<void> | undefined;
  /** When aborted, queued requests settle as never sent (`settleUnsent`) and nothing new is sent. */
  signal: AbortSignal;
  /** Called for each request that will never be sent because the evaluation was cancelled. */
  settleUnsent(request: PoolRequest): void;
  random?: () => number;
  now?: () => number;
  /** The cap on requests in flight shared by the evaluation's pools, from the event loop's delay (./loopGuard.ts). */
  guard?: LoopGuard;
}

/** Requests a pool starts in one turn of the event loop at most (see {@link RequestPool.pump}). */
export const STARTS_PER_TURN = 16;

interface Queued {
  request: PoolRequest;
  rateLimitRetries: number;
}

/** The requests of one deployment. Cells come from a lazy source; judges are pushed. */
export class RequestPool {
  readonly window: ConcurrencyWindow;
  private readonly judges: Queued[] = [];
  private readonly retries: Queued[] = [];
  private sources: (() => PoolRequest | undefined)[] = [];
  private running = 0;
  private pausedUntil = 0;
  private pauseTimer: ReturnType<typeof setTimeout> | undefined;
  /** Set while the starts of this turn are used up and the pump goes on in a later turn. */
  private resumeTimer: ReturnType<typeof setTimeout> | undefined;
  private consecutive429 = 0;
  private waitingForGate = false;
  private readonly now: () => number;
  private readonly random: () => number;
  /** The pump, as the loop guard calls it back when a slot frees (one function, so it is registered once). */
  private readonly pumpSoon = (): void => this.pump();

  constructor(private readonly options: PoolOptions, private readonly observer: PoolObserver = {}) {
    this.window = new ConcurrencyWindow(options.maxConcurrency);
    this.now = options.now ?? (() => globalThis.performance.now());
    this.random = options.random ?? Math.random;
    options.signal.addEventListener('abort', () => this.drainUnsent(), { once: true });
  }

  /** Requests in flight now. */
  get inFlight(): number {
    return this.running;
  }

  /** Adds a lazy source of cell requests: called whenever a slot is free, until it returns undefined. */
  addSource(next: () => PoolRequest | undefined): void {
    this.sources.push(next);
    this.pump();
  }

  /** Queues a request (judges before cells). */
  push(request: PoolRequest): void {
    if (this.options.signal.aborted) {
      this.options.settleUnsent(request);
      return;
    }
    (request.priority === 'judge' ? this.judges : this.retries).push({ request, rateLimitRetries: 0 });
    this.pump();
  }

  /**
   * Sends what the window, the pause and the gate allow, at most {@link STARTS_PER_TURN} in one turn of the event
   * loop: starting a request (rendering, the SDK, the socket write) costs ~0.3–1 ms of this thread, so opening a
   * window of 256 at once would hold the extension host's event loop for a quarter of a second; the rest follow in
   * later turns (a 0 ms timer), letting other work of the host run between.
   */
  pump(): void {
    if (this.options.signal.aborted || this.resumeTimer !== undefined) return;
    const now = this.now();
    if (now < this.pausedUntil) {
      this.pauseTimer ??= setTimeout(() => {
        this.pauseTimer = undefined;
        this.pump();
      }, Math.ceil(this.pausedUntil - now));
      return;
    }
    let started = 0;
    while (this.running < this.window.slots) {
      if (started === STARTS_PER_TURN) {
        this.resumeTimer = setTimeout(() => {
          this.resumeTimer = undefined;
          this.pump();
        }, 0);
        return;
      }
      if (this.options.gate) {
        const wait = this.options.gate();
        if (wait) {
          if (!this.waitingForGate) {
            this.waitingForGate = true;
            void wait.then(() => {
              this.waitingForGate = false;
              this.pump();
            });
          }
          return;
        }
      }
      const guard = this.options.guard;
      if (guard && !guard.acquire(this.pumpSoon)) return;
      const next = this.next();
      if (!next) {
        guard?.release();
        break;
      }
      this.start(next);
      started++;
    }
  }

  private next(): Queued | undefined {
    const queued = this.judges.shift() ?? this.retries.shift();
    if (queued) return queued;
    while (this.sources.length > 0) {
      const request = (this.sources[0] as () => PoolRequest | undefined)();
      if (request) return { request, rateLimitRetries: 0 };
      this.sources.shift();
    }
    return undefined;
  }

  private start(queued: Queued): void {
    this.running++;
    this.observer.inFlight?.(this.running);
    const sentAt = this.now();
    void queued.request.send().then(
      (outcome) => this.finished(queued, sentAt, outcome),
      (err: unknown) => {
        this.running--;
        this.options.guard?.release();
        this.observer.inFlight?.(this.running);
        queued.request.abandon(err);
        this.pump();
      },
    );
  }

  private finished(queued: Queued, sentAt: number, outcome: RunOutcome): void {
    this.running--;
    this.options.guard?.release();
    this.observer.inFlight?.(this.running);
    const maxRetries = this.options.maxRateLimitRetries ?? 100;
    if (outcome.rateLimit && !this.options.signal.aborted && queued.rateLimitRetries < maxRetries) {
      const now = this.now();
      const cut = this.window.rateLimited(sentAt, now);
      this.consecutive429++;
      const fromServer = outcome.rateLimit.retryAfterMs;
      const pauseMs = Math.min(this.options.maxDelayMs, Math.round(fromServer ?? this.random() * this.options.baseDelayMs * 2 ** Math.min(10, this.consecutive429 - 1)));
      this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
      queued.rateLimitRetries++;
      (queued.request.priority === 'judge' ? this.judges : this.retries).unshift(queued);
      this.observer.rateLimited?.({ pauseMs, window: this.window.value, cut });
    } else {
      if (!outcome.rateLimit) {
        this.window.answered();
        this.consecutive429 = 0;
      }
      queued.request.settle(outcome, queued.rateLimitRetries);
    }
    this.pump();
  }

  private drainUnsent(): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
    for (const queued of [...this.judges.splice(0), ...this.retries.splice(0)]) this.options.settleUnsent(queued.request);
    for (const source of this.sources.splice(0)) {
      for (let request = source(); request; request = source()) this.options.settleUnsent(request);
    }
  }

  /** Stops the pause timer (the evaluation is over). */
  dispose(): void {
    clearTimeout(this.pauseTimer);
    this.pauseTimer = undefined;
    clearTimeout(this.resumeTimer);
    this.resumeTimer = undefined;
  }
}
