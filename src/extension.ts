/**
 * The desktop entry (package.json `main`, built as dist/extension.js): Prompt Lab on the Node extension host, with
 * Node's file system, worker threads and environment (src/desktop/platform.ts). The web entry is src/web/extension.ts.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { desktopPlatform } from './desktop/platform';
import { workspaceFiles } from './web/workspaceFiles';
import { activatePromptLab, type PromptLabApi } from './vscode/activate';

export type { PromptLabApi } from './vscode/activate';

export function activate(context: vscode.ExtensionContext): PromptLabApi {
  // A virtual workspace (a GitHub repository opened without a clone) is not on disk: its files go through
  // workspace.fs as on the web, the rest (worker threads, the environment) stays Node's.
  const virtual = (vscode.workspace.workspaceFolders ?? []).some((folder) => folder.uri.scheme !== 'file');
  const desktop = desktopPlatform();
  return activatePromptLab(context, virtual ? { ...desktop, ...workspaceFiles(path.posix), nodeExecutable: undefined } : desktop);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
