/**
 * The model of a serving engine behind the simulated inference server (./simulated.ts), in plain arithmetic so the
 * same code runs on the wall clock (the server) and in virtual time ({@link idealRun}: the throughput a client with
 * no overhead of its own would get).
 *
 * Continuous batching as vLLM does it: at most `capacity` sequences are admitted at once (vLLM's `--max-num-seqs`,
 * 256 by default), the others wait in a FIFO queue; an admitted sequence first spends its prefill time (prompt tokens
 * ÷ `prefillTokensPerSecond`), then decodes. All decoding sequences advance together, each at the per-sequence rate
 * of the current batch size b: `aggregate(b) / b` tokens/s, where `aggregate` interpolates linearly between the points
 * of `decodeCurve`. The default curve is a published vLLM measurement: Mixtral-8x7B-Instruct on 2×A100, completion
 * tokens/s at 1, 16, 32, 64, 128 and 256 concurrent requests (corticph/ml-llm-client README, "Throughput Benchmark",
 * the table Prompt Lab's seed copies: 63.97, 419.95, 681.34, 1012.22, 1219.25, 1311.11). `speedup` runs the clock
 * that many times faster, so tests and benchmarks take seconds, not hours.
 *
 * Decoding is a processor-sharing system: the engine tracks S, the tokens every decoding sequence has received since
 * the start (dS/dt = rate(b)); a sequence that starts decoding at S0 has its first token at S0 + 1 and is done at
 * S0 + n. Events are kept in two heaps (prefill ends by time, decode milestones by S).
 */

/** Parameters of the engine. */
export interface EngineParams {
  /** Sequences admitted at once (prefilling or decoding); more wait in a queue. */
  capacity: number;
  /** [batch size, aggregate completion tokens/s of the whole batch], batch sizes ascending. */
  decodeCurve: readonly (readonly [number, number])[];
  /** Prompt tokens processed per second for one sequence's prefill. */
  prefillTokensPerSecond: number;
  /** How many times faster than real time the engine runs. */
  speedup: number;
}

/**
 * vLLM serving Mixtral-8x7B-Instruct-v0.1 on 2×A100: completion tokens/s against concurrent requests
 * (corticph/ml-llm-client README, "Throughput Benchmark").
 */
export const VLLM_MIXTRAL_2XA100: readonly (readonly [number, number])[] = Object.freeze([
  [1, 63.97], [16, 419.95], [32, 681.34], [64, 1012.22], [128, 1219.25], [256, 1311.11],
] as const);

/**
 * Defaults: vLLM's default batch capacity (256), the curve above, and a prefill of 4,000 prompt tokens/s per
 * sequence (an assumption of this simulation, not a measurement: prefill is compute-bound and an order of magnitude
 * faster than one sequence's decode, which is what matters here), in real time.
 */
export const DEFAULT_ENGINE_PARAMS: Readonly<EngineParams> = Object.freeze({ capacity: 256, decodeCurve: VLLM_MIXTRAL_2XA100, prefillTokensPerSecond: 4000, speedup: 1 });

/** Aggregate decode throughput (tokens/s, before `speedup`) at batch size `b`: linear between the curve's points, flat outside. */
export function aggregateRate(curve: EngineParams['decodeCurve'], b: number): number {
  const first = curve[0];
  const last = curve[curve.length - 1];
  if (!first || !last) throw new Error('decodeCurve is empty');
  if (b <= first[0]) return first[1] * (b / first[0]);
  if (b >= last[0]) return last[1];
  for (let i = 1; i < curve.length; i++) {
    const [b1, r1] = curve[i] as readonly [number, number];
    const [b0, r0] = curve[i - 1] as readonly [number, number];
    if (b <= b1) return r0 + ((r1 - r0) * (b - b0)) / (b1 - b0);
  }
  return last[1];
}

