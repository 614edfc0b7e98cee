/**
 * The messages between the web's worker pool (./webWorkers.ts) and its worker (./webWorkerMain.ts, built as
 * dist/web/renderWorker.js): the Node render worker's requests and replies (src/node/renderWorkerProtocol.ts) plus
 * `regex` matches, and a first `ready` from the worker once its script is loaded. Plain data, by structured clone.
 */
import type { RenderReply, RenderRequest, SerializedRenderError } from '../node/renderWorkerProtocol';

/** What the host asks: a render, or whether `new RegExp(pattern, flags).test(text)`. */
export type WebWorkerRequest = RenderRequest | { id: number; kind: 'regex'; pattern: string; flags: string; text: string };

/** What the worker answers, one per request (an `error` for a pattern that does not compile, too). */
export type WebWorkerReply = RenderReply | { id: number; kind: 'regex'; matched: boolean } | { id: number; kind: 'error'; error: SerializedRenderError };

/**
 * Where a render is, posted before each message or template it starts: the host names that message when the render
 * passes its time limit (the Node worker writes the same into shared memory, which a page that is not cross-origin
 * isolated does not have).
 */
export interface WebWorkerProgress { id: number; kind: 'progress'; messageIndex: number }
