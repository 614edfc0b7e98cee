/**
 * The web's worker (built as dist/web/renderWorker.js, a classic script): renders templates and matches `regex`
 * evaluators for the pool in ./webWorkers.ts, one request at a time, and says `ready` once loaded. The host ends it
 * when a request passes its time limit. No `vscode`, no Node: a browser Worker's globals only.
 */
import { checkOutputLength } from '../core/template/renderer';
import { renderMessages, renderTemplate } from '../core/template/template';
import { serializeRenderError } from '../node/renderWorkerProtocol';
import type { WebWorkerProgress, WebWorkerReply, WebWorkerRequest } from './webWorkerProtocol';

/** Patterns compiled so far (at most 64, then forgotten), as the Node regex worker keeps them. */
const compiled = new Map<string, RegExp>();

/** The answer to `request`; `progress` hears each message or template as it starts. */
export function answer(request: WebWorkerRequest, progress: (message: WebWorkerProgress) => void = () => undefined): WebWorkerReply {
  const { id } = request;
  try {
    switch (request.kind) {
      case 'messages': {
        const messages = renderMessages({ messages: request.messages, ...(request.syntax ? { templateSyntax: request.syntax } : {}) }, request.values, {
          onMessage: (messageIndex) => progress({ id, kind: 'progress', messageIndex }),
          checkOutput: (text, messageIndex) => checkOutputLength(text, request.maxOutputChars, messageIndex),
        });
        return { id, kind: 'messages', messages };
      }
      case 'templates': {
        const texts = request.templates.map((template, i) => {
          progress({ id, kind: 'progress', messageIndex: i });
          const text = renderTemplate(template, request.values, i, request.syntax);
          checkOutputLength(text, request.maxOutputChars, i);
          return text;
        });
        return { id, kind: 'templates', texts };
      }
      case 'regex': {
        const key = `${request.flags}/${request.pattern}`;
        let re = compiled.get(key);
        if (!re) {
          if (compiled.size >= 64) compiled.clear();
          re = new RegExp(request.pattern, request.flags);
          compiled.set(key, re);
        }
        re.lastIndex = 0;
        return { id, kind: 'regex', matched: re.test(request.text) };
      }
    }
  } catch (err) {
    return { id, kind: 'error', error: serializeRenderError(err) };
  }
}

/** The worker's global scope, as far as this script uses it. */
interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: WebWorkerRequest }) => void) | null;
}

const scope = globalThis as unknown as Partial<WorkerScope> & { document?: unknown };
// Only inside a worker (no `document`, a `postMessage`): the unit tests import `answer` on Node.
if (typeof scope.postMessage === 'function' && scope.document === undefined && typeof (globalThis as { importScripts?: unknown }).importScripts === 'function') {
  const worker = scope as WorkerScope;
  worker.onmessage = (event) => worker.postMessage(answer(event.data, (message) => worker.postMessage(message)));
  worker.postMessage({ kind: 'ready' });
}