/** One request in the engine. */
export interface Sequence {
  promptTokens: number;
  completionTokens: number;
  state: 'queued' | 'prefill' | 'decode' | 'done' | 'cancelled';
  /** Engine time (ms) the prefill ends; set on admission. */
  prefillEnd: number;
  /** S at which decoding started. */
  s0: number;
  /** Whether `onFirstToken` was called. */
  firstFired?: boolean;
  /** Called at the first token and at the end (engine time, ms). */
  onFirstToken?(at: number): void;
  onDone?(at: number): void;
}

class Heap<T> {
  private readonly items: T[] = [];
  constructor(private readonly key: (item: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.key(a[p] as T) <= this.key(a[i] as T)) break;
      [a[p], a[i]] = [a[i] as T, a[p] as T];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.key(a[l] as T) < this.key(a[m] as T)) m = l;
        if (r < a.length && this.key(a[r] as T) < this.key(a[m] as T)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i] as T, a[m] as T];
        i = m;
      }
    }
    return top;
  }
}

interface Milestone {
  seq: Sequence;
  s: number;
  kind: 'first' | 'done';
}

/** The engine. Times are ms on the caller's clock; call {@link advanceTo} before reading or changing state at a time. */
export class BatchEngine {
  now = 0;
  /** Tokens each decoding sequence has received since the start. */
  private s = 0;
  private readonly queue: Sequence[] = [];
  private queueHead = 0;
  private readonly prefilling = new Heap<Sequence>((q) => q.prefillEnd);
  private readonly milestones = new Heap<Milestone>((m) => m.s);
  private decoding = 0;
  private admitted = 0;

  constructor(readonly params: EngineParams) {}

  /** Sequences decoding now (the batch size). */
  get batchSize(): number {
    return this.decoding;
  }

  /** Sequences admitted (prefilling or decoding). */
  get active(): number {
    return this.admitted;
  }

  /** Sequences waiting for admission. */
  get queued(): number {
    let n = 0;
    for (let i = this.queueHead; i < this.queue.length; i++) if ((this.queue[i] as Sequence).state === 'queued') n++;
    return n;
  }

  /** Whether a sequence is admitted or waiting. */
  get busy(): boolean {
    return this.admitted > 0 || this.queue.slice(this.queueHead).some((q) => q.state === 'queued');
  }

  /** Per-sequence decode rate at batch size `b`, in tokens per ms of the caller's clock. */
  rate(b: number): number {
    return b > 0 ? ((aggregateRate(this.params.decodeCurve, b) / b) * this.params.speedup) / 1000 : 0;
  }

  /** Tokens `seq` has decoded so far (0 before decoding). */
  tokens(seq: Sequence): number {
    if (seq.state === 'done') return seq.completionTokens;
    if (seq.state !== 'decode') return 0;
    return Math.min(seq.completionTokens, Math.floor(this.s - seq.s0 + 1e-9));
  }

  /** Adds a request at `at` (≥ now). */
  submit(seq: Sequence, at: number): void {
    this.advanceTo(at);
    seq.state = 'queued';
    this.queue.push(seq);
    this.admit();
  }

  /** Removes a request (the client went away). */
  cancel(seq: Sequence, at: number): void {
    this.advanceTo(at);
    if (seq.state === 'decode') this.decoding--;
    if (seq.state === 'decode' || seq.state === 'prefill') this.admitted--;
    seq.state = 'cancelled';
    this.admit();
  }

  /** The engine time of the next event, undefined when nothing is pending. */
  nextEventTime(): number | undefined {
    const t = Math.min(this.nextPrefill(), this.nextMilestone());
    return Number.isFinite(t) ? t : undefined;
  }

  private nextPrefill(): number {
    for (let q = this.prefilling.peek(); q; q = this.prefilling.peek()) {
      if (q.state === 'prefill') return q.prefillEnd;
      this.prefilling.pop();
    }
    return Infinity;
  }

