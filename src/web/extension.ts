/**
 * The web entry (package.json `browser`, built as dist/web/extension.js with the core bundled in): Prompt Lab in the
 * web worker extension host of VS Code for the Web, with `workspace.fs`, Web Crypto and Web Workers
 * (./platform.ts). The desktop entry is src/extension.ts; both activate the same vscode layer.
 */
import type * as vscode from 'vscode';
import { activatePromptLab, type PromptLabApi } from '../vscode/activate';
import { webPlatform } from './platform';

export function activate(context: vscode.ExtensionContext): PromptLabApi {
  return activatePromptLab(context, webPlatform());
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
