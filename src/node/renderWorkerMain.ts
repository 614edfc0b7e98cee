/**
 * The render worker: a `worker_threads` Worker that renders templates for {@link WorkerRenderer}
 * (./renderWorker.ts), one request at a time. It runs with an empty environment (no API key in `process.env`) and
 * a heap limit; the parent ends it when a render takes too long. Built as dist/renderWorker.js (esbuild.mjs).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkOutputLength } from '../core/template/renderer';
import { renderMessages, renderTemplate } from '../core/template/template';
import { RenderProgress, serializeRenderError as serialize, type RenderReply, type RenderRequest } from './renderWorkerProtocol';

function handle(request: RenderRequest, progress: RenderProgress, post: (reply: RenderReply) => void): void {
  const { id } = request;
  progress.start(id);
  try {
    if (request.kind === 'messages') {
      const messages = renderMessages({ messages: request.messages, ...(request.syntax ? { templateSyntax: request.syntax } : {}) }, request.values, {
        onMessage: (messageIndex) => progress.message(messageIndex),
        checkOutput: (text, messageIndex) => checkOutputLength(text, request.maxOutputChars, messageIndex),
      });
      post({ id, kind: 'messages', messages });
    } else {
      const texts = request.templates.map((template, i) => {
        progress.message(i);
        const text = renderTemplate(template, request.values, i, request.syntax);
        checkOutputLength(text, request.maxOutputChars, i);
        return text;
      });
      post({ id, kind: 'templates', texts });
    }
  } catch (err) {
    post({ id, kind: 'error', error: serialize(err) });
  }
}

const port = parentPort;
if (port) {
  const progress = new RenderProgress((workerData as { progress: SharedArrayBuffer }).progress);
  port.on('message', (request: RenderRequest) => handle(request, progress, (reply) => port.postMessage(reply)));
}
