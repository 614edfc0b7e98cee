/**
 * Bounded rendering and `regex` matching for the web worker extension host, in a Web Worker that can be ended: the
 * web's counterpart of src/node/renderWorker.ts and src/node/regexWorker.ts. A template or a pattern comes from
 * someone else's repository and a synchronous render or match cannot be interrupted on the thread that runs it, so it
 * runs in a nested Worker (dist/web/renderWorker.js, started from a `blob:` URL of its text, which the web extension
 * host allows), and the host ends the worker when a request passes its time limit, rejecting with
 * {@link RenderLimitError} `time` (or a sentence for a pattern), and starts a new one for the next request.
 *
 * What the web cannot bound: a browser Worker has no heap limit (`resourceLimits` is Node's), so a template that
 * fills memory is stopped by its time limit or by the browser ending the worker, not at `maxHeapMb`. Where no Worker
 * can be started (a host without nested workers), requests run on the extension host's thread with the output limit
 * only, and the first such render says so in the log.
 */
import { RenderLimitError, type InlineRender, type RenderLimits, type RenderOptions, type TemplateRenderer } from '../core/template/renderer';
import type { ChatMessage } from '../core/template/template';
import type { PromptFile } from '../core/format/promptFile';
import type { RegexMatcher } from '../core/evaluation/evaluators';
import { inProcessRenderer } from '../core/template/inProcessRenderer';
import type { WebWorkerProgress, WebWorkerReply, WebWorkerRequest } from './webWorkerProtocol';
import { rebuildRenderError as rebuild } from '../node/renderWorkerProtocol';

/** What the host uses of a Worker (`Worker` in a browser; tests may pass another with the same surface). */
export interface WorkerLike {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string }) => void) | null;
}

/** Starts a worker that runs dist/web/renderWorker.js; rejects when the host cannot start one. */
export type StartWorker = () => Promise<WorkerLike>;

/** How long a new worker may take to load its script and say it is ready, in ms. */
export const WEB_WORKER_START_LIMIT_MS = 30_000;
/** Default time limit of one `regex` match, in ms (as src/node/regexWorker.ts). */
export const WEB_REGEX_TIME_LIMIT_MS = 1000;

type Body = WebWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

interface Job {
  body: Body;
  /** Time limit of the request, ms. */
  limitMs: number;
  /** The error when the limit passes, given the message the worker said it was at. */
  timeout: (messageIndex: number | undefined) => Error;
  resolve(reply: WebWorkerReply): void;
  reject(err: Error): void;
}

/**
 * One worker at a time, requests one after another, each with its own time limit from when it is sent to a ready
 * worker. A worker that passes a limit, fails or does not start in {@link WEB_WORKER_START_LIMIT_MS} is ended; the
 * next request starts a new one.
 */
export class WebWorkerPool {
  private worker: WorkerLike | undefined;
  private ready: Promise<WorkerLike> | undefined;
  private readonly queue: Job[] = [];
  private current: (Job & { id: number; timer: ReturnType<typeof setTimeout>; messageIndex?: number }) | undefined;
  private nextId = 1;
  private disposed = false;
  /** Workers started and ready so far. For tests. */
  started = 0;

  constructor(private readonly start: StartWorker) {}

  /** Sends `body`; resolves with its reply. Rejects with `timeout()` past `limitMs`, or when no worker can start. */
  request(body: Body, limitMs: number, timeout: (messageIndex: number | undefined) => Error): Promise<WebWorkerReply> {
    if (this.disposed) return Promise.reject(new Error('Prompt Lab is shutting down: nothing more is rendered.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ body, limitMs, timeout, resolve, reject });
      void this.pump();
    });
  }

  dispose(): void {
    this.disposed = true;
    const failed = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    for (const job of failed) job.reject(new Error('Prompt Lab is shutting down: the request was not finished.'));
    this.worker?.terminate();
    this.worker = undefined;
    this.ready = undefined;
  }

