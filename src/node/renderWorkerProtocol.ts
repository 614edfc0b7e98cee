/**
 * The messages between {@link WorkerRenderer} (src/node/renderWorker.ts) and the render worker
 * (src/node/renderWorkerMain.ts). Plain data only: they cross a `worker_threads` MessagePort by structured clone.
 */
import type { PromptMessage, TemplateSyntax } from '../core/format/promptFile';
import type { ChatMessage } from '../core/template/template';
import type { RenderLimitKind } from '../core/template/renderer';

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

/**
 * What the worker posts: that it started the request (the time limit counts from there, not from a worker that is
 * still starting), progress (which message it is rendering), then one result or error per request.
 */
export type RenderReply =
  | { id: number; kind: 'started' }
  | { id: number; kind: 'progress'; messageIndex: number }
  | { id: number; kind: 'messages'; messages: ChatMessage[] }
  | { id: number; kind: 'templates'; texts: string[] }
  | { id: number; kind: 'error'; error: SerializedRenderError };
