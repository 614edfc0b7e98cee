/**
 * `regex` evaluators matched in a worker thread, bounded in time, for the Node front ends (the extension host, the CLI).
 *
 * A regular expression comes from someone else's prompt file, and JavaScript's backtracking engine can take
 * exponential time: `^(a+)+$` against forty "a"s and a "!" runs for minutes, and a match cannot be interrupted on the
 * thread that runs it. So matches run in a `worker_threads` Worker (an empty environment, a small heap), one at a time;
 * the host waits asynchronously and ends the worker when a match passes the time limit, rejecting with a sentence, and
 * starts a new worker for the next match. The same pattern is not tried again after it timed out (in this matcher),
 * so a bad pattern costs one time limit per evaluation, not one per row. The pattern of the render worker
 * (./renderWorker.ts), without its own bundle: the worker's code is the short script below.
 */
import { Worker } from 'node:worker_threads';
import type { RegexMatcher } from '../core/evaluation/evaluators';

/** Default time limit of one match, in ms: far above any sane pattern on a model's output, far below a hang. */
export const REGEX_TIME_LIMIT_MS = 1000;
/** How long a new worker may take to start (a busy machine), in ms, on top of the match's own limit. */
const START_LIMIT_MS = 10_000;

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const compiled = new Map();
parentPort.on('message', (m) => {
  if (m.id === 0) { parentPort.postMessage({ id: 0 }); return; }
  try {
    const key = m.flags + '/' + m.pattern;
    let re = compiled.get(key);
    if (!re) { if (compiled.size >= 64) compiled.clear(); re = new RegExp(m.pattern, m.flags); compiled.set(key, re); }
    re.lastIndex = 0;
    parentPort.postMessage({ id: m.id, matched: re.test(m.text) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: String((err && err.message) || err) });
  }
});
`;

interface Job {
  id: number;
  pattern: string;
  flags: string;
  text: string;
  resolve(matched: boolean): void;
  reject(err: Error): void;
}

/** A {@link RegexMatcher} on one worker thread at a time; dispose it to end the worker. */
export class WorkerRegexMatcher implements RegexMatcher {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private readonly queue: Job[] = [];
  private busy = false;
  private nextId = 1;
  private disposed = false;
  /** Patterns (flags/pattern) whose match passed the limit: answered at once with the same error. */
  private readonly timedOut = new Set<string>();
  /** Workers started so far. For tests. */
  started = 0;

  constructor(private readonly limitMs: number = REGEX_TIME_LIMIT_MS) {}

  test(pattern: string, flags: string, text: string): Promise<boolean> {
    if (this.disposed) return Promise.reject(new Error('The regular expression matcher was closed.'));
    if (this.timedOut.has(`${flags}/${pattern}`)) return Promise.reject(this.limitError(pattern, flags));
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, pattern, flags, text, resolve, reject });
      void this.pump();
    });
  }

  private limitError(pattern: string, flags: string): Error {
    return new Error(`The regular expression /${pattern}/${flags} took longer than ${this.limitMs} ms on an output and was stopped (it backtracks too much: simplify nested quantifiers such as (a+)+).`);
  }

  /** The worker, started and answering (its start is not counted against a match's limit). */
  private start(): Promise<void> {
    if (this.worker && this.ready) return this.ready;
    const worker = new Worker(WORKER_SOURCE, { eval: true, env: {}, resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 } });
    worker.unref();
    this.worker = worker;
    this.started++;
    this.ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('The regular expression worker did not start.')), START_LIMIT_MS);
      worker.once('message', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      worker.postMessage({ id: 0 });
    });
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.worker = undefined;
        this.ready = undefined;
      }
    });
    return this.ready;
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    const job = this.queue.shift();
    if (!job) return;
    this.busy = true;
    try {
      await this.start();
      const worker = this.worker as Worker;
      const matched = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          this.timedOut.add(`${job.flags}/${job.pattern}`);
          // The only way to stop a running match: end its thread. The next match starts a new one.
          this.worker = undefined;
          this.ready = undefined;
          void worker.terminate();
          reject(this.limitError(job.pattern, job.flags));
        }, this.limitMs);
        const onMessage = (reply: { id: number; matched?: boolean; error?: string }): void => {
          if (reply.id !== job.id) return;
          cleanup();
          if (reply.error !== undefined) reject(new Error(`The regular expression /${job.pattern}/${job.flags} cannot be used: ${reply.error}`));
          else resolve(reply.matched === true);
        };
        const onExit = (): void => {
          cleanup();
          reject(new Error('The regular expression worker stopped (it ran out of memory?).'));
        };
        const cleanup = (): void => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          worker.off('exit', onExit);
        };
        worker.on('message', onMessage);
        worker.on('exit', onExit);
        worker.postMessage({ id: job.id, pattern: job.pattern, flags: job.flags, text: job.text });
      });
      job.resolve(matched);
    } catch (err) {
      job.reject(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.busy = false;
      void this.pump();
    }
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new Error('The regular expression matcher was closed.'));
    void this.worker?.terminate();
    this.worker = undefined;
    this.ready = undefined;
  }
}
