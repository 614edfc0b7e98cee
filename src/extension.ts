/**
 * Prompt Lab's activation: creates the pieces, registers the commands, and pushes every disposable into
 * `context.subscriptions`. Nothing runs at import time.
 */
import * as vscode from 'vscode';
import { ApiKeyStore } from './vscode/apiKeys';
import { PromptDiagnostics } from './vscode/diagnostics';
import { RunController, type RunFinishedEvent } from './vscode/runController';
import type { RunRenderedEvent } from './vscode/runPanel';
import { setApiKey } from './vscode/setApiKey';

/** What `activate` returns: events that integration tests and benchmarks observe. Not a stable public API. */
export interface PromptLabApi {
  /** A run ended (ok, error or cancelled) and its log line is written. */
  onDidFinishRun: vscode.Event<RunFinishedEvent>;
  /** A run panel confirmed it shows a finished run; carries the catch-up time in ms. */
  onDidRenderRun: vscode.Event<RunRenderedEvent>;
  /** A prompt document's diagnostics were refreshed. */
  onDidRefreshDiagnostics: vscode.Event<vscode.Uri>;
}

export function activate(context: vscode.ExtensionContext): PromptLabApi {
  const log = vscode.window.createOutputChannel('Prompt Lab', { log: true });
  const keys = new ApiKeyStore(context.secrets);
  const runs = new RunController(context.extensionUri, keys, log);
  const diagnostics = new PromptDiagnostics();
  context.subscriptions.push(
    log,
    runs,
    diagnostics,
    vscode.commands.registerCommand('promptLab.runPrompt', (uri?: vscode.Uri) => runs.run(uri)),
    vscode.commands.registerCommand('promptLab.setApiKey', (deploymentKey?: string, value?: string) => setApiKey(keys, deploymentKey, value)),
    vscode.commands.registerCommand('promptLab.showLog', () => log.show()),
  );
  return { onDidFinishRun: runs.onDidFinishRun, onDidRenderRun: runs.panels.onDidRender, onDidRefreshDiagnostics: diagnostics.onDidRefresh };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
