/**
 * The extension host's renderer: templates render in a worker thread (src/node/renderWorker.ts, built as
 * dist/renderWorker.js) with the limits of the `promptLab.render.*` user settings, so a template from a cloned
 * repository can neither block VS Code nor fill its memory. The worker starts on the first render, not at activation.
 * A prompt of straight templates (text and plain lookups, which cannot run away: src/core/template/straight.ts)
 * renders on the extension host's thread, without the worker's round trip before each run's request.
 */
import * as vscode from 'vscode';
import { WorkerRenderer } from '../node/renderWorker';
import { readRenderLimits } from './config';
import { loadCore } from './core';

/** A {@link WorkerRenderer} for this extension, to be disposed with it. */
export function createRenderer(extensionUri: vscode.Uri): WorkerRenderer & vscode.Disposable {
  return new WorkerRenderer(vscode.Uri.joinPath(extensionUri, 'dist', 'renderWorker.js').fsPath, readRenderLimits,
    (prompt, values, maxOutputChars) => loadCore().renderStraightMessages(prompt, values, maxOutputChars));
}
