/**
 * The extension host's renderer: templates render in the platform's bounded renderer (on the desktop a worker thread,
 * src/node/renderWorker.ts built as dist/renderWorker.js; on the web see src/web/platform.ts) with the limits of the
 * `promptLab.render.*` user settings, so a template from a cloned repository can neither block VS Code nor fill its
 * memory. The worker starts on the first render, not at activation. A prompt of straight templates (text and plain
 * lookups, which cannot run away: src/core/template/straight.ts) renders on the extension host's thread, without the
 * worker's round trip before each run's request.
 */
import type * as vscode from 'vscode';
import type { TemplateRenderer } from '../core/template/renderer';
import { readRenderLimits } from './config';
import { loadCore } from './core';
import { platform } from './platform';

/** The platform's bounded renderer for this extension, to be disposed with it. */
export function createRenderer(extensionUri: vscode.Uri): TemplateRenderer & vscode.Disposable {
  return platform().createRenderer(extensionUri, readRenderLimits,
    (prompt, values, maxOutputChars) => loadCore().renderStraightMessages(prompt, values, maxOutputChars));
}
