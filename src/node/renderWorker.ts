/**
 * Rendering in a bounded worker thread, for the Node front ends (the desktop extension host and the CLI).
 *
 * Rendering a template is synchronous, and a template comes from someone else's repository: two nested loops over
 * `range(100000)` kept the extension host busy for more than 80 s, and a recursive macro grew it to 2.7 GB. So
 * templates render in a `worker_threads` Worker with a heap limit (`resourceLimits`), an empty environment and no
 * inspector flags; the host waits for it asynchronously, ends it when a render passes its time limit, and starts a
 * new one for the next render. The rendered text is checked against the output limit inside the worker, before it
 * is copied back. One worker is reused for every render (starting one costs tens of ms; a render's round trip is a
 * fraction of a ms: bench/render.ts measures both).
 */
import { Worker } from 'node:worker_threads';
import type { PromptFile } from '../core/format/promptFile';
import { DEFAULT_RENDER_LIMITS, type InlineRender, RenderLimitError, type RenderLimits, type RenderOptions, type TemplateRenderer } from '../core/template/renderer';
import type { ChatMessage } from '../core/template/template';
import { rebuildRenderError as rebuild, RenderProgress, type RenderReply, type RenderRequest } from './renderWorkerProtocol';

/** Young generation of the worker's heap, in MB: small, renders make short-lived strings. */
const YOUNG_GENERATION_MB = 16;

/**
 * How long a worker may take to start the request it was sent (a new thread, Nunjucks loaded), in ms. The render's
 * own time limit counts from when the worker starts it, so a slow start on a busy machine is not a runaway template.
 */
export const WORKER_START_LIMIT_MS = 30_000;

interface Pending {
  request: RenderRequest;
  resolve(reply: RenderReply): void;
  reject(err: Error): void;
}

/**
 * A {@link TemplateRenderer} backed by one worker thread at a time. Requests are rendered one after another; each
 * has the whole time limit from when the worker starts it. `limits()` is read for every render, so a changed
 * setting applies to the next one (a changed heap limit when the next worker starts). With `inline`, a prompt whose
 * messages are straight templates renders on the calling thread instead, without the worker's round trip.
 */
export class WorkerRenderer implements TemplateRenderer {
  private worker: Worker | undefined;
  /** What the current worker writes about where it is (see RenderProgress). */
  private progress: RenderProgress | undefined;
  private readonly queue: Pending[] = [];
  private current: (Pending & { timer: ReturnType<typeof setTimeout>; sentAt: number }) | undefined;
  private nextId = 1;
  private disposed = false;
  /** Workers started so far (the first, and one after each worker that was ended). For tests. */
  started = 0;

  /**
   * @param scriptPath the built worker script (dist/renderWorker.js, or out/src/node/renderWorkerMain.js in tests)
   * @param limits the limits for the next render (time in ms, output in characters, heap in MB)
   */
  constructor(private readonly scriptPath: string, private readonly limits: () => RenderLimits = () => DEFAULT_RENDER_LIMITS, private readonly inline?: InlineRender) {}

  async renderMessages(prompt: Pick<PromptFile, 'messages' | 'templateSyntax'>, values: Record<string, unknown>): Promise<ChatMessage[]> {
    if (this.inline && !this.disposed) {
      const straight = this.inline(prompt, values, this.limits().maxOutputChars);
      if (straight) return straight;
    }
    const reply = await this.send({ id: this.nextId++, kind: 'messages', messages: prompt.messages, syntax: prompt.templateSyntax, values, maxOutputChars: this.limits().maxOutputChars });
    if (reply.kind !== 'messages') throw new Error(`The render worker answered "${reply.kind}" to a messages request.`);
    return reply.messages;
  }

  async renderTemplates(templates: readonly string[], values: Record<string, unknown>, options?: RenderOptions): Promise<string[]> {
    const reply = await this.send({ id: this.nextId++, kind: 'templates', templates: [...templates], syntax: options?.syntax, values, maxOutputChars: this.limits().maxOutputChars });
    if (reply.kind !== 'templates') throw new Error(`The render worker answered "${reply.kind}" to a templates request.`);
    return reply.texts;
  }