  private ensureWorker(): Promise<WorkerLike> {
    if (this.ready) return this.ready;
    const ready = (async () => {
      let worker: WorkerLike;
      try {
        worker = await this.start();
      } catch (err) {
        throw new WorkerStartError(`No Web Worker could be started here: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new WorkerStartError(`The worker did not start within ${WEB_WORKER_START_LIMIT_MS / 1000} s.`)), WEB_WORKER_START_LIMIT_MS);
        worker.onmessage = (event) => {
          if ((event.data as { kind?: unknown } | null)?.kind !== 'ready') return;
          clearTimeout(timer);
          resolve();
        };
        worker.onerror = (event) => {
          clearTimeout(timer);
          reject(new WorkerStartError(`The worker failed to start: ${event.message ?? 'no reason given'}`));
        };
      }).catch((err: unknown) => {
        worker.terminate();
        throw err;
      });
      this.started++;
      worker.onmessage = (event) => this.onReply(worker, event.data as WebWorkerReply | WebWorkerProgress);
      worker.onerror = (event) => this.fail(worker, new Error(`The render worker failed: ${event.message ?? 'no reason given'}`));
      this.worker = worker;
      return worker;
    })();
    this.ready = ready;
    ready.catch(() => {
      if (this.ready === ready) this.ready = undefined;
    });
    return ready;
  }

  private async pump(): Promise<void> {
    if (this.current || this.disposed) return;
    const job = this.queue[0];
    if (!job) return;
    let worker: WorkerLike;
    try {
      worker = await this.ensureWorker();
    } catch (err) {
      // No worker: fail the waiting requests (the next request tries again).
      for (const waiting of this.queue.splice(0)) waiting.reject(err as Error);
      return;
    }
    if (this.current || this.disposed || this.queue[0] !== job) return void this.pump();
    this.queue.shift();
    const id = this.nextId++;
    this.current = { ...job, id, timer: setTimeout(() => this.fail(worker, job.timeout(this.current?.id === id ? this.current.messageIndex : undefined)), job.limitMs) };
    worker.postMessage({ ...job.body, id });
  }

  private onReply(worker: WorkerLike, reply: WebWorkerReply | WebWorkerProgress): void {
    const current = this.current;
    if (worker !== this.worker || !current || reply.id !== current.id) return;
    if (reply.kind === 'progress') {
      current.messageIndex = reply.messageIndex;
      return;
    }
    clearTimeout(current.timer);
    this.current = undefined;
    current.resolve(reply);
    void this.pump();
  }

  /** The worker went wrong or ran out of time: fail the request in progress, end the worker, go on with a new one. */
  private fail(worker: WorkerLike, err: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.ready = undefined;
    worker.terminate();
    const current = this.current;
    this.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.reject(err);
    }
    void this.pump();
  }
}

/**
 * A {@link TemplateRenderer} on a {@link WebWorkerPool}. `limits()` is read for every render. With `inline`, a prompt
 * of straight templates renders on the calling thread. When the pool cannot start a worker at all, renders fall back
 * to the calling thread with the output limit only (`onFallback` is told once).
 */
export class WebWorkerRenderer implements TemplateRenderer {
  private readonly pool: WebWorkerPool;
  /** Set once a worker could not be started: renders run on the calling thread from then on. */
  private fallback = false;

  constructor(start: StartWorker, private readonly limits: () => RenderLimits, private readonly inline?: InlineRender, private readonly onFallback?: (reason: string) => void) {
    this.pool = new WebWorkerPool(start);
  }

  /** Workers started so far. For tests. */
  get started(): number {
    return this.pool.started;
  }

  async renderMessages(prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>): Promise<ChatMessage[]> {
    const { maxOutputChars } = this.limits();
    const straight = this.inline?.(prompt, values, maxOutputChars);
    if (straight) return straight;
    const reply = await this.send({ kind: 'messages', messages: prompt.messages, syntax: prompt.templateSyntax, values, maxOutputChars },
      () => inProcessRenderer({ maxOutputChars }).renderMessages(prompt, values));
    if (!Array.isArray(reply)) throw new Error('The render worker answered a messages request with something else.');
    return reply as ChatMessage[];
  }

  async renderTemplates(templates: readonly string[], values: Record<string, unknown>, options?: RenderOptions): Promise<string[]> {
    const { maxOutputChars } = this.limits();
    const reply = await this.send({ kind: 'templates', templates: [...templates], syntax: options?.syntax, values, maxOutputChars },
      () => inProcessRenderer({ maxOutputChars }).renderTemplates(templates, values, options));
    return reply as string[];
  }

  dispose(): void {
    this.pool.dispose();
  }

  private async send(body: Body, inProcess: () => Promise<ChatMessage[] | string[]>): Promise<ChatMessage[] | string[]> {
    if (this.fallback) return inProcess();
    const { timeoutMs } = this.limits();
    let reply: WebWorkerReply;
    try {
      reply = await this.pool.request(body, timeoutMs, (messageIndex) => new RenderLimitError('time', timeoutMs, messageIndex));
    } catch (err) {
      if (this.pool.started > 0 || !(err instanceof WorkerStartError)) throw err;
      this.fallback = true;
      this.onFallback?.(err.message);
      return inProcess();
    }
    if (reply.kind === 'error') throw rebuild(reply.error);
    if (reply.kind === 'messages') return reply.messages;
    if (reply.kind === 'templates') return reply.texts;
    throw new Error(`The render worker answered "${reply.kind}" to a render request.`);
  }
}

/** The host could not start a Worker at all (no nested workers, a refused `blob:` URL). */
export class WorkerStartError extends Error {
  override readonly name = 'WorkerStartError';
}

/**
 * A {@link RegexMatcher} on a {@link WebWorkerPool}: each match has `limitMs`; a pattern that timed out is not tried
 * again (it fails at once), so a bad pattern costs one time limit per evaluation.
 */
export class WebWorkerRegexMatcher implements RegexMatcher {
  private readonly pool: WebWorkerPool;
  private readonly timedOut = new Set<string>();
  private fallback = false;

  constructor(start: StartWorker, private readonly limitMs = WEB_REGEX_TIME_LIMIT_MS, private readonly onFallback?: (reason: string) => void) {
    this.pool = new WebWorkerPool(start);
  }

  async test(pattern: string, flags: string, text: string): Promise<boolean> {
    const key = `${flags}/${pattern}`;
    const tooSlow = (): Error => new Error(`The regex /${pattern}/${flags} took longer than ${this.limitMs} ms and was stopped.`);
    if (this.timedOut.has(key)) throw tooSlow();
    if (this.fallback) return new RegExp(pattern, flags).test(text);
    let reply: WebWorkerReply;
    try {
      reply = await this.pool.request({ kind: 'regex', pattern, flags, text }, this.limitMs, () => {
        this.timedOut.add(key);
        return tooSlow();
      });
    } catch (err) {
      if (this.pool.started > 0 || !(err instanceof WorkerStartError)) throw err;
      this.fallback = true;
      this.onFallback?.(err.message);
      return new RegExp(pattern, flags).test(text);
    }
    if (reply.kind === 'regex') return reply.matched;
    if (reply.kind === 'error') throw new Error(reply.error.name === 'Error' ? reply.error.message : `The regex /${pattern}/${flags} failed.`);
    throw new Error(`The worker answered "${reply.kind}" to a regex request.`);
  }

  dispose(): void {
    this.pool.dispose();
  }
}
