/**
 * The page side of webWorkers.chromium.test.ts: the web entry's bounded renderer and regex matcher
 * (src/web/webWorkers.ts) on a real browser Worker running the web worker script (src/web/webWorkerMain.ts), the Web
 * Crypto hasher, and the core's error sentences for the openai SDK's requests from a page. Bundled by the test with
 * the web build's esbuild plugin (scripts/webBundle.mjs), exposed as `globalThis.lab` for `page.evaluate`.
 */
import OpenAI from 'openai';
import { describeError } from '../../../src/core/providers/errors';
import { inProcessRenderer } from '../../../src/core/template/inProcessRenderer';
import { parsePromptFile } from '../../../src/core/format/promptFile';
import { renderStraightMessages } from '../../../src/core/template/straight';
import { webHasher } from '../../../src/web/hash';
import { WebWorkerRegexMatcher, WebWorkerRenderer, type WorkerLike } from '../../../src/web/webWorkers';

/** Starts the worker script the test serves at /renderWorker.js. */
const start = (): Promise<WorkerLike> => {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: string) => WorkerLike }).Worker;
  return Promise.resolve(new WorkerClass('/renderWorker.js'));
};

(globalThis as { lab?: unknown }).lab = { OpenAI, describeError, inProcessRenderer, parsePromptFile, renderStraightMessages, webHasher, WebWorkerRegexMatcher, WebWorkerRenderer, start };
