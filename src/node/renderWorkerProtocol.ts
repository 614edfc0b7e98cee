/**
 * The messages between {@link WorkerRenderer} (src/node/renderWorker.ts) and the render worker
 * (src/node/renderWorkerMain.ts). Plain data only: they cross a `worker_threads` MessagePort by structured clone.
 * No Node API here: the web's Worker renderer (src/web/webWorkers.ts) sends the same requests and errors.
 */
import type { PromptMessage, TemplateSyntax } from '../core/format/promptFile';
import type { ChatMessage } from '../core/template/template';
import { RenderLimitError, type RenderLimitKind } from '../core/template/renderer';
import { InputValueError, TemplateError } from '../core/template/errors';

/** A render asked of the worker. `id` pairs it with its reply. */
export type RenderRequest =
  | { id: number; kind: 'messages'; messages: PromptMessage[]; syntax: TemplateSyntax | undefined; values: Record<string, unknown>; maxOutputChars: number }
  | { id: number; kind: 'templates'; templates: string[]; syntax: TemplateSyntax | undefined; values: Record<string, unknown>; maxOutputChars: number };

/** An error as it crosses the port, to be rebuilt as the same class on the other side. */
export type SerializedRenderError =
  | { name: 'TemplateError'; detail: string; messageIndex: number; line: number | undefined; column: number | undefined }
  | { name: 'InputValueError'; input: string; message: string }
  | { name: 'RenderLimitError'; limit: RenderLimitKind; value: number; messageIndex: number | undefined }
  | { name: 'Error'; message: string };

/** `err` as it crosses the port (the three render errors keep their fields; anything else its message). */
export function serializeRenderError(err: unknown): SerializedRenderError {
  if (err instanceof TemplateError) return { name: 'TemplateError', detail: err.detail, messageIndex: err.messageIndex, line: err.line, column: err.column };
  if (err instanceof InputValueError) return { name: 'InputValueError', input: err.input, message: err.message };
  if (err instanceof RenderLimitError) return { name: 'RenderLimitError', limit: err.limit, value: err.value, messageIndex: err.messageIndex };
  return { name: 'Error', message: err instanceof Error ? err.message : String(err) };
}

/** The error of {@link serializeRenderError} made again, as the same class. */
export function rebuildRenderError(error: SerializedRenderError): Error {
  switch (error.name) {
    case 'TemplateError': return new TemplateError(error.detail, error.messageIndex, error.line, error.column);
    case 'InputValueError': return new InputValueError(error.input, error.message);
    case 'RenderLimitError': return new RenderLimitError(error.limit, error.value, error.messageIndex);
    default: return new Error(error.message);
  }
}

/**
 * What the worker posts: one result or error per request. Where it is meanwhile (which request it started, when, and
 * which message it renders) it writes to the {@link RenderProgress} memory instead: a message each would wake the
 * host's thread once more per message of every render.
 */
export type RenderReply =
  | { id: number; kind: 'messages'; messages: ChatMessage[] }
  | { id: number; kind: 'templates'; texts: string[] }
  | { id: number; kind: 'error'; error: SerializedRenderError };

/**
 * Where the worker is, in memory shared with the host (`workerData.progress`, a SharedArrayBuffer of
 * {@link RenderProgress.BYTES} bytes): the id of the request it started, when it started it and which message it
 * renders. The host reads it when a limit's timer fires (the time limit counts from the start, not from a worker that
 * is still starting) and when a render fails (to name the message).
 */
export class RenderProgress {
  static readonly BYTES = 16;
  private readonly ints: Int32Array;
  private readonly times: Float64Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.ints = new Int32Array(buffer, 0, 2);
    this.times = new Float64Array(buffer, 8, 1);
  }

  /** Now, in ms since the epoch (sub-ms; comparable between threads, unlike `performance.now()`). */
  static now(): number {
    return performance.timeOrigin + performance.now();
  }

  /** Worker: request `id` starts now. */
  start(id: number): void {
    this.times[0] = RenderProgress.now();
    Atomics.store(this.ints, 1, 0);
    // Stored last: a host that sees the id sees the time written before it.
    Atomics.store(this.ints, 0, id);
  }

  /** Worker: message `messageIndex` (0-based) is being rendered. */
  message(messageIndex: number): void {
    Atomics.store(this.ints, 1, messageIndex + 1);
  }

  /** Host: when request `id` started (ms since the epoch), or undefined when the worker has not started it. */
  startedAt(id: number): number | undefined {
    return Atomics.load(this.ints, 0) === id ? this.times[0] : undefined;
  }

  /** Host: the message the worker is rendering, when it said. */
  messageIndex(): number | undefined {
    const value = Atomics.load(this.ints, 1);
    return value === 0 ? undefined : value - 1;
  }
}