  /** Ends the worker; pending and later renders fail. */
  dispose(): void {
    this.disposed = true;
    const failed = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    if (this.current) clearTimeout(this.current.timer);
    this.current = undefined;
    for (const p of failed) p.reject(new Error('Prompt Lab is shutting down: the render was not finished.'));
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private send(request: RenderRequest): Promise<RenderReply> {
    if (this.disposed) return Promise.reject(new Error('Prompt Lab is shutting down: nothing more is rendered.'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const limits = this.limits();
    const progress = new RenderProgress(new SharedArrayBuffer(RenderProgress.BYTES));
    const worker = new Worker(this.scriptPath, {
      // No API key or other secret from the host's environment, no debugger flags.
      env: {},
      execArgv: [],
      stdout: false,
      stderr: false,
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      workerData: { progress: progress.buffer },
    });
    this.started++;
    worker.on('message', (reply: RenderReply) => this.onReply(worker, reply));
    worker.on('error', (err: Error & { code?: string }) => {
      const memory = err.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.fail(worker, memory ? new RenderLimitError('memory', limits.maxHeapMb, this.messageIndex()) : new Error(`The render worker failed: ${err.message}`));
    });
    worker.on('exit', (code) => this.fail(worker, new Error(`The render worker stopped (exit code ${code}).`)));
    this.worker = worker;
    this.progress = progress;
    return worker;
  }

  /** The message the current render is at, as the worker wrote it (undefined when it has not said). */
  private messageIndex(): number | undefined {
    const current = this.current;
    if (!current || this.progress?.startedAt(current.request.id) === undefined) return undefined;
    return this.progress.messageIndex();
  }

  private pump(): void {
    if (this.current || this.disposed) return;
    const next = this.queue.shift();
    if (!next) {
      this.worker?.unref();
      return;
    }
    const worker = this.ensureWorker();
    worker.ref();
    const sentAt = RenderProgress.now();
    this.current = { ...next, sentAt, timer: setTimeout(() => this.checkLimits(worker), this.limits().timeoutMs) };
    worker.postMessage(next.request);
  }

  /**
   * A limit's timer fired: fail the render when the worker took longer than the time limit since it started it (or
   * than {@link WORKER_START_LIMIT_MS} to start it), else look again when it would be over.
   */
  private checkLimits(worker: Worker): void {
    const current = this.current;
    if (worker !== this.worker || !current || !this.progress) return;
    const now = RenderProgress.now();
    const { timeoutMs } = this.limits();
    const startedAt = this.progress.startedAt(current.request.id);
    if (startedAt === undefined) {
      const left = current.sentAt + WORKER_START_LIMIT_MS - now;
      if (left <= 0) this.fail(worker, new Error(`The render worker did not start within ${WORKER_START_LIMIT_MS / 1000} s.`));
      else current.timer = setTimeout(() => this.checkLimits(worker), Math.min(left, timeoutMs));
      return;
    }
    const left = startedAt + timeoutMs - now;
    if (left <= 0) this.fail(worker, new RenderLimitError('time', timeoutMs, this.messageIndex()));
    else current.timer = setTimeout(() => this.checkLimits(worker), left);
  }

  private onReply(worker: Worker, reply: RenderReply): void {
    const current = this.current;
    if (worker !== this.worker || !current || reply.id !== current.request.id) return;
    clearTimeout(current.timer);
    this.current = undefined;
    if (reply.kind === 'error') current.reject(rebuild(reply.error));
    else current.resolve(reply);
    this.pump();
  }

  /** The worker went wrong or ran out of time: fail the render in progress, end the worker, go on with a new one. */
  private fail(worker: Worker, err: Error): void {
    if (worker !== this.worker) return;
    this.worker = undefined;
    this.progress = undefined;
    void worker.terminate();
    const current = this.current;
    this.current = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.reject(err);
    }
    this.pump();
  }
}