  private nextMilestone(): number {
    for (let m = this.milestones.peek(); m; m = this.milestones.peek()) {
      if (m.seq.state === 'decode') return this.decoding > 0 ? this.now + (m.s - this.s) / this.rate(this.decoding) : Infinity;
      this.milestones.pop();
    }
    return Infinity;
  }

  /** Processes every event up to `t`, in order. */
  advanceTo(t: number): void {
    for (;;) {
      const tp = this.nextPrefill();
      const tm = this.nextMilestone();
      const next = Math.min(tp, tm);
      if (next > t) {
        this.s += this.rate(this.decoding) * Math.max(0, t - this.now);
        this.now = Math.max(this.now, t);
        return;
      }
      const at = Math.max(this.now, next);
      if (tp <= tm) {
        this.s += this.rate(this.decoding) * (at - this.now);
        this.now = at;
        const seq = this.prefilling.pop() as Sequence;
        seq.state = 'decode';
        seq.s0 = this.s;
        this.decoding++;
        this.milestones.push({ seq, s: this.s + 1, kind: 'first' });
        this.milestones.push({ seq, s: this.s + seq.completionTokens, kind: 'done' });
      } else {
        const m = this.milestones.pop() as Milestone;
        this.now = at;
        this.s = m.s;
        if (m.kind === 'first') {
          m.seq.firstFired = true;
          m.seq.onFirstToken?.(at);
        } else {
          if (!m.seq.firstFired) {
            m.seq.firstFired = true;
            m.seq.onFirstToken?.(at);
          }
          m.seq.state = 'done';
          this.decoding--;
          this.admitted--;
          this.admit();
          m.seq.onDone?.(at);
        }
      }
    }
  }

  private admit(): void {
    while (this.admitted < this.params.capacity && this.queueHead < this.queue.length) {
      const seq = this.queue[this.queueHead++] as Sequence;
      if (seq.state !== 'queued') continue;
      seq.state = 'prefill';
      seq.prefillEnd = this.now + (seq.promptTokens / this.params.prefillTokensPerSecond / this.params.speedup) * 1000;
      this.admitted++;
      this.prefilling.push(seq);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }
}

/** A request as the ideal computation needs it. */
export interface RequestShape {
  promptTokens: number;
  completionTokens: number;
}

/** The throughput a closed loop of `concurrency` clients with no overhead gets over `requests`, in their order. */
export interface IdealFigures {
  makespanMs: number;
  promptTokens: number;
  completionTokens: number;
  promptTokensPerSecond: number;
  completionTokensPerSecond: number;
  totalTokensPerSecond: number;
}

/**
 * The ideal throughput for a concurrency: `concurrency` clients each send their next request the moment the previous
 * one ends, with no time of their own, against an engine with `params`; run in virtual time on the same model the
 * server uses. Deterministic.
 */
export function idealRun(params: EngineParams, requests: readonly RequestShape[], concurrency: number): IdealFigures {
  const engine = new BatchEngine(params);
  let next = 0;
  let end = 0;
  let prompt = 0;
  let completion = 0;
  const send = (at: number): void => {
    const r = requests[next++];
    if (!r) return;
    prompt += r.promptTokens;
    completion += r.completionTokens;
    const seq: Sequence = {
      ...r, state: 'queued', prefillEnd: 0, s0: 0,
      onDone: (t) => {
        end = Math.max(end, t);
        send(t);
      },
    };
    engine.submit(seq, at);
  };
  for (let i = 0; i < concurrency; i++) send(0);
  for (let t = engine.nextEventTime(); t !== undefined; t = engine.nextEventTime()) engine.advanceTo(t);
  const seconds = end / 1000;
  return {
    makespanMs: end,
    promptTokens: prompt,
    completionTokens: completion,
    promptTokensPerSecond: prompt / seconds,
    completionTokensPerSecond: completion / seconds,
    totalTokensPerSecond: (prompt + completion) / seconds,
  };
}
