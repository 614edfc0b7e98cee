/**
 * The web worker extension host's {@link VscodePlatform} (VS Code for the Web: vscode.dev, github.dev, code-server's
 * browser host). No Node: files through `vscode.workspace.fs` (whole-file reads and writes, ./wholeFileSystem.ts),
 * SHA-256 with Web Crypto, templates and `regex` evaluators in a bounded Web Worker (./webWorkers.ts), the log folder
 * watched with `createFileSystemWatcher`, no environment variables (keys come from SecretStorage, GitHub and Entra ID
 * tokens from VS Code's sign-in), no process to run the CLI's tasks in.
 * Paths: the layer's strings are the `path` of the workspace's URIs (`/owner/repo/prompts/a.prompt.json` in
 * github.dev): see ./workspaceFiles.ts.
 */
import * as vscode from 'vscode';
import type { VscodePlatform } from '../vscode/platform';
import { webHasher } from './hash';
import posix from 'path-browserify';
import { workspaceFiles } from './workspaceFiles';
import { WebWorkerRegexMatcher, WebWorkerRenderer, type StartWorker, type WorkerLike } from './webWorkers';

/**
 * Starts the worker script dist/web/renderWorker.js of the extension: its text read with `workspace.fs` (the
 * extension's files may be on another origin than the worker), run from a `blob:` URL.
 * @throws Error when this host has no `Worker` or refuses the URL.
 */
function workerStarter(extensionUri: vscode.Uri): StartWorker {
  let source: Promise<string> | undefined;
  return async () => {
    const WorkerClass = (globalThis as { Worker?: new (url: string, options?: { name?: string }) => WorkerLike }).Worker;
    if (!WorkerClass) throw new Error('this extension host has no Worker');
    source ??= Promise.resolve(vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'dist', 'web', 'renderWorker.js'))).then((bytes) => new TextDecoder().decode(bytes));
    const url = URL.createObjectURL(new Blob([await source], { type: 'text/javascript' }));
    try {
      return new WorkerClass(url, { name: 'Prompt Lab render worker' });
    } finally {
      // The worker has fetched (or failed) by the time it says ready; a later revoke would leak one URL per worker.
      setTimeout(() => URL.revokeObjectURL(url), WORKER_URL_LIFETIME_MS);
    }
  };
}

/** How long a worker's `blob:` URL stays valid, ms: far longer than a worker takes to load it. */
const WORKER_URL_LIFETIME_MS = 60_000;

/** The web platform. What runs with fewer limits than on the desktop (no Worker could be started) is said in the log. */
export function webPlatform(): VscodePlatform {
  let log: vscode.LogOutputChannel | undefined;
  const warn = (message: string): void => {
    if (log) log.warn(message);
    else console.warn(`Prompt Lab: ${message}`);
  };
  return {
    kind: 'web',
    ...workspaceFiles(posix),
    hasher: webHasher(),
    createRenderer: (extensionUri, limits, inline) => new WebWorkerRenderer(workerStarter(extensionUri), limits, inline,
      (reason) => warn(`[render] ${reason} Templates render on the extension host's thread, with the output limit but no time limit.`)),
    createRegexMatcher: (extensionUri) => new WebWorkerRegexMatcher(workerStarter(extensionUri), undefined,
      (reason) => warn(`[evaluate] ${reason} regex evaluators run on the extension host's thread, with no time limit.`)),
    env: {},
    useLog: (channel) => {
      log = channel;
    },
    cpuUsage: () => undefined,
    nodeExecutable: undefined,
  };
}
